// The compare view's graph: the union of both versions' steps, each drawn as added, removed, changed or unchanged by a
// colour, a text marker and its aria-label (never by colour alone), and the union of their edges. Read-only: nothing
// here edits the text. Laid out by ELK in a worker, as the editing canvas is.
import {
  Background, Controls, Handle, Position, ReactFlow, useReactFlow,
  type Edge as FlowEdge, type Node as FlowNode, type NodeProps,
} from '@xyflow/react';
import ELK from 'elkjs/lib/elk-api';
import elkWorker from 'elkjs/lib/elk-worker.min.js?url';
import { memo, useEffect, useMemo, useState } from 'react';
import { layoutGraph, layoutKey, nodeSize, type Positions } from '../model/layout';
import type { StepDiff, StepStatus, VersionDiff } from '../model/versionDiff';

const elk = new ELK({ workerUrl: elkWorker });

/** The marker each status shows beside its colour. */
export const statusMarks: Record<StepStatus, string> = { added: '+ added', removed: '− removed', changed: '± changed', unchanged: '= unchanged' };

type DiffData = { diff: StepDiff };

const DiffStepView = memo(function DiffStepView({ data }: NodeProps<FlowNode<DiffData>>) {
  const { step, status, fields } = data.diff;
  return (
    <div className={`step-node diff-node diff-${status}`} title={fields.length ? `changed: ${fields.join(', ')}` : undefined}>
      <Handle type="target" position={Position.Top} isConnectable={false} />
      <span className={`diff-mark diff-${status}`} aria-hidden="true">{statusMarks[status]}</span>
      <div className="step-id">{step.name ?? step.id}</div>
      <div className="step-uses">{step.name ? `${step.id} · ` : ''}{step.uses ?? 'no activity'}</div>
      {fields.length > 0 && <div className="diff-fields" aria-hidden="true">{fields.join(', ')}</div>}
      <Handle type="source" position={Position.Bottom} isConnectable={false} />
    </div>
  );
});

const nodeTypes = { diffStep: DiffStepView };

/** What a step's node says to a screen reader: its id, its status, and for a changed one the fields that changed. */
export const stepLabel = (s: StepDiff) => `step ${s.id}, ${s.status}${s.fields.length ? `: ${s.fields.join(', ')}` : ''}`;

export function DiffCanvas({ diff, dark }: { diff: VersionDiff; dark: boolean }) {
  const flow = useReactFlow();
  const [positions, setPositions] = useState<Positions>({});
  const key = layoutKey(diff.graph);
  const [laidOut, setLaidOut] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    void layoutGraph(elk, diff.graph).then((laid) => {
      if (!current) return;
      setPositions(laid);
      if (diff.graph.steps.length === 0) {
        setLaidOut(key);
        return;
      }
      requestAnimationFrame(() => requestAnimationFrame(() => {
        void flow.fitView({ padding: 0.2 }).then(() => current && setLaidOut(key));
      }));
    });
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  const nodes = useMemo<FlowNode<DiffData>[]>(() => diff.steps.map((s) => ({
    id: s.id,
    type: 'diffStep',
    position: positions[s.id] ?? { x: 0, y: 0 },
    hidden: !positions[s.id],
    initialWidth: nodeSize.width,
    initialHeight: nodeSize.height,
    data: { diff: s },
    className: `diff-${s.status}`,
    ariaLabel: stepLabel(s),
  })), [diff, positions]);

  const edges = useMemo<FlowEdge[]>(() => diff.edges.map((e) => ({
    id: `${e.kind}:${e.source}>${e.target}`,
    source: e.source,
    target: e.target,
    className: `edge-${e.status}${e.kind === 'expression' ? ' edge-implied' : ''}`,
    label: e.status === 'added' ? '+' : e.status === 'removed' ? '−' : undefined,
    ariaLabel: `${e.target} ${e.kind === 'needs' ? 'needs' : 'reads'} ${e.source}, ${e.status}`,
  })), [diff]);

  return (
    <div className="diff-canvas" aria-busy={laidOut !== key}>
      <ReactFlow nodes={nodes} edges={edges} nodeTypes={nodeTypes} colorMode={dark ? 'dark' : 'light'}
        nodesDraggable={false} nodesConnectable={false} elementsSelectable={false} deleteKeyCode={null} minZoom={0.2} fitView>
        <Background />
        <Controls showInteractive={false} fitViewOptions={{ padding: 0.2 }} />
      </ReactFlow>
    </div>
  );
}
