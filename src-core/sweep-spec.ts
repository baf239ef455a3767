/**
 * The sweep spec: one JSON document that says which run configurations a sweep trains. It
 * holds a `base` run configuration and `parameters` keyed by config paths, each a list of
 * values or a distribution; `grid` takes their cartesian product, `random` draws `count`
 * points. It is a public contract, like the run config (docs/sweep.md): shared by the CLI,
 * the store (which keeps each sweep's spec) and the UI, and only ever extended.
 *
 * `parseSweepSpec` checks a document and expands it into its trials, deterministically:
 * the same spec always gives the same trials in the same order, which is what lets
 * `layerlab sweep --resume` find what is left to run. Every problem is reported with its
 * path (`parameters["train.learning_rate"][2]: must be > 0`), every trial's full config is
 * validated, and trials whose configs are identical are kept once.
 *
 * Pure: imports zod and the core, nothing of Node.
 */
import { z } from 'zod';
import {
  CONFIG_LIMITS,
  EARLY_STOPPING_METRICS,
  type ConfigIssue,
  type RunConfig,
  allFieldPaths,
  checkAtPath,
  configIssues,
  parseRunConfig,
  runConfigJsonSchema,
  schemaAtPath,
} from './config';
import { createRng } from './random';

// ---------------------------------------------------------------------------------------------
// Names and bounds

export const SWEEP_LIMITS = {
  /** Trials of one sweep, after repeats (a grid that multiplies out to more is refused). */
  maxTrials: 100_000,
  /** Values of one grid parameter (also an int_uniform range used in a grid). */
  maxValues: 10_000,
  maxRepeats: 1_000,
  maxConcurrency: 1_024,
} as const;

export const SWEEP_METHODS = ['grid', 'random'] as const;
export type SweepMethod = (typeof SWEEP_METHODS)[number];

export const DISTRIBUTIONS = ['values', 'uniform', 'log_uniform', 'int_uniform'] as const;
export type DistributionName = (typeof DISTRIBUTIONS)[number];

/** The metrics a sweep can rank and stop trials by: those every run records. */
export const SWEEP_METRICS = EARLY_STOPPING_METRICS;
export type SweepMetric = (typeof SWEEP_METRICS)[number];
export const GOALS = ['minimize', 'maximize'] as const;
export type Goal = (typeof GOALS)[number];

export const STOP_RULES = ['median', 'asha'] as const;

/** Config paths a sweep may not vary: they do not change what is trained. */
const NOT_PARAMETERS = ['', '$schema', 'name'];

// ---------------------------------------------------------------------------------------------
// The schema

const count = (min: number, max: number) =>
  z
    .number()
    .min(min)
    .max(max)
    .superRefine((value, ctx) => {
      if (!Number.isInteger(value)) ctx.addIssue({ code: 'custom', message: `must be an integer; got ${value}` });
    }, { when: (payload) => payload.issues.length === 0 })
    .meta({ type: 'integer' });

const finite = () => z.number();

/** `min` below `max` (or equal, for int_uniform), reported at `max`. */
function ordered(strict: boolean) {
  return (value: { min: number; max: number }, ctx: z.core.$RefinementCtx) => {
    if (strict ? value.max <= value.min : value.max < value.min) {
      ctx.addIssue({ code: 'custom', path: ['max'], message: `must be ${strict ? '>' : '>='} min (${value.min})` });
    }
  };
}

export const DistributionSchema = z
  .discriminatedUnion('distribution', [
    z.strictObject({
      distribution: z.literal('values').describe('Each trial takes one of `values`.'),
      values: z.array(z.unknown()).min(1).max(SWEEP_LIMITS.maxValues).describe('The values, each valid at the path.'),
    }),
    z
      .strictObject({
        distribution: z.literal('uniform').describe('Uniform in [min, max] (method random only).'),
        min: finite(),
        max: finite(),
      })
      .superRefine(ordered(true)),
    z
      .strictObject({
        distribution: z.literal('log_uniform').describe('Log-uniform in [min, max], min > 0 (method random only).'),
        min: z.number().gt(0),
        max: z.number().gt(0),
      })
      .superRefine(ordered(true)),
    z
      .strictObject({
        distribution: z.literal('int_uniform').describe('An integer in [min, max]; a grid takes every one.'),
        min: count(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
        max: count(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
      })
      .superRefine(ordered(false)),
  ])
  .meta({ id: 'Distribution' });

export const ParameterSchema = z.union(
  [
    z.array(z.unknown()).min(1).max(SWEEP_LIMITS.maxValues).describe('The values to try, each valid at the path.'),
    DistributionSchema,
  ],
  { error: 'must be a list of values or a distribution {"distribution": "values" | "uniform" | "log_uniform" | "int_uniform", …}' },
);

export const EarlyStoppingRuleSchema = z
  .discriminatedUnion('rule', [
    z.strictObject({
      rule: z.literal('median').describe("Stop a trial whose best value so far is worse than the median of the others' running averages."),
      grace_period: count(0, CONFIG_LIMITS.maxIterations).describe('Steps (iterations or epochs) before any trial is stopped.'),
      min_trials: count(1, SWEEP_LIMITS.maxTrials).default(3).describe('Other trials that must have reached a step before comparing.'),
    }),
    z.strictObject({
      rule: z.literal('asha').describe('Asynchronous successive halving: rungs at grace_period·η^k keep the top 1/η.'),
      grace_period: count(1, CONFIG_LIMITS.maxIterations).describe('The first rung, in steps (iterations or epochs).'),
      reduction_factor: z.number().gt(1).max(1000).default(3).describe('η: each rung keeps the best 1/η of the trials.'),
      max_t: count(1, CONFIG_LIMITS.maxIterations)
        .optional()
        .describe('No rung at or above this step; default each trial\'s own length.'),
    }),
  ])
  .meta({ id: 'EarlyStoppingRule' });

/** The base: a run configuration, checked on its own terms by parseRunConfig. */
const BaseSchema = z.record(z.string(), z.unknown()).describe('The run configuration every trial starts from.');

const SweepFieldsSchema = z.strictObject({
  $schema: z.string().optional().describe('Path or URL of this JSON Schema, for editors.'),
  name: z.string().min(1).max(CONFIG_LIMITS.maxNameLength).optional().describe('A label for the sweep.'),
  base: BaseSchema,
  base_dir: z
    .string()
    .min(1)
    .max(CONFIG_LIMITS.maxPathLength)
    .optional()
    .describe('Folder relative file paths are taken from; default the spec file\'s folder.'),
  method: z.enum(SWEEP_METHODS).default('grid').describe('"grid": every combination; "random": `count` draws.'),
  count: count(1, SWEEP_LIMITS.maxTrials).optional().describe('Points to draw, with method "random".'),
  parameters: z
    .record(z.string(), ParameterSchema)
    .describe('Config paths ("train.learning_rate", "model.hidden") and what each takes.'),
  repeats: count(1, SWEEP_LIMITS.maxRepeats)
    .default(1)
    .describe('Runs of each point; repeat r adds r to init.seed and train.shuffle_seed.'),
  seed: count(0, CONFIG_LIMITS.maxSeed).default(0).describe('Seed of the random draws.'),
  concurrency: count(1, SWEEP_LIMITS.maxConcurrency)
    .optional()
    .describe('Trials run at once; default the number of cores.'),
  max_failures: count(1, SWEEP_LIMITS.maxTrials)
    .optional()
    .describe('Stop the sweep when this many trials have failed; default never.'),
  metric: z
    .enum(SWEEP_METRICS)
    .optional()
    .describe('The metric trials are ranked and stopped by; default test_cost with a test set, else train_cost.'),
  goal: z.enum(GOALS).optional().describe('Default: minimize a cost, maximize an accuracy.'),
  early_stopping: EarlyStoppingRuleSchema.optional().describe('Stop unpromising trials early.'),
});

export const SweepSpecSchema = SweepFieldsSchema.superRefine((value, ctx) => {
  const s = value as Record<string, unknown>;
  if (s.method === 'random' && s.count === undefined) {
    ctx.addIssue({ code: 'custom', path: ['count'], message: 'is required with method "random": how many points to draw' });
  }
  if (s.method === 'grid' && s.count !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['count'], message: 'is only for method "random"; a grid runs every combination' });
  }
}).meta({
  title: 'Layerlab sweep spec',
  description: 'A base run configuration and the parameters a sweep varies. See docs/sweep.md.',
});

export type SweepSpecInput = z.input<typeof SweepSpecSchema>;
export type SweepSpec = z.output<typeof SweepSpecSchema>;
export type Parameter = z.output<typeof ParameterSchema>;
export type EarlyStoppingRule = z.output<typeof EarlyStoppingRuleSchema>;

// ---------------------------------------------------------------------------------------------
// Trials

/** One run configuration of a sweep. */
export interface Trial {
  /** Position in the expansion, from 0, after duplicates are dropped. */
  index: number;
  /** The value of each parameter at this trial, by path, in the spec's order. */
  params: Record<string, unknown>;
  /** Which repeat of its point, from 0: seeds are offset by it. */
  repeat: number;
  /** The full configuration, with defaults, named after the sweep and its parameters. */
  config: RunConfig;
  /** Identity of the configuration (all but its name): equal keys train the same thing. */
  key: string;
}

export interface SweepPlan {
  spec: SweepSpec;
  trials: Trial[];
  /** The metric trials are ranked by, with its goal. */
  metric: { name: SweepMetric; goal: Goal };
  /** Expanded trials dropped because an earlier trial has the same config, with that trial's index. */
  duplicates: { params: Record<string, unknown>; repeat: number; sameAs: number }[];
}

export type SweepParseResult = { ok: true; plan: SweepPlan } | { ok: false; issues: ConfigIssue[] };

export interface SweepParseOptions {
  /**
   * Applied to each trial's config before it is compared with the others, e.g. to make its
   * file paths absolute (so "a.npy" and "./a.npy" are one trial).
   */
  mapConfig?: (config: RunConfig) => RunConfig;
}

/** Trials with config errors listed one by one before the rest are summed up. */
const MAX_TRIAL_ISSUES = 20;

/**
 * Checks a sweep spec, expands it into trials and checks every trial's config. Reports
 * every problem it can find with its path; never throws.
 */
export function parseSweepSpec(value: unknown, options: SweepParseOptions = {}): SweepParseResult {
  let result: z.ZodSafeParseResult<SweepSpec>;
  try {
    result = SweepSpecSchema.safeParse(value, { reportInput: true });
  } catch (error) {
    return { ok: false, issues: [{ path: '', message: `could not be checked: ${(error as Error).message}` }] };
  }
  if (!result.success) {
    // The parameters that are well formed can still be checked against their paths.
    const raw = value as { method?: unknown; parameters?: unknown };
    const method = raw.method === 'random' ? 'random' : 'grid';
    const parameters: Record<string, Parameter> = {};
    if (typeof raw.parameters === 'object' && raw.parameters !== null) {
      for (const [path, p] of Object.entries(raw.parameters)) {
        const parsed = ParameterSchema.safeParse(p);
        if (parsed.success) parameters[path] = parsed.data;
      }
    }
    const issues = [...specIssues(result.error.issues), ...parameterIssues(parameters, method)];
    return { ok: false, issues: issues.filter((issue) => issue.path !== 'parameters' || !issue.message.startsWith('is empty')) };
  }
  const spec = result.data;

  const issues = [...parameterIssues(spec.parameters, spec.method, spec.repeats)];
  if (issues.length === 0) issues.push(...baseIssues(spec));
  if (issues.length > 0) return { ok: false, issues };

  const size = plannedSize(spec);
  if (size > SWEEP_LIMITS.maxTrials) {
    return { ok: false, issues: [{ path: 'parameters', message: `make ${size.toLocaleString('en-US')} trials; a sweep has at most ${SWEEP_LIMITS.maxTrials.toLocaleString('en-US')}` }] };
  }
  return expand(spec, options);
}

/** What a parameter gives each trial: the grid's values, or draws. */
function gridValues(p: Parameter): unknown[] | null {
  if (Array.isArray(p)) return p;
  if (p.distribution === 'values') return p.values;
  if (p.distribution === 'int_uniform') {
    return Array.from({ length: p.max - p.min + 1 }, (_, i) => p.min + i);
  }
  return null;
}

function plannedSize(spec: SweepSpec): number {
  if (spec.method === 'random') return spec.count! * spec.repeats;
  let n = spec.repeats;
  for (const p of Object.values(spec.parameters)) n *= gridValues(p)?.length ?? 1;
  return n;
}

/** The spec's own zod issues as paths and words. */
function specIssues(issues: readonly z.core.$ZodIssue[]): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys' && issue.path.length === 0) {
      const known = Object.keys(SweepFieldsSchema.shape).filter((k) => k !== '$schema');
      for (const key of issue.keys) {
        const hint = key in RUN_CONFIG_SECTIONS ? `; run configuration fields go in "base"` : '';
        out.push({ path: formatKey(key), message: `unknown field${hint}; a sweep spec has ${known.join(', ')}` });
      }
    } else {
      // Parameter keys are config paths: always quoted, as `parameters["x"]`.
      for (const found of configIssues([issue])) {
        out.push({ ...found, path: found.path.replace(/^parameters\.([A-Za-z_$][\w$]*)/, (_, key: string) => parameterPath(key)) });
      }
    }
  }
  return out;
}

const RUN_CONFIG_SECTIONS = { data: 1, model: 1, init: 1, train: 1, precision: 1 };

function formatKey(key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
}

function parameterPath(path: string): string {
  return `parameters[${JSON.stringify(path)}]`;
}

/** Every parameter's path exists, and every value it can take is valid there. */
function parameterIssues(parameters: Record<string, Parameter>, method: SweepMethod, repeats = 1): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const paths = Object.keys(parameters);
  if (paths.length === 0 && repeats === 1 && method === 'grid') {
    out.push({ path: 'parameters', message: 'is empty: name at least one config path to vary (or set repeats)' });
  }
  for (const path of paths) {
    const at = parameterPath(path);
    const p = parameters[path];
    if (NOT_PARAMETERS.includes(path)) {
      out.push({ path: at, message: path === '' ? 'must name a config path' : `"${path}" does not change what is trained; it cannot be swept` });
      continue;
    }
    if (schemaAtPath(path) === undefined) {
      out.push({ path: at, message: `is not a field of the run configuration${nearestPath(path)}` });
      continue;
    }
    const overlap = paths.find((other) => other !== path && (path.startsWith(`${other}.`) || path.startsWith(`${other}[`)));
    if (overlap !== undefined) {
      out.push({ path: at, message: `lies inside "${overlap}", which is swept too; vary one or the other` });
      continue;
    }
    const check = (value: unknown, where: string) => {
      for (const issue of checkAtPath(path, value)) {
        if (issue.path.startsWith(path)) out.push({ path: `${where}${issue.path.slice(path.length)}`, message: issue.message });
        else out.push({ path: where, message: `${issue.path}: ${issue.message}` });
      }
    };
    if (Array.isArray(p)) {
      p.forEach((v, i) => check(v, `${at}[${i}]`));
      continue;
    }
    switch (p.distribution) {
      case 'values':
        p.values.forEach((v, i) => check(v, `${at}.values[${i}]`));
        break;
      case 'int_uniform':
      case 'uniform':
      case 'log_uniform': {
        const before = out.length;
        check(p.min, `${at}.min`);
        check(p.max, `${at}.max`);
        if (out.length > before) break;
        if (p.distribution !== 'int_uniform' && checkAtPath(path, p.min + (p.max - p.min) / Math.PI).some((i) => i.message.startsWith('must be an integer'))) {
          out.push({ path: `${at}.distribution`, message: `"${path}" takes whole numbers: use "int_uniform"` });
        } else if (p.distribution === 'uniform' || p.distribution === 'log_uniform') {
          if (method === 'grid') {
            out.push({ path: `${at}.distribution`, message: `"${p.distribution}" draws values, so it needs method "random"; a grid takes a list of values` });
          }
        }
        if (p.distribution === 'int_uniform' && method === 'grid' && p.max - p.min + 1 > SWEEP_LIMITS.maxValues) {
          out.push({ path: at, message: `a grid takes every integer from min to max, at most ${SWEEP_LIMITS.maxValues.toLocaleString('en-US')}; this range has ${(p.max - p.min + 1).toLocaleString('en-US')}` });
        }
        break;
      }
    }
  }
  return out;
}

/** "; did you mean model.hidden?" for a near miss of a known path. */
function nearestPath(path: string): string {
  const known = allFieldPaths();
  const last = path.split('.').pop() ?? path;
  const sameLeaf = known.filter((k) => k.split('.').pop() === last);
  if (sameLeaf.length > 0 && sameLeaf.length <= 3) return `; did you mean ${sameLeaf.join(' or ')}?`;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(path, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= 3 ? `; did you mean ${best}?` : '';
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * The base on its own: a run configuration in which every swept path holds a value the
 * parameter gives it (so a base may leave out what the parameters fill in). Problems at or
 * inside a swept path are the parameters' to report.
 */
function baseIssues(spec: SweepSpec): ConfigIssue[] {
  const doc = cloneJson(spec.base);
  const paths = Object.keys(spec.parameters);
  for (const path of paths) setAtPath(doc, path, representative(spec.parameters[path]));
  const result = parseRunConfig(doc);
  if (result.ok) return [];
  return result.issues
    .filter((issue) => !paths.some((p) => issue.path === p || issue.path.startsWith(`${p}.`) || issue.path.startsWith(`${p}[`)))
    .map((issue) => ({ path: issue.path ? `base.${issue.path}` : 'base', message: issue.message }));
}

function representative(p: Parameter): unknown {
  const values = gridValues(p);
  if (values) return values[0];
  return (p as { min: number }).min;
}

/** Grid points or random draws, then repeats, then each config checked and duplicates dropped. */
function expand(spec: SweepSpec, options: SweepParseOptions): SweepParseResult {
  const paths = Object.keys(spec.parameters);
  const points = spec.method === 'grid' ? gridPoints(spec, paths) : randomPoints(spec, paths);
  const trials: Trial[] = [];
  const duplicates: SweepPlan['duplicates'] = [];
  const byKey = new Map<string, number>();
  const failures = new Map<string, { issue: ConfigIssue; first: string; count: number }>();
  const baseName = spec.name ?? (typeof spec.base.name === 'string' ? spec.base.name : 'sweep');

  // Repeat-major: every point once, then every point again with the next seeds.
  for (let repeat = 0; repeat < spec.repeats; repeat++) {
    for (const params of points) {
      const doc = cloneJson(spec.base);
      for (const path of paths) setAtPath(doc, path, cloneJson(params[path]));
      const parsed = parseRunConfig(doc);
      if (!parsed.ok) {
        const label = trialLabel(params, repeat, spec.repeats);
        for (const issue of parsed.issues) {
          const id = `${issue.path}\u0000${issue.message}`;
          const seen = failures.get(id);
          if (seen) seen.count++;
          else failures.set(id, { issue, first: label, count: 1 });
        }
        continue;
      }
      let config = parsed.config;
      if (repeat > 0) config = withSeedOffset(config, repeat);
      config = { ...config, name: trialName(baseName, params, repeat, spec.repeats) };
      if (options.mapConfig) config = options.mapConfig(config);
      const key = configKey(config);
      const same = byKey.get(key);
      if (same !== undefined) {
        duplicates.push({ params, repeat, sameAs: same });
        continue;
      }
      byKey.set(key, trials.length);
      trials.push({ index: trials.length, params, repeat, config, key });
    }
  }

  if (failures.size > 0) {
    const list = [...failures.values()];
    const issues = list.slice(0, MAX_TRIAL_ISSUES).map(({ issue, first, count }) => ({
      path: `trial ${first}`,
      message: `${issue.path ? `${issue.path}: ` : ''}${issue.message}${count > 1 ? ` (and ${count - 1} more trial${count > 2 ? 's' : ''})` : ''}`,
    }));
    if (list.length > MAX_TRIAL_ISSUES) issues.push({ path: 'parameters', message: `${list.length - MAX_TRIAL_ISSUES} more problems in trial configs` });
    return { ok: false, issues };
  }

  const metric = resolveMetric(spec, trials);
  if ('issue' in metric) return { ok: false, issues: [metric.issue] };
  return { ok: true, plan: { spec, trials, metric, duplicates } };
}

function resolveMetric(spec: SweepSpec, trials: Trial[]): SweepPlan['metric'] | { issue: ConfigIssue } {
  const hasTest = (c: RunConfig) => c.data.test !== null || c.data.test_fraction !== undefined;
  const name: SweepMetric = spec.metric ?? (trials.length > 0 && trials.every((t) => hasTest(t.config)) ? 'test_cost' : 'train_cost');
  if (name.startsWith('test_')) {
    const without = trials.find((t) => !hasTest(t.config));
    if (without) {
      return { issue: { path: 'metric', message: `"${name}" needs a test set in every trial; trial ${trialLabel(without.params, without.repeat, spec.repeats)} has none: give base.data.test or base.data.test_fraction` } };
    }
  }
  return { name, goal: spec.goal ?? (name.endsWith('_cost') ? 'minimize' : 'maximize') };
}

function gridPoints(spec: SweepSpec, paths: string[]): Record<string, unknown>[] {
  // The cartesian product, the last parameter varying fastest (as itertools.product).
  let points: Record<string, unknown>[] = [{}];
  for (const path of paths) {
    const values = gridValues(spec.parameters[path])!;
    points = points.flatMap((point) => values.map((v) => ({ ...point, [path]: v })));
  }
  return points;
}

function randomPoints(spec: SweepSpec, paths: string[]): Record<string, unknown>[] {
  // One stream, drawn point by point and parameter by parameter in the spec's order.
  const rng = createRng(spec.seed, 'default');
  const draw = () => rng.rand(1)[0];
  return Array.from({ length: spec.count! }, () => {
    const point: Record<string, unknown> = {};
    for (const path of paths) point[path] = sample(spec.parameters[path], draw);
    return point;
  });
}

function sample(p: Parameter, draw: () => number): unknown {
  const values = Array.isArray(p) ? p : p.distribution === 'values' ? p.values : null;
  if (values) return values[Math.min(values.length - 1, Math.floor(draw() * values.length))];
  const { min, max } = p as { min: number; max: number };
  switch ((p as { distribution: DistributionName }).distribution) {
    case 'int_uniform':
      return Math.min(max, min + Math.floor(draw() * (max - min + 1)));
    case 'log_uniform':
      return Math.min(max, Math.max(min, Math.exp(Math.log(min) + draw() * (Math.log(max) - Math.log(min)))));
    default:
      return Math.min(max, min + draw() * (max - min));
  }
}

/** Repeat r: init.seed + r and train.shuffle_seed + r (which also seeds dropout), wrapped at 2^32. */
export function withSeedOffset(config: RunConfig, repeat: number): RunConfig {
  const wrap = (seed: number) => (seed + repeat) % (CONFIG_LIMITS.maxSeed + 1);
  return {
    ...config,
    init: { ...config.init, seed: wrap(config.init.seed) },
    train: { ...config.train, shuffle_seed: wrap(config.train.shuffle_seed) },
  };
}

/** "sweep: hidden=[4] learning_rate=0.1 #2". */
function trialName(base: string, params: Record<string, unknown>, repeat: number, repeats: number): string {
  const label = formatParams(params);
  const name = `${base}: ${label}${repeats > 1 ? ` #${repeat}` : ''}`.trim().replace(/:$/, '');
  return name.length > CONFIG_LIMITS.maxNameLength ? `${name.slice(0, CONFIG_LIMITS.maxNameLength - 1)}…` : name;
}

function trialLabel(params: Record<string, unknown>, repeat: number, repeats: number): string {
  const label = Object.entries(params)
    .map(([k, v]) => `${k}=${formatValue(v)}`)
    .join(' ');
  return `(${label}${repeats > 1 ? ` repeat ${repeat}` : ''})`;
}

/**
 * Short labels of swept paths: the last segment ("learning_rate"), or the whole path when
 * two parameters end the same way ("data.train.m", "data.test.m").
 */
export function paramLabels(paths: readonly string[]): Record<string, string> {
  const last = (p: string) => p.split('.').pop()!;
  const labels: Record<string, string> = {};
  for (const p of paths) labels[p] = paths.filter((q) => last(q) === last(p)).length > 1 ? p : last(p);
  return labels;
}

/** "hidden=[4] learning_rate=0.1". */
export function formatParams(params: Record<string, unknown>): string {
  const labels = paramLabels(Object.keys(params));
  return Object.entries(params)
    .map(([k, v]) => `${labels[k]}=${formatValue(v)}`)
    .join(' ');
}

/** A value as a table shows it: numbers to 4 significant digits, the rest as compact JSON. */
export function formatValue(value: unknown): string {
  if (typeof value === 'number') {
    if (Number.isInteger(value) || value === 0) return String(value);
    const abs = Math.abs(value);
    return abs >= 1e-3 && abs < 1e5 ? String(Number(value.toPrecision(4))) : value.toExponential(3);
  }
  const text = JSON.stringify(value) ?? String(value);
  return text.replace(/,/g, ', ');
}

// ---------------------------------------------------------------------------------------------
// Paths and identity

type Segment = string | number;

function segments(path: string): Segment[] {
  const out: Segment[] = [];
  for (const part of path.split('.')) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (!match) {
      out.push(part);
      continue;
    }
    if (match[1]) out.push(/^\d+$/.test(match[1]) ? Number(match[1]) : match[1]);
    for (const index of match[2].matchAll(/\[(\d+)\]/g)) out.push(Number(index[1]));
  }
  return out;
}

/** Sets `value` at a dotted config path ("train.learning_rate", "model.hidden[0]"), creating objects on the way. */
export function setAtPath(doc: Record<string, unknown>, path: string, value: unknown): void {
  const parts = segments(path);
  let node: Record<string | number, unknown> = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const next = node[parts[i]];
    if (typeof next !== 'object' || next === null) {
      node[parts[i]] = typeof parts[i + 1] === 'number' ? [] : {};
    }
    node = node[parts[i]] as Record<string | number, unknown>;
  }
  node[parts[parts.length - 1]] = value;
}

/** The value at a dotted config path, or undefined. */
export function getAtPath(doc: unknown, path: string): unknown {
  let node = doc;
  for (const part of segments(path)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[part];
  }
  return node;
}

/**
 * The identity of a run configuration: its JSON with keys sorted, without its name. Two
 * configs with the same key train the same network the same way.
 */
export function configKey(config: RunConfig | Record<string, unknown>): string {
  const { name: _name, $schema: _schema, ...rest } = config as Record<string, unknown>;
  return stableStringify(rest);
}

/** JSON with object keys sorted at every level. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => stableStringify(v ?? null)).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableStringify((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

// ---------------------------------------------------------------------------------------------
// The published JSON Schema

/** A deep copy of JSON data (specs are parsed JSON). */
function cloneJson<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** Removes `required` everywhere: a base may leave out what the parameters fill in. */
function withoutRequired(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutRequired);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) if (k !== 'required') out[k] = withoutRequired(v);
  return out;
}

/**
 * The published JSON Schema (draft 2020-12) of a sweep spec. `base` is the run config's own
 * schema without its required fields, and every config path a parameter can name is listed
 * with the values it takes, so that editors complete and check both.
 */
export function sweepSpecJsonSchema(): object {
  const schema = z.toJSONSchema(SweepSpecSchema, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>;
  const runConfig = runConfigJsonSchema() as Record<string, unknown>;
  const { $schema: _s, $defs: configDefs, title: _t, description: _d, ...baseSchema } = runConfig;
  const defs = { ...(schema.$defs as Record<string, unknown>), ...(withoutRequired(configDefs) as Record<string, unknown>) };
  const properties = schema.properties as Record<string, Record<string, unknown>>;
  properties.base = {
    ...(withoutRequired(baseSchema) as object),
    description: 'The run configuration every trial starts from (docs/config.md); it may leave out what the parameters set.',
  };
  const parameterProperties: Record<string, unknown> = {};
  for (const path of allFieldPaths()) {
    if (NOT_PARAMETERS.includes(path)) continue;
    const field = schemaAtPath(path)!;
    let items: Record<string, unknown>;
    try {
      items = z.toJSONSchema(field, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
    } catch {
      continue;
    }
    delete items.$schema;
    if (items.$defs || JSON.stringify(items).length > 600) continue; // data sources and other objects: values only
    parameterProperties[path] = {
      anyOf: [{ type: 'array', minItems: 1, items }, { $ref: '#/$defs/Distribution' }],
    };
  }
  properties.parameters = { ...properties.parameters, properties: parameterProperties };
  return { ...schema, $defs: defs };
}
