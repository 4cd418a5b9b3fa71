// Form fields generated from the pipeline JSON Schema (GET /api/schema, the same as `pipelines schema`): a step's
// `with` inputs come from the `allOf` rule whose `if` matches its `uses`; `retry` from `$defs.retry`. Every field also
// takes a `${{ }}` expression, so the form keeps text and turns it into a typed value only when it reads as one.
import { parse } from 'yaml';
import { inlineYaml } from './textEdits';

export type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'duration' | 'structured';

export interface FormField {
  name: string;
  kind: FieldKind;
  required: boolean;
  description: string | null;
  default?: unknown;
  options?: string[];
  minimum?: number;
  maximum?: number;
}

type Schema = Record<string, unknown>;

/** The fields of the `with` inputs of activity `uses`, in schema order; null for an activity the schema does not know. */
export function inputFields(schema: Schema, uses: string): FormField[] | null {
  const step = defs(schema).step as Schema | undefined;
  const rules = (step?.allOf as Schema[] | undefined) ?? [];
  const rule = rules.find((r) => (((r.if as Schema)?.properties as Schema)?.uses as Schema)?.const === uses);
  const withSchema = ((rule?.then as Schema)?.properties as Schema)?.with as Schema | undefined;
  return withSchema ? objectFields(schema, withSchema) : null;
}

/** The fields of a step's `retry` policy. */
export function retryFields(schema: Schema): FormField[] {
  return objectFields(schema, (defs(schema).retry as Schema) ?? {});
}

/**
 * The fields of the object schema at a JSON pointer into the schema (`#/$defs/resources`, `#/properties/defaults`,
 * `#/$defs/trigger/properties/monitor`), `$ref`s followed; [] where the schema has no such object.
 */
export function fieldsAt(schema: Schema, pointer: string): FormField[] {
  return objectFields(schema, schemaAt(schema, pointer) ?? {});
}

/** The schema at a JSON pointer, a `$ref` at the end followed; undefined where there is none. */
export function schemaAt(schema: Schema, pointer: string): Schema | undefined {
  let node: unknown = schema;
  for (const part of pointer.replace(/^#\/?/, '').split('/').filter(Boolean)) {
    node = node !== null && typeof node === 'object' ? (node as Schema)[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  }
  if (node === null || typeof node !== 'object') return undefined;
  const resolved = resolve(schema, node as Schema);
  return resolved === node ? resolved : { ...resolved, ...(node as Schema), $ref: undefined };
}

/** The fields of an object schema (its `properties`, `required` marked). */
export function objectFields(root: Schema, object: Schema): FormField[] {
  const required = new Set((object.required as string[] | undefined) ?? []);
  return Object.entries((object.properties as Record<string, Schema> | undefined) ?? {}).map(([name, property]) =>
    field(root, name, property, required.has(name)));
}

function field(root: Schema, name: string, property: Schema, required: boolean): FormField {
  // An input that takes an expression is `anyOf: [<its type>, {$ref: expression}]`; the first is what the form shows.
  const candidates = ((property.anyOf as Schema[] | undefined) ?? [property]).map((s) => resolve(root, s));
  // Only an expression (a matrix's `select` goal): text.
  const typed = candidates.find((s) => !isExpression(root, s)) ?? (candidates.length > 0 ? { type: 'string' } : {});
  const merged = { ...typed, ...property };
  const options = (merged.enum as unknown[] | undefined)?.map(String);
  const type = merged.type;
  const kind: FieldKind = options ? 'enum'
    : isRef(property, 'duration') || isRef(typed, 'duration') ? 'duration'
    : type === 'string' || type === 'number' || type === 'integer' || type === 'boolean' ? type
    : 'structured';
  return {
    name,
    kind,
    required,
    description: typeof merged.description === 'string' ? merged.description : null,
    ...(merged.default !== undefined ? { default: merged.default } : {}),
    ...(options ? { options } : {}),
    ...(typeof merged.minimum === 'number' ? { minimum: merged.minimum } : {}),
    ...(typeof merged.maximum === 'number' ? { maximum: merged.maximum } : {}),
  };
}

/** A field's text as the user typed it → the value to write: '' unsets; numbers, booleans, lists and objects are typed. */
export function parseFieldValue(field: FormField, text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  if (trimmed.startsWith('${{')) return trimmed;
  if ((field.kind === 'number' || field.kind === 'integer') && /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(trimmed)) return Number(trimmed);
  if (field.kind === 'boolean' && (trimmed === 'true' || trimmed === 'false')) return trimmed === 'true';
  if (field.kind === 'structured' && /^[[{]/.test(trimmed)) {
    try {
      return parse(trimmed);
    } catch {
      return text;
    }
  }
  return text;
}

/** A value as the form shows it: strings as they are, anything else as inline YAML. */
export function formatFieldValue(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : inlineYaml(value);
}

function defs(schema: Schema): Schema {
  return (schema.$defs as Schema | undefined) ?? {};
}

function resolve(root: Schema, s: Schema): Schema {
  const ref = s.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/$defs/')) return s;
  return { ...(defs(root)[ref.slice('#/$defs/'.length)] as Schema), $from: ref };
}

function isExpression(root: Schema, s: Schema): boolean {
  return s.$from === '#/$defs/expression' || s === defs(root).expression;
}

function isRef(s: Schema, def: string): boolean {
  return s.$ref === `#/$defs/${def}` || s.$from === `#/$defs/${def}`;
}
