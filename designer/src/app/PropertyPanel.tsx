// The property panel: for the selected step its id, activity, `when`/`timeout`/`cache`/`retry`, matrix, select and
// resources, and a form of its `with` inputs generated from the JSON Schema; with no step selected, the pipeline's
// name, params, triggers and defaults (SectionForms.tsx). Every change is a text edit of the YAML
// (model/pipelineEdits.ts), made as the user types.
import { useEffect, useId, useState } from 'react';
import type { Document } from 'yaml';
import { findActivity, type ActivityDescriptor } from '../model/catalog';
import { formatFieldValue, inputFields, parseFieldValue, type FormField } from '../model/forms';
import { renameStep, setInput, setMapField, setStepField } from '../model/pipelineEdits';
import type { ParsedPipeline } from '../model/pipelineGraph';
import { setPair, type TextChange } from '../model/textEdits';
import { DefaultsFieldset, MapFieldset, MatrixFieldset, ParamsFieldset, TriggersFieldset } from './SectionForms';

export interface PropertyPanelProps {
  parsed: ParsedPipeline;
  schema: Record<string, unknown> | null;
  catalog: ActivityDescriptor[];
  selected: string | null;
  onEdit(changes: TextChange[]): void;
  onRenamed(id: string): void;
}

const stepFields: FormField[] = [
  { name: 'name', kind: 'string', required: false, description: 'Display name in the designer and run views; the step id when left out.' },
  { name: 'when', kind: 'string', required: false, description: 'Run the step only when true, e.g. ${{ steps.gate.outputs.passed }}; when false it is skipped, not failed.' },
  { name: 'timeout', kind: 'duration', required: false, description: 'Longest a step may run, e.g. 30s, 5m, 1h30m.' },
  { name: 'cache', kind: 'boolean', required: false, description: 'Reuse a cached result of the same inputs (default: true for deterministic activities).' },
];

export function PropertyPanel({ parsed, schema, catalog, selected, onEdit, onRenamed }: PropertyPanelProps) {
  const step = parsed.graph.steps.find((s) => s.id === selected);
  if (!step) return <PipelinePanel parsed={parsed} schema={schema} onEdit={onEdit} />;
  const activity = findActivity(catalog, step.uses);
  const inputs = schema && step.uses ? inputFields(schema, step.uses) : null;
  const value = (path: (string | number)[]) => plain(parsed.doc, ['steps', step.id, ...path]);

  return (
    <section className="properties" aria-label={`Properties of step ${step.id}`}>
      <h2>Step</h2>
      <RenameField id={step.id} onRename={(to) => {
        onEdit(renameStep(parsed, step.id, to));
        onRenamed(to);
      }} />
      <p className="uses"><strong>{step.uses ?? 'no activity'}</strong>{activity ? ` — ${activity.description}` : ''}</p>
      <fieldset>
        <legend>Inputs (with)</legend>
        {inputs === null && <p className="muted">{schema ? 'The schema does not know this activity.' : 'Loading the schema…'}</p>}
        {inputs?.length === 0 && <p className="muted">This activity takes no inputs.</p>}
        {inputs?.map((f) => (
          <Field key={`${step.id}.with.${f.name}`} field={f} value={value(['with', f.name])}
            onChange={(v) => onEdit(setInput(parsed, step.id, f.name, v))} />
        ))}
      </fieldset>
      <fieldset>
        <legend>Run</legend>
        {stepFields.map((f) => (
          <Field key={`${step.id}.${f.name}`} field={f} value={value([f.name])} onChange={(v) => onEdit(setStepField(parsed, step.id, f.name, v))} />
        ))}
      </fieldset>
      {schema && (
        <>
          <MapFieldset legend="Retry" pointer="#/$defs/retry" path={['steps', step.id, 'retry']} parsed={parsed} schema={schema} onEdit={onEdit} />
          <MatrixFieldset id={step.id} parsed={parsed} schema={schema} onEdit={onEdit} />
          <MapFieldset legend="Resources" pointer="#/$defs/resources" path={['steps', step.id, 'resources']} parsed={parsed} schema={schema} onEdit={onEdit} />
        </>
      )}
    </section>
  );
}

function PipelinePanel({ parsed, schema, onEdit }: { parsed: ParsedPipeline; schema: Record<string, unknown> | null; onEdit(changes: TextChange[]): void }) {
  const nameField: FormField = { name: 'name', kind: 'string', required: true, description: 'The pipeline\'s name: lower-case letters, digits and -.' };
  const descriptionField: FormField = { name: 'description', kind: 'string', required: false, description: 'What the pipeline is for.' };
  return (
    <section className="properties" aria-label="Pipeline properties">
      <h2>Pipeline</h2>
      <Field field={nameField} value={plain(parsed.doc, ['metadata', 'name'])}
        onChange={(v) => onEdit(setPair(parsed, ['metadata'], 'name', v ?? ''))} />
      <Field field={descriptionField} value={plain(parsed.doc, ['metadata', 'description'])}
        onChange={(v) => onEdit(setMapField(parsed, ['metadata'], 'description', v))} />
      {schema ? (
        <>
          <ParamsFieldset parsed={parsed} schema={schema} onEdit={onEdit} />
          <TriggersFieldset parsed={parsed} schema={schema} onEdit={onEdit} />
          <DefaultsFieldset parsed={parsed} schema={schema} onEdit={onEdit} />
        </>
      ) : <p className="muted">Loading the schema…</p>}
      <p className="muted">Select a step to edit it; drag an activity from the palette to add one.</p>
    </section>
  );
}

function RenameField({ id, onRename }: { id: string; onRename(to: string): void }) {
  const [draft, setDraft] = useState(id);
  const [error, setError] = useState<string | null>(null);
  const inputId = useId();
  useEffect(() => setDraft(id), [id]);
  const commit = () => {
    if (draft === id) return;
    try {
      onRename(draft);
      setError(null);
    } catch (e) {
      setError((e as Error).message);
    }
  };
  return (
    <div className="field">
      <label htmlFor={inputId}>Id</label>
      <input id={inputId} value={draft} onChange={(e) => setDraft(e.target.value)} onBlur={commit}
        onKeyDown={(e) => e.key === 'Enter' && commit()} aria-invalid={!!error} />
      {error && <p className="error" role="alert">{error}</p>}
    </div>
  );
}

/** One form field: the text keeps what was typed while it has the focus, and takes the document's value otherwise. */
export function Field({ field, value, onChange }: { field: FormField; value: unknown; onChange(value: unknown): void }) {
  const id = useId();
  const shown = formatFieldValue(value);
  const [draft, setDraft] = useState(shown);
  const [focused, setFocused] = useState(false);
  useEffect(() => {
    if (!focused) setDraft(shown);
  }, [shown, focused]);
  const placeholder = field.default !== undefined ? `default: ${formatFieldValue(field.default)}` : field.kind === 'duration' ? 'e.g. 5m' : '';
  const change = (text: string) => {
    setDraft(text);
    onChange(parseFieldValue(field, text));
  };
  const common = { id, 'aria-describedby': field.description ? `${id}-help` : undefined, 'aria-required': field.required };
  const choices = field.kind === 'enum' ? field.options ?? [] : field.kind === 'boolean' ? ['true', 'false'] : null;
  return (
    <div className="field">
      <label htmlFor={id}>{field.name}{field.required && <span className="required" aria-hidden="true"> *</span>}</label>
      {choices && (choices.includes(draft) || draft === '') ? (
        <select {...common} value={draft} onChange={(e) => change(e.target.value)}>
          <option value="">{placeholder || '(unset)'}</option>
          {choices.map((o) => <option key={o} value={o}>{o}</option>)}
        </select>
      ) : (
        <input {...common} value={draft} placeholder={placeholder} spellCheck={false}
          onFocus={() => setFocused(true)} onBlur={() => setFocused(false)} onChange={(e) => change(e.target.value)} />
      )}
      {field.description && <p id={`${id}-help`} className="help">{field.description}</p>}
    </div>
  );
}

/** The plain value at a path of the document (collections as JSON), or undefined. */
export function plain(doc: Document.Parsed, path: readonly (string | number)[]): unknown {
  const v = doc.getIn(path) as unknown;
  return v !== null && typeof v === 'object' && 'toJSON' in v ? (v as { toJSON(): unknown }).toJSON() : v;
}
