/**
 * Light shape checks: a few combinators (object, array, nullable…) that check a decoded
 * JSON value in one pass and say where it does not fit. The runs view's first code checks
 * the server's messages with these instead of zod, which with the config's schemas is most
 * of the app's code and costs a long start-up. Each shape keeps its structure in `def`, so
 * a test can prove it matches the zod schema it stands for (test/ui/shapes.test.ts).
 * Structure only: value checks (an id's pattern, a grid's bounds) stay with zod on the Node
 * side, which built the message.
 */

export interface Issue {
  path: (string | number)[];
  message: string;
}

export type Def =
  | { kind: 'string' | 'number' | 'boolean' | 'unknown' }
  | { kind: 'literal'; value: string | number | boolean }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'nullable' | 'optional' | 'array' | 'record'; inner: Shape }
  | { kind: 'object'; shape: Record<string, Shape> }
  | { kind: 'union'; options: Shape[] };

export interface Shape {
  readonly def: Def;
  /** Null when the value fits, else where and why it does not. */
  check(value: unknown): Issue | null;
}

function fail(message: string): Issue {
  return { path: [], message };
}

function kindOf(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

function primitive(kind: 'string' | 'number' | 'boolean'): Shape {
  return {
    def: { kind },
    check: (v) => (typeof v === kind && (kind !== 'number' || Number.isFinite(v)) ? null : fail(`expected ${kind}, got ${kindOf(v)}`)),
  };
}

export const string = primitive('string');
export const number = primitive('number');
export const boolean = primitive('boolean');
export const unknown: Shape = { def: { kind: 'unknown' }, check: () => null };

export function literal(value: string | number | boolean): Shape {
  return { def: { kind: 'literal', value }, check: (v) => (v === value ? null : fail(`expected ${JSON.stringify(value)}`)) };
}

export function oneOf(values: readonly string[]): Shape {
  const set = new Set(values);
  return { def: { kind: 'enum', values }, check: (v) => (set.has(v as string) ? null : fail(`expected one of ${values.join(', ')}`)) };
}

export function nullable(inner: Shape): Shape {
  return { def: { kind: 'nullable', inner }, check: (v) => (v === null ? null : inner.check(v)) };
}

/** A key that may be absent (or undefined); inside `object` only. */
export function optional(inner: Shape): Shape {
  return { def: { kind: 'optional', inner }, check: (v) => (v === undefined ? null : inner.check(v)) };
}

export function array(inner: Shape): Shape {
  return {
    def: { kind: 'array', inner },
    check(v) {
      if (!Array.isArray(v)) return fail(`expected array, got ${kindOf(v)}`);
      for (let i = 0; i < v.length; i++) {
        const issue = inner.check(v[i]);
        if (issue) {
          issue.path.unshift(i);
          return issue;
        }
      }
      return null;
    },
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An object with string keys and values of one shape. */
export function record(inner: Shape): Shape {
  return {
    def: { kind: 'record', inner },
    check(v) {
      if (!isPlainObject(v)) return fail(`expected object, got ${kindOf(v)}`);
      for (const key in v) {
        const issue = inner.check(v[key]);
        if (issue) {
          issue.path.unshift(key);
          return issue;
        }
      }
      return null;
    },
  };
}

export interface ObjectShape extends Shape {
  readonly def: { kind: 'object'; shape: Record<string, Shape> };
  /** This object's keys and more (as zod's extend). */
  extend(more: Record<string, Shape>): ObjectShape;
}

/** An object with these keys (others are allowed and left alone). */
export function object(shape: Record<string, Shape>): ObjectShape {
  const entries = Object.entries(shape);
  return {
    def: { kind: 'object', shape },
    check(v) {
      if (!isPlainObject(v)) return fail(`expected object, got ${kindOf(v)}`);
      for (const [key, s] of entries) {
        const issue = s.check(v[key]);
        if (issue) {
          issue.path.unshift(key);
          return issue;
        }
      }
      return null;
    },
    extend: (more) => object({ ...shape, ...more }),
  };
}

/** Any of the options; objects tagged by `key` are told apart by it first. */
export function union(options: Shape[], key?: string): Shape {
  const byTag = new Map<unknown, Shape>();
  if (key) {
    for (const o of options) {
      const tag = o.def.kind === 'object' ? o.def.shape[key]?.def : undefined;
      if (tag?.kind !== 'literal') throw new Error(`union option without a literal '${key}'`);
      byTag.set(tag.value, o);
    }
  }
  return {
    def: { kind: 'union', options },
    check(v) {
      if (key) {
        const tag = isPlainObject(v) ? v[key] : undefined;
        const option = byTag.get(tag);
        return option ? option.check(v) : { path: [key], message: `expected one of ${[...byTag.keys()].map((t) => JSON.stringify(t)).join(', ')}` };
      }
      let first: Issue | null = null;
      for (const o of options) {
        const issue = o.check(v);
        if (!issue) return null;
        first ??= issue;
      }
      return first;
    },
  };
}

/** "runs.0.hp.data: expected string, got undefined". */
export function describeIssue(issue: Issue): string {
  return `${issue.path.join('.') || 'the top'}: ${issue.message}`;
}
