// Forms of the step constructs besides `with` (matrix, select, resources) and of the pipeline's own sections (params,
// triggers, defaults), their fields read from the JSON Schema (model/forms.ts). Each change is a text edit at the
// parser's ranges (model/pipelineEdits.ts): the rest of the file keeps its bytes.
import { useState, type FormEvent } from 'react';
import { isMap, isScalar, isSeq } from 'yaml';
import { fieldsAt, parseFieldValue, schemaAt, type FieldKind, type FormField } from '../model/forms';
import { addTrigger, deleteParam, deleteTrigger, setMapField, setMatrixAxis, setParamField, setStepField } from '../model/pipelineEdits';
import type { ParsedPipeline } from '../model/pipelineGraph';
import type { Path, TextChange } from '../model/textEdits';
import { Field, plain } from './PropertyPanel';

type Schema = Record<string, unknown>;

interface SectionProps {
  parsed: ParsedPipeline;
  schema: Schema;
  onEdit(changes: TextChange[]): void;
}

/** The fields of the mapping at `path`, as the schema at `pointer` declares them: retry, resources, defaults, a monitor. */
export function MapFieldset({ legend, pointer, path, skip = [], parsed, schema, onEdit }: SectionProps & { legend: string; pointer: string; path: Path; skip?: string[] }) {
  const fields = fieldsAt(schema, pointer).filter((f) => !skip.includes(f.name));
  return (
    <fieldset>
      <legend>{legend}</legend>
      {fields.map((f) => (
        <Field key={[...path, f.name].join('.')} field={f} value={plain(parsed.doc, [...path, f.name])}
          onChange={(v) => onEdit(setMapField(parsed, path, f.name, v))} />
      ))}
    </fieldset>
  );
}

/** A step's matrix (an axis per line: a list of values or an expression giving one) and, with a matrix, its select. */
export function MatrixFieldset({ id, parsed, schema, onEdit }: SectionProps & { id: string }) {
  const matrix = parsed.doc.getIn(['steps', id, 'matrix'], true);
  const axes = isMap(matrix) ? matrix.items.flatMap((p) => (isScalar(p.key) ? [String(p.key.value)] : [])) : [];
  const axisSchema = schemaAt(schema, '#/$defs/step/properties/matrix');
  const namePattern = new RegExp(String((axisSchema?.propertyNames as Schema | undefined)?.pattern ?? '^[A-Za-z_][A-Za-z0-9_]*$'));
  const values: FormField = { name: '', kind: 'structured', required: true, description: null };
  const [axis, setAxis] = useState('');
  const [list, setList] = useState('');
  const [error, setError] = useState<string | null>(null);

  const add = (e: FormEvent) => {
    e.preventDefault();
    const parsedList = parseFieldValue(values, list);
    if (!namePattern.test(axis)) setError(`'${axis}' is not an axis name: a letter or _, then letters, digits or _ (read as matrix.${axis || 'NAME'})`);
    else if (axes.includes(axis)) setError(`the matrix has an axis '${axis}' already: change its values above`);
    else if (!(Array.isArray(parsedList) && parsedList.length > 0) && !(typeof parsedList === 'string' && parsedList.startsWith('${{'))) {
      setError('the values are a list such as [0.001, 0.003], or a ${{ }} expression that gives one');
    } else {
      onEdit(setMatrixAxis(parsed, id, axis, parsedList));
      setAxis('');
      setList('');
      setError(null);
    }
  };

  return (
    <fieldset>
      <legend>Matrix</legend>
      {axisSchema && typeof axisSchema.description === 'string' && <p className="help">{axisSchema.description}</p>}
      {axes.map((name) => (
        <div key={name} className="param">
          <Field field={{ ...values, name: `matrix.${name}` }} value={plain(parsed.doc, ['steps', id, 'matrix', name])}
            onChange={(v) => onEdit(setMatrixAxis(parsed, id, name, v))} />
          <button type="button" className="link" aria-label={`Delete matrix axis ${name}`} onClick={() => onEdit(setMatrixAxis(parsed, id, name, undefined))}>Delete</button>
        </div>
      ))}
      <form className="add-param" onSubmit={add}>
        <input aria-label="New matrix axis name" placeholder="axis" value={axis} onChange={(e) => setAxis(e.target.value)} />
        <input aria-label="Values of the new axis" placeholder="[a, b]" value={list} onChange={(e) => setList(e.target.value)} />
        <button type="submit">Add axis</button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
      {(axes.length > 0 || plain(parsed.doc, ['steps', id, 'select']) !== undefined) && (
        <fieldset>
          <legend>Select (outputs.best)</legend>
          {fieldsAt(schema, '#/$defs/step/properties/select').map((f) => (
            <Field key={`${id}.select.${f.name}`} field={f} value={plain(parsed.doc, ['steps', id, 'select', f.name])}
              onChange={(v) => onEdit(setStepField(parsed, id, 'select', v === undefined ? undefined : { [f.name]: v }))} />
          ))}
        </fieldset>
      )}
    </fieldset>
  );
}

const paramKinds: Record<string, FieldKind> = { string: 'string', number: 'number', integer: 'integer', boolean: 'boolean' };

/** Each param with the fields of `$defs.param` (type, default typed as the param is, description, enum), and a new one. */
export function ParamsFieldset({ parsed, schema, onEdit }: SectionProps) {
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const fields = fieldsAt(schema, '#/$defs/param');
  return (
    <fieldset>
      <legend>Params</legend>
      {parsed.graph.params.length === 0 && <p className="muted">No params.</p>}
      {parsed.graph.params.map((p) => (
        <fieldset key={p.name}>
          <legend>param {p.name}</legend>
          {fields.map((f) => (
            <Field key={`${p.name}.${f.name}`} field={f.name === 'default' ? { ...f, kind: paramKinds[p.type ?? ''] ?? 'structured' } : f}
              value={plain(parsed.doc, ['params', p.name, f.name])} onChange={(v) => onEdit(setParamField(parsed, p.name, f.name, v))} />
          ))}
          <button type="button" className="link" aria-label={`Delete param ${p.name}`} onClick={() => onEdit(deleteParam(parsed, p.name))}>Delete param</button>
        </fieldset>
      ))}
      <form className="add-param" onSubmit={(e) => {
        e.preventDefault();
        if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(name)) setError(`'${name}' is not a param name: a letter or _, then letters, digits or _`);
        else if (parsed.graph.params.some((p) => p.name === name)) setError(`a param '${name}' exists already`);
        else {
          onEdit(setParamField(parsed, name, 'type', 'string'));
          setName('');
          setError(null);
        }
      }}>
        <input aria-label="New param name" placeholder="new_param" value={name} onChange={(e) => setName(e.target.value)} />
        <button type="submit">Add param</button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
    </fieldset>
  );
}

/** The triggers: a schedule (cron, time zone) or a monitor of a served model, each with the fields of `$defs.trigger`. */
export function TriggersFieldset({ parsed, schema, onEdit }: SectionProps) {
  const triggers = parsed.doc.get('triggers', true);
  const items = isSeq(triggers) ? triggers.items : [];
  // A new trigger starts from the schema's own examples, valid as written.
  const example = (pointer: string, fallback: string) => String((schemaAt(schema, pointer)?.examples as unknown[] | undefined)?.[0] ?? fallback);
  const trigger = '#/$defs/trigger/properties';
  return (
    <fieldset>
      <legend>Triggers</legend>
      {items.length === 0 && <p className="muted">No triggers: runs start by hand or through the API.</p>}
      {items.map((item, i) => {
        const monitor = isMap(item) && item.has('monitor');
        return (
          <fieldset key={i}>
            <legend>trigger {i + 1}: {monitor ? 'monitor' : 'schedule'}</legend>
            <MapFieldset legend={monitor ? 'Monitor' : 'Schedule'} pointer="#/$defs/trigger" path={['triggers', i]} skip={monitor ? ['schedule', 'timezone', 'monitor'] : ['monitor']}
              parsed={parsed} schema={schema} onEdit={onEdit} />
            {monitor && <MapFieldset legend="Watched model" pointer="#/$defs/trigger/properties/monitor" path={['triggers', i, 'monitor']} parsed={parsed} schema={schema} onEdit={onEdit} />}
            <button type="button" className="link" aria-label={`Delete trigger ${i + 1}`} onClick={() => onEdit(deleteTrigger(parsed, i))}>Delete trigger</button>
          </fieldset>
        );
      })}
      <div className="buttons">
        <button type="button" onClick={() => onEdit(addTrigger(parsed, {
          schedule: example(`${trigger}/schedule`, '0 0 3 ? * SUN'), timezone: example(`${trigger}/timezone`, 'UTC'),
        }))}>Add schedule</button>
        <button type="button" onClick={() => onEdit(addTrigger(parsed, {
          monitor: { model: example(`${trigger}/monitor/properties/model`, 'my-model@production'), when: example(`${trigger}/monitor/properties/when`, '${{ drift.status == \'drift\' }}') },
        }))}>Add monitor</button>
      </div>
    </fieldset>
  );
}

/** `defaults`: timeout and cache, and the retry and resources every step gets unless it sets its own. */
export function DefaultsFieldset({ parsed, schema, onEdit }: SectionProps) {
  return (
    <fieldset>
      <legend>Defaults (every step)</legend>
      <MapFieldset legend="Run" pointer="#/properties/defaults" path={['defaults']} skip={['retry', 'resources']} parsed={parsed} schema={schema} onEdit={onEdit} />
      <MapFieldset legend="Retry" pointer="#/$defs/retry" path={['defaults', 'retry']} parsed={parsed} schema={schema} onEdit={onEdit} />
      <MapFieldset legend="Resources" pointer="#/$defs/resources" path={['defaults', 'resources']} parsed={parsed} schema={schema} onEdit={onEdit} />
    </fieldset>
  );
}
