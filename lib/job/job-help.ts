/**
 * Help writing a job file, from the schemas ferry validates with: `ferry template -r -w` (a
 * skeleton, as DataX's `datax.py -r -w`), `ferry plugins <name>` (a plugin's keys) and
 * `ferry schema` (a JSON Schema of the job file, for editors' completion through `"$schema"`).
 */
import type { Schema } from './schema.js';
import { expectedName } from './schema.js';
import { jobFileSchema } from './job-schema.js';

export interface PluginInfo { name: string; kind: 'reader' | 'writer'; description: string; parameter: Schema }

/** A plugin's keys, nested keys dotted (`connection[].jdbcUrl`). */
export interface KeyInfo { key: string; type: string; required: boolean; description: string }

export function pluginKeys(schema: Schema, prefix = '', out: KeyInfo[] = []): KeyInfo[] {
  const obj = schema.type === 'array' ? schema.items : schema;
  if (obj.type !== 'object') return out;
  const req = new Set(obj.required ?? []);
  for (const [key, s] of Object.entries(obj.properties)) {
    if (s.warn !== undefined && typeof s.warn === 'string' && s.type === 'any') continue; // accepted, ignored
    const name = `${prefix}${key}`;
    out.push({ key: name, type: expectedName(s), required: req.has(key), description: s.description ?? '' });
    const inner = s.type === 'array' ? s.items : s;
    if (inner.type === 'object' && Object.keys(inner.properties).length > 0) pluginKeys(s, `${name}${s.type === 'array' ? '[]' : ''}.`, out);
  }
  return out;
}

/** A placeholder for a required value: the user fills it in. */
function skeleton(s: Schema): unknown {
  switch (s.type) {
    case 'string': return s.enum?.[0] ?? '';
    case 'integer': case 'number': return s.min !== undefined && s.min > 0 ? s.min : 0;
    case 'boolean': return false;
    case 'array': return [skeleton(s.items)];
    case 'oneOf': return skeleton(s.options[0]!);
    case 'any': return null;
    case 'object': {
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(s.properties)) if (s.required?.includes(k)) o[k] = skeleton(v);
      return o;
    }
  }
}

/** The parameter block of a template: required keys, plus the keys every job sets (columns, credentials). */
function parameterSkeleton(s: Schema): Record<string, unknown> {
  if (s.type !== 'object') return {};
  const o = skeleton(s) as Record<string, unknown>;
  for (const k of ['username', 'password', 'column']) {
    const p = s.properties[k];
    if (p && o[k] === undefined) o[k] = k === 'column' && p.type === 'array' && p.items.type !== 'object' ? ['*'] : skeleton(p);
  }
  // A reader's connection entry needs a table (or querySql): the skeleton names the table.
  const conn = (o.connection as Array<Record<string, unknown>> | undefined)?.[0];
  if (conn && conn.table === undefined) conn.table = [''];
  return o;
}

export function jobTemplate(reader: PluginInfo, writer: PluginInfo): Record<string, unknown> {
  return {
    job: {
      setting: { speed: { channel: 1 }, errorLimit: { record: 0 } },
      content: [{ reader: { name: reader.name, parameter: parameterSkeleton(reader.parameter) }, writer: { name: writer.name, parameter: parameterSkeleton(writer.parameter) } }],
    },
  };
}

/** JSON Schema (draft-07) of one ferry schema. Checks that are code (`check`) are left to ferry validate. */
export function toJsonSchema(s: Schema): Record<string, unknown> {
  const base: Record<string, unknown> = s.description ? { description: s.description } : {};
  switch (s.type) {
    case 'string': return { ...base, type: 'string', ...(s.enum ? { enum: [...s.enum] } : {}), ...(s.nonEmpty ? { minLength: 1 } : {}) };
    case 'number': case 'integer': return { ...base, type: s.type, ...(s.min !== undefined ? { minimum: s.min } : {}), ...(s.max !== undefined ? { maximum: s.max } : {}) };
    case 'boolean': return { ...base, type: 'boolean' };
    case 'array': return { ...base, type: 'array', items: toJsonSchema(s.items), ...(s.minItems !== undefined ? { minItems: s.minItems } : {}) };
    case 'oneOf': return { ...base, anyOf: s.options.map(toJsonSchema) };
    case 'any': return base;
    case 'object': {
      const properties: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(s.properties)) properties[k] = toJsonSchema(v);
      const additional = s.additional === 'allow' ? true : s.additional === undefined ? false : toJsonSchema(s.additional);
      return { ...base, type: 'object', properties, ...(s.required?.length ? { required: [...s.required] } : {}), additionalProperties: additional };
    }
  }
}

/** The job file's JSON Schema: each reader and writer's parameter block by its name. */
export function jobJsonSchema(plugins: PluginInfo[]): Record<string, unknown> {
  const root = toJsonSchema(jobFileSchema) as { properties: { job: { properties: { content: { items: { properties: Record<string, unknown> } } } } } };
  const entry = root.properties.job.properties.content.items;
  for (const kind of ['reader', 'writer'] as const) {
    const mine = plugins.filter((p) => p.kind === kind);
    entry.properties[kind] = {
      type: 'object',
      required: ['name'],
      properties: { name: { type: 'string', enum: mine.map((p) => p.name) }, parameter: { type: 'object' } },
      additionalProperties: false,
      allOf: mine.map((p) => ({
        if: { properties: { name: { const: p.name } } },
        then: { properties: { parameter: { ...toJsonSchema(p.parameter), description: p.description } } },
      })),
    };
  }
  return { $schema: 'http://json-schema.org/draft-07/schema#', title: 'ferry job file (DataX / FlinkX)', ...root };
}
