// The canvas: one node per step (id, activity, problem badge), solid edges for `needs`, dashed ones for reads implied
// by expressions. Drawing an edge adds a need; deleting a node or a solid edge edits the YAML. Layout: ELK in a worker.
import {
  Background, Controls, getViewportForBounds, Handle, MiniMap, Position, ReactFlow, useReactFlow,
  type Connection, type Edge as FlowEdge, type EdgeChange, type Node as FlowNode, type NodeChange, type NodeProps, type Viewport,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import ELK, { type ELK as LayoutEngine } from 'elkjs/lib/elk-api';
import elkWorker from 'elkjs/lib/elk-worker.min.js?url';
import { memo, startTransition, useEffect, useLayoutEffect, useMemo, useRef, useState, type DragEvent } from 'react';
import { elkUpTo, layoutGraph, layoutKey, nodeSize, quickLayout, type Positions } from '../model/layout';
import type { Edge as GraphEdge, PipelineGraph, Problem, StepNode } from '../model/pipelineGraph';
import { liveStep, type RunLive, type StepLive } from '../model/runState';

export const activityMime = 'application/x-pipelines-activity';

// Made on first use: its worker compiles 2 MB of script, which a page opening a large pipeline never needs.
let elk: LayoutEngine | null = null;
const layoutEngine = () => (elk ??= new ELK({ workerUrl: elkWorker }));

// Every node has the same known size, so a fit counts those not drawn yet (a large pipeline draws only what is in
// view, and React Flow would otherwise fit the view to the few nodes it has measured).
const fitting = { padding: 0.2, includeHiddenNodes: true };
const [minZoom, maxZoom, readableZoom] = [0.2, 2, 0.5];

/**
 * The view of a large pipeline, from its positions and the nodes' declared size: all of it when that is readable,
 * else its first step at a readable zoom (the minimap shows the whole), which also draws a few dozen nodes instead of
 * hundreds.
 */
function largeView(positions: Positions, firstStep: string, box: { width: number; height: number }): Viewport {
  const placed = Object.values(positions);
  const left = Math.min(...placed.map((p) => p.x));
  const top = Math.min(...placed.map((p) => p.y));
  const bounds = {
    x: left,
    y: top,
    width: Math.max(...placed.map((p) => p.x)) + nodeSize.width - left,
    height: Math.max(...placed.map((p) => p.y)) + nodeSize.height - top,
  };
  const fit = getViewportForBounds(bounds, box.width, box.height, minZoom, maxZoom, fitting.padding);
  if (fit.zoom >= readableZoom) return fit;
  const first = positions[firstStep];
  return { zoom: readableZoom, x: box.width / 2 - (first.x + nodeSize.width / 2) * readableZoom, y: box.height * 0.1 - top * readableZoom };
}

type StepData = { step: StepNode; problems: Problem[]; live: StepLive | null; children: number };

// Where a step node's two handles sit (React Flow's 6 px handle and its border, centred on the top and bottom edges
// of a node of its usual drawn height). Declared on a large pipeline's nodes: React Flow draws every node it has not
// measured yet, once, to measure it; with the handles known it draws only those in view from the first frame (on 500
// steps it otherwise made and then removed some 480 nodes, most of a second).
const drawnHeight = 56;
const handleBox = 8;
const declaredHandles: NonNullable<FlowNode['handles']> = [
  { type: 'target', position: Position.Top, x: nodeSize.width / 2 - handleBox / 2, y: -handleBox / 2, width: handleBox, height: handleBox },
  { type: 'source', position: Position.Bottom, x: nodeSize.width / 2 - handleBox / 2, y: drawnHeight - handleBox / 2, width: handleBox, height: handleBox },
];

const StepView = memo(function StepView({ data, selected }: NodeProps<FlowNode<StepData>>) {
  const { step, problems, live, children } = data;
  const errors = problems.filter((p) => p.severity === 'error').length;
  return (
    <div className={`step-node${selected ? ' selected' : ''}${errors ? ' invalid' : ''}${live ? ` status-${live.status}` : ''}`} title={problems.map((p) => p.message).join('\n')}>
      <Handle type="target" position={Position.Top} title={`needs of ${step.id}: drop an edge here`} />
      <div className="step-id">{step.name ?? step.id}</div>
      <div className="step-uses">{step.name ? `${step.id} · ` : ''}{step.uses ?? 'no activity'}</div>
      {live && (
        <div className="step-live" aria-label={`${step.id} ${live.status}`}>
          {live.status}{children > 0 ? ` · ${children} runs` : ''}{live.attempts > 1 ? ` · attempt ${live.attempts}` : ''}{live.cached ? ' · cached' : ''}
          {live.fraction !== null && <progress max={1} value={live.fraction} aria-hidden="true" />}
        </div>
      )}
      {problems.length > 0 && (
        <span className="badge" role="status" aria-label={`${problems.length} problem${problems.length === 1 ? '' : 's'}`}>{problems.length}</span>
      )}
      <Handle type="source" position={Position.Bottom} title={`steps after ${step.id}: drag to the step that needs it`} />
    </div>
  );
});

const nodeTypes = { step: StepView };

const edgeId = (e: GraphEdge) => `${e.kind}:${e.source}>${e.target}`;

export interface CanvasProps {
  graph: PipelineGraph;
  problems: Problem[];
  selected: string | null;
  /** Every selected step (Ctrl+click or Shift+drag adds more), `selected` among them; just `selected` when left out. */
  selection?: readonly string[];
  onSelectionChange?(ids: string[]): void;
  dark: boolean;
  /** The run drawn on the graph (status colours, attempts, progress), if one is watched. */
  run: RunLive | null;
  onSelect(id: string | null): void;
  onConnect(source: string, target: string): void;
  /** A deletion on the canvas: steps, and needs edges as [source, target] (those of deleted steps left out). */
  onDelete(steps: string[], needs: [string, string][]): void;
  onDropActivity(uses: string): void;
  /** Each time a new structure has been laid out, drawn and fitted. */
  onLaidOut?(): void;
}

export function Canvas({ graph, problems, selected, selection, onSelectionChange, dark, run, onSelect, onConnect, onDelete, onDropActivity, onLaidOut }: CanvasProps) {
  const flow = useReactFlow();
  const frame = useRef<HTMLDivElement>(null);
  const [selectedEdge, setSelectedEdge] = useState<string | null>(null);
  const key = useMemo(() => layoutKey(graph), [graph]);
  // The positions drawn and the structure they were laid out for; a node dragged by hand moves in them until the
  // structure changes.
  const [layout, setLayout] = useState<{ key: string; positions: Positions }>({ key: '', positions: {} });
  // Busy from the render that changes the structure until its layout is drawn and fitted (screen readers, and tests,
  // wait for it): derived from the key, so no frame shows a new structure as laid out.
  const [laidOut, setLaidOut] = useState<string | null>(null);
  const [mapShown, setMapShown] = useState(false);

  // Above `elkUpTo` steps: laid out here at once, drawn only in view, its nodes' handles declared.
  const large = graph.steps.length > elkUpTo;

  // A large pipeline is laid out in this very render (milliseconds, model/layeredLayout.ts), so React Flow never
  // takes its nodes unplaced first; a smaller one waits for ELK in its worker, below.
  if (layout.key !== key && large) {
    performance.mark('designer:layout-start');
    setLayout({ key, positions: quickLayout(graph)! });
    performance.mark('designer:layout-end');
  }

  useEffect(() => {
    if (layout.key === key) return;
    let current = true;
    performance.mark('designer:layout-start');
    (graph.steps.length === 0 ? Promise.resolve({}) : layoutGraph(layoutEngine(), graph)).then((positions) => {
      performance.mark('designer:layout-end');
      if (current) setLayout({ key, positions });
    });
    return () => {
      current = false;
    };
    // Only a change of structure lays the graph out again; edits of a step's inputs keep the picture still.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key]);

  // A new layout is fitted, then marked laid out. Up to 150 steps every node is drawn, and React Flow's fit waits until
  // it has measured them with their handles, so an edge drawn at once finds its handle. Above, only the nodes in view
  // are drawn (most are never measured): the view follows from the positions and the nodes' one declared size, set
  // before the first paint. The view jumps to the fit rather than gliding: nothing moves under a pointer that is about
  // to press. A drag (same key) keeps the view where the user put it.
  // On a first render that already has the pipeline (a link's text came with the page), React Flow takes the view
  // only once its viewport is initialised.
  useLayoutEffect(() => {
    if (layout.key !== key || !flow.viewportInitialized) return;
    let current = true;
    const done = () => {
      performance.mark('designer:fitted');
      if (!current) return;
      setLaidOut(key);
      onLaidOut?.();
      if (graph.steps.length > 0) startTransition(() => setMapShown(true));
    };
    if (large) void flow.setViewport(largeView(layout.positions, graph.steps[0].id, frame.current!.getBoundingClientRect()));
    // Two frames: one for React Flow to take the new positions, one for it to measure the nodes.
    let frameId = requestAnimationFrame(() => {
      frameId = requestAnimationFrame(() => {
        performance.mark('designer:drawn');
        if (graph.steps.length === 0 || large) done();
        else void flow.fitView(fitting).then(done);
      });
    });
    return () => {
      current = false;
      cancelAnimationFrame(frameId);
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [layout.key, flow.viewportInitialized]);

  // A keystroke re-reads the whole text; a node whose drawing did not change keeps its object, so React Flow and the
  // memoised StepView skip it (on 500 steps, every node re-rendered on every key otherwise).
  type Drawn = {
    looks: string; node: FlowNode<StepData>;
    step: StepNode; problems: Problem[]; live: ReturnType<typeof liveStep>; position?: { x: number; y: number }; chosen: boolean; large: boolean;
  };
  const drawn = useRef(new Map<string, Drawn>());
  const drawnList = useRef<FlowNode<StepData>[]>([]);
  const chosen = useMemo(() => new Set(selection ?? (selected ? [selected] : [])), [selection, selected]);
  const nodes = useMemo<FlowNode<StepData>[]>(() => {
    const byStep = new Map<string, Problem[]>();
    for (const p of problems) if (p.step) byStep.set(p.step, [...(byStep.get(p.step) ?? []), p]);
    const next = new Map<string, Drawn>();
    const list = graph.steps.map((step) => {
      const stepProblems = byStep.get(step.id) ?? [];
      const live = liveStep(run, step.id);
      const position = layout.positions[step.id];
      const isChosen = chosen.has(step.id);
      const kept = drawn.current.get(step.id);
      // The very same step, live state and place, and problems alike: no need to describe it (most nodes, on a keystroke
      // that re-read one step).
      const same = kept !== undefined && kept.step === step && kept.live === live && kept.position === position && kept.chosen === isChosen && kept.large === large &&
        kept.problems.length === stepProblems.length && kept.problems.every((p, i) => p.severity === stepProblems[i].severity && p.message === stepProblems[i].message);
      const looks = same ? kept.looks : JSON.stringify([step.uses, step.name, stepProblems.map((p) => [p.severity, p.message]), live, position, isChosen, large]);
      const node: FlowNode<StepData> = kept?.looks === looks ? kept.node : {
        id: step.id,
        type: 'step',
        position: position ?? { x: 0, y: 0 },
        hidden: !position, // until the layout places it
        // The minimap draws nodes whose size it knows; these nodes are controlled, so React Flow's measures stay its own.
        initialWidth: nodeSize.width,
        initialHeight: nodeSize.height,
        handles: large ? declaredHandles : undefined,
        data: { step, problems: stepProblems, ...live },
        selected: isChosen,
        ariaLabel: `step ${step.id}, ${step.uses ?? 'no activity'}`,
      };
      next.set(step.id, { looks, node, step, problems: stepProblems, live, position, chosen: isChosen, large });
      return node;
    });
    drawn.current = next;
    // Nothing drawn changed (a keystroke in a step's inputs): the same array, so React Flow has nothing to do at all.
    const previous = drawnList.current;
    if (list.length === previous.length && list.every((n, i) => n === previous[i])) return previous;
    drawnList.current = list;
    return list;
  }, [graph, layout, problems, chosen, run, large]);

  // Edges are kept likewise while the edges read from the text are the same.
  const edgesKey = useMemo(() => graph.edges.map(edgeId).join('\n'), [graph]);
  const edges = useMemo<FlowEdge[]>(() => graph.edges.map((e) => {
    const id = edgeId(e);
    return {
      id,
      source: e.source,
      target: e.target,
      deletable: e.kind === 'needs',
      selected: id === selectedEdge,
      className: e.kind === 'expression' ? 'edge-implied' : 'edge-needs',
      ariaLabel: `${e.target} ${e.kind === 'needs' ? 'needs' : 'reads'} ${e.source}`,
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }), [edgesKey, selectedEdge]);

  const onNodesChange = (changes: NodeChange<FlowNode<StepData>>[]) => {
    const picked = new Set(chosen);
    for (const c of changes) {
      if (c.type === 'position' && c.position) setLayout((l) => ({ ...l, positions: { ...l.positions, [c.id]: c.position! } }));
      if (c.type === 'select') void (c.selected ? picked.add(c.id) : picked.delete(c.id));
    }
    const chosenNow = changes.flatMap((c) => (c.type === 'select' && c.selected ? [c.id] : []));
    if (chosenNow.length > 0) onSelect(chosenNow[chosenNow.length - 1]);
    if (changes.some((c) => c.type === 'select')) onSelectionChange?.([...picked]);
  };

  const onEdgesChange = (changes: EdgeChange[]) => {
    for (const c of changes) if (c.type === 'select') setSelectedEdge(c.selected ? c.id : null);
  };

  const onDrop = (event: DragEvent) => {
    const uses = event.dataTransfer.getData(activityMime);
    if (!uses) return;
    event.preventDefault();
    onDropActivity(uses);
  };

  return (
    <div className="canvas" ref={frame} aria-busy={laidOut !== key} onDragOver={(e) => e.dataTransfer.types.includes(activityMime) && e.preventDefault()} onDrop={onDrop}>
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        colorMode={dark ? 'dark' : 'light'}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={(c: Connection) => c.source && c.target && onConnect(c.source, c.target)}
        onDelete={({ nodes: steps, edges: removed }) => {
          const gone = new Set(steps.map((n) => n.id));
          const needs = removed.filter((e) => e.deletable !== false && !gone.has(e.source) && !gone.has(e.target));
          onDelete([...gone], needs.map((e) => [e.source, e.target]));
        }}
        onPaneClick={() => onSelect(null)}
        deleteKeyCode={['Delete', 'Backspace']}
        minZoom={minZoom}
        maxZoom={maxZoom}
        // A large pipeline never fits the screen at a readable zoom: drawing only what is in view keeps opening,
        // typing and panning quick (on 500 steps it opens with 21 of them on screen).
        onlyRenderVisibleElements={large}
      >
        <Background />
        {/* After the first picture: it draws every step (500 on a large pipeline), which took the open 15% longer. */}
        {mapShown && <MiniMap pannable zoomable ariaLabel="Minimap of the pipeline"
          nodeColor={(n) => ((n.data as StepData).problems.length > 0 ? '#e5484d' : dark ? '#5b6474' : '#9aa5b5')} />}
        <Controls fitViewOptions={fitting} />
      </ReactFlow>
    </div>
  );
}
