/**
 * The renderer's light shapes (src-renderer/lib/messages.ts) stand for src-api's zod
 * schemas: the same keys, types, optional and nullable fields and enum values, so that
 * the runs view can check messages without loading zod. Proved twice: structurally, by
 * walking both, and on real messages of a real API, where every type-changed or missing
 * field must be refused by both or by neither.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { API_METHODS, type MethodName } from '../../src-api/methods';
import { ApiEventSchema, EventsMessageSchema } from '../../src-api';
import { RUN_STATUSES as API_RUN_STATUSES } from '../../src-api/schemas';
import { ApiEvent, EventsMessage, LIGHT_RESULTS, RUN_STATUSES } from '../../src-renderer/lib/messages';
import type { Shape } from '../../src-renderer/lib/shape';
import { type ApiFixture, openApi, planarConfig } from '../api/helpers';

interface ZodDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  entries?: Record<string, string>;
  values?: unknown[];
  options?: z.ZodType[];
}

/** Differences between a zod schema and a light shape, as "path: what" lines. */
function compare(schema: z.ZodType, shape: Shape, path = '(top)'): string[] {
  const def = (schema as unknown as { _zod: { def: ZodDef } })._zod.def;
  const light = shape.def;
  const here = (what: string) => [`${path}: ${what}`];
  switch (def.type) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'unknown':
      return light.kind === def.type ? [] : here(`zod ${def.type}, light ${light.kind}`);
    case 'literal':
      return light.kind === 'literal' && def.values!.length === 1 && def.values![0] === light.value ? [] : here(`literal ${JSON.stringify(def.values)}`);
    case 'enum': {
      const values = Object.values(def.entries!);
      return light.kind === 'enum' && JSON.stringify([...values].sort()) === JSON.stringify([...light.values].sort()) ? [] : here(`enum ${values.join('|')}`);
    }
    case 'nullable':
    case 'optional':
      return light.kind === def.type ? compare(def.innerType!, light.inner, path) : here(`zod ${def.type}, light ${light.kind}`);
    case 'array':
      return light.kind === 'array' ? compare(def.element!, light.inner, `${path}[]`) : here(`zod array, light ${light.kind}`);
    case 'record':
      return light.kind === 'record' ? compare(def.valueType!, light.inner, `${path}{}`) : here(`zod record, light ${light.kind}`);
    case 'object': {
      if (light.kind !== 'object') return here(`zod object, light ${light.kind}`);
      const out: string[] = [];
      for (const [key, s] of Object.entries(def.shape!)) {
        if (!(key in light.shape)) out.push(`${path}.${key}: missing from the light shape (add it to src-renderer/lib/messages.ts)`);
        else out.push(...compare(s, light.shape[key], `${path}.${key}`));
      }
      // A light shape may know an optional key an older zod schema lacks, nothing more.
      for (const key of Object.keys(light.shape)) {
        if (!(key in def.shape!) && light.shape[key].def.kind !== 'optional') out.push(`${path}.${key}: required by the light shape, unknown to zod`);
      }
      return out;
    }
    case 'union': {
      if (light.kind !== 'union' || light.options.length !== def.options!.length) return here('union options differ');
      return def.options!.flatMap((o, i) => compare(o, light.options[i], `${path}|${i}`));
    }
    default:
      return here(`zod ${def.type} has no light counterpart (transforms and defaults cannot be checked light)`);
  }
}

describe('light shapes, structurally', () => {
  it('match the zod schema of every result they check', () => {
    const methods = Object.keys(LIGHT_RESULTS) as MethodName[];
    expect(methods.length).toBeGreaterThan(10);
    for (const m of methods) expect(compare(API_METHODS[m].result as z.ZodType, LIGHT_RESULTS[m]!), m).toEqual([]);
  });

  it('match the events and the run statuses', () => {
    expect(compare(ApiEventSchema as z.ZodType, ApiEvent)).toEqual([]);
    expect(compare(EventsMessageSchema as z.ZodType, EventsMessage)).toEqual([]);
    expect([...RUN_STATUSES]).toEqual([...API_RUN_STATUSES]);
  });
});

/** Every path to a value inside v (objects and arrays, the first two items of arrays). */
function paths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [];
  if (Array.isArray(v)) v.slice(0, 2).forEach((x, i) => out.push([...at, i], ...paths(x, [...at, i])));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) out.push([...at, k], ...paths(x, [...at, k]));
  return out;
}

function mutate(v: unknown, path: (string | number)[], change: (old: unknown) => unknown | typeof DELETE): unknown {
  const copy = structuredClone(v) as Record<string | number, unknown>;
  let parent = copy;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  const next = change(parent[last]);
  if (next === DELETE) delete parent[last];
  else parent[last] = next;
  return copy;
}
const DELETE = Symbol('delete');
/** A value of another JSON type than `old`. */
const otherType = (old: unknown) => (typeof old === 'string' ? 42 : typeof old === 'number' ? 'x' : typeof old === 'boolean' ? 1 : old === null ? { a: 1 } : Array.isArray(old) ? 'x' : 7);

describe('light shapes on real messages', () => {
  let f: ApiFixture;
  const results: [MethodName, unknown][] = [];
  beforeAll(async () => {
    f = openApi();
    const { id } = await f.client.call('runs.start', { config: planarConfig({ iterations: 200 }) });
    await f.api.trainer.wait(id);
    const raw = async (method: MethodName, params: unknown) => {
      const r = (await f.raw(JSON.stringify({ id: 1, method, params }))) as { ok: boolean; result: unknown };
      expect(r.ok, method).toBe(true);
      results.push([method, JSON.parse(JSON.stringify(r.result))]);
    };
    await raw('runs.list', {});
    await raw('runs.table', {});
    await raw('runs.get', { id });
    await raw('runs.history', { id });
    await raw('runs.boundary', { id, grid: 8 });
    await raw('runs.watch', { ids: [id] });
    await raw('sweeps.list', {});
    await raw('datasets.preview', { source: { generator: 'planar', m: 20, seed: 1 } });
    await new Promise((r) => setTimeout(r, 50));
  }, 60_000);
  afterAll(() => f?.close());

  it('accept what the API answers and sends', () => {
    for (const [m, result] of results) expect(LIGHT_RESULTS[m]!.check(result), m).toBeNull();
    expect(f.events.length).toBeGreaterThan(3);
    expect(EventsMessage.check(JSON.parse(JSON.stringify({ events: f.events })))).toBeNull();
  });

  it('refuse exactly what zod refuses when a field changes type or goes missing', () => {
    let compared = 0;
    const cases: [Shape, z.ZodType, unknown, string][] = [
      ...results.map(([m, r]) => [LIGHT_RESULTS[m]!, API_METHODS[m].result as z.ZodType, r, m] as [Shape, z.ZodType, unknown, string]),
      [EventsMessage, EventsMessageSchema as z.ZodType, JSON.parse(JSON.stringify({ events: f.events.slice(0, 6) })), 'events'],
    ];
    for (const [shape, schema, value, name] of cases) {
      for (const path of paths(value)) {
        for (const change of [otherType, () => DELETE] as const) {
          const bad = mutate(value, path, change);
          const zodRefuses = !schema.safeParse(bad).success;
          const lightRefuses = shape.check(bad) !== null;
          expect(lightRefuses, `${name} at ${path.join('.')} (${change === otherType ? 'type changed' : 'deleted'})`).toBe(zodRefuses);
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(300);
  });
});
