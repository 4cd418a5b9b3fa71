import { describe, expect, it } from 'vitest';
import { fieldsAt, formatFieldValue, inputFields, parseFieldValue, retryFields } from '../src/model/forms';
import { catalog, schema } from './realCatalog';

describe('forms from the JSON Schema', () => {
  it('has a form for every activity in the catalog, with its inputs in order', () => {
    expect(catalog.length).toBeGreaterThan(10);
    for (const activity of catalog) {
      const fields = inputFields(schema, activity.uses);
      expect(fields, activity.uses).not.toBeNull();
      expect(fields!.map((f) => f.name)).toEqual(activity.inputs.map((i) => i.name));
      expect(fields!.filter((f) => f.required).map((f) => f.name)).toEqual(activity.inputs.filter((i) => i.required).map((i) => i.name));
    }
  });

  it('gives types, defaults, ranges, enums and descriptions', () => {
    const lora = inputFields(schema, 'train.lora@1')!;
    expect(lora.find((f) => f.name === 'rank')).toMatchObject({ kind: 'integer', default: 8, minimum: 1, maximum: 4096, required: false });
    expect(lora.find((f) => f.name === 'base_model')).toMatchObject({ kind: 'string', required: true });
    expect(lora.find((f) => f.name === 'use_rslora')).toMatchObject({ kind: 'boolean', default: false });
    const curate = inputFields(schema, 'data.curate@1')!;
    expect(curate.find((f) => f.name === 'format')).toMatchObject({ kind: 'enum', options: ['auto', 'mail', 'jsonl', 'csv'], default: 'auto' });
    expect(curate.find((f) => f.name === 'source')?.description).toMatch(/What to read/);
    expect(inputFields(schema, 'core.nothing@1')).toBeNull();
    expect(inputFields(schema, 'core.noop@1')).toEqual([]);
  });

  it('makes the retry form from $defs.retry', () => {
    expect(retryFields(schema).map((f) => `${f.name}:${f.kind}`)).toEqual(['max:integer', 'backoff:duration', 'factor:number']);
  });

  it('makes the forms of resources, select, params, triggers, monitors and defaults from the schema', () => {
    const names = (pointer: string) => fieldsAt(schema, pointer).map((f) => `${f.name}:${f.kind}`);
    expect(names('#/$defs/resources')).toEqual(['gpu:integer', 'cpu:number', 'memory:string', 'pool:string']);
    expect(names('#/$defs/step/properties/select')).toEqual(['minimize:string', 'maximize:string']);
    expect(names('#/$defs/param')).toEqual(['type:enum', 'default:structured', 'description:string', 'enum:structured']);
    expect(fieldsAt(schema, '#/$defs/param')[0].options).toEqual(['string', 'number', 'integer', 'boolean', 'list', 'object']);
    expect(names('#/$defs/trigger')).toEqual(['schedule:string', 'monitor:structured', 'timezone:string', 'params:structured', 'version:integer', 'concurrency:enum']);
    expect(fieldsAt(schema, '#/$defs/trigger/properties/monitor').filter((f) => f.required).map((f) => f.name)).toEqual(['model', 'when']);
    expect(names('#/properties/defaults')).toEqual(['retry:structured', 'timeout:duration', 'resources:structured', 'cache:boolean']);
    expect(fieldsAt(schema, '#/$defs/resources').find((f) => f.name === 'gpu')).toMatchObject({ minimum: 0, maximum: 16 });
    expect(fieldsAt(schema, '#/$defs/nothing')).toEqual([]);
  });

  it('types what was typed only when it reads as the field\'s type', () => {
    const rank = inputFields(schema, 'train.lora@1')!.find((f) => f.name === 'rank')!;
    expect(parseFieldValue(rank, '16')).toBe(16);
    expect(parseFieldValue(rank, '${{ matrix.rank }}')).toBe('${{ matrix.rank }}');
    expect(parseFieldValue(rank, '')).toBeUndefined();
    expect(parseFieldValue({ name: 'x', kind: 'structured', required: false, description: null }, '[q_proj, v_proj]')).toEqual(['q_proj', 'v_proj']);
    expect(parseFieldValue({ name: 'x', kind: 'boolean', required: false, description: null }, 'false')).toBe(false);
    expect(parseFieldValue({ name: 'x', kind: 'string', required: false, description: null }, '42')).toBe('42');
    expect(formatFieldValue(['a', 'b, c'])).toBe('[a, "b, c"]');
    expect(formatFieldValue({ max: 0 })).toBe('{ max: 0 }');
  });
});
