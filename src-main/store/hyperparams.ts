/**
 * The hyperparameters a runs table shows, derived from a run's config once, when the run
 * is created (a run's config never changes), and kept on its row: as JSON for listings
 * (`runs.hp`), and the sortable and searchable ones again as plain columns (`hp_data`,
 * `hp_learning_rate`, …). So a listing of 10,000 runs never parses a config.
 *
 * The config is the trainer's RunConfig (src-core/config.ts) as JSON text; the store
 * accepts any JSON, so every field is read defensively and unknowns come out as '?' or null.
 * Changing what is derived here needs a migration that recomputes the columns (as
 * migration 3 does) for the runs already stored.
 */

/** The shape of src-api's Hyperparams (the API sends these as they are). */
export interface Hyperparams {
  /** The data: generator name or file name. */
  data: string;
  hidden: number[];
  activation: string;
  output: string;
  optimizer: string;
  learning_rate: number | null;
  /** Iterations (full batch) or epochs. */
  steps: number | null;
  unit: 'iteration' | 'epoch';
  batch_size: number | null;
  l2: number | null;
  keep_prob: number | null;
  m: number | null;
  noise: number | null;
}

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

const object = (v: unknown): Record<string, any> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, any>) : {});

/** The hyperparameters of a stored config (JSON text); unknowns as '?' or null. */
export function hyperparams(configText: string): Hyperparams {
  let value: unknown = {};
  try {
    value = JSON.parse(configText);
  } catch {
    // A config the store accepted is JSON; an unreadable one shows as unknowns.
  }
  return hyperparamsOfValue(value);
}

/** The hyperparameters of a config already parsed from JSON. */
export function hyperparamsOfValue(config: unknown): Hyperparams {
  const c = object(config);
  const train = object(c.train);
  const model = object(c.model);
  const source = object(object(c.data).train);
  const data =
    typeof source.generator === 'string'
      ? source.generator
      : String(object(source.csv).file ?? object(source.x).file ?? '?').split(/[\\/]/).pop()!;
  const keep = Array.isArray(train.keep_prob) ? Math.min(...train.keep_prob) : train.keep_prob;
  const activations: unknown = model.activations;
  return {
    data,
    hidden: Array.isArray(model.hidden) ? model.hidden.filter((n: unknown) => typeof n === 'number') : [],
    activation: Array.isArray(activations) && new Set(activations).size > 1 ? activations.join('/') : String(model.activation ?? '?'),
    output: String(model.output ?? 'sigmoid'),
    optimizer: String(train.optimizer ?? 'gd'),
    learning_rate: finite(train.learning_rate),
    steps: finite(train.epochs ?? train.iterations),
    unit: train.epochs !== undefined ? 'epoch' : 'iteration',
    batch_size: finite(train.batch_size),
    l2: finite(train.l2),
    keep_prob: finite(keep),
    m: finite(source.m),
    noise: finite(source.noise),
  };
}

/** The hidden layer sizes as the table shows them and search finds them: "[4, 4]". */
export function hiddenText(hidden: readonly number[]): string {
  return `[${hidden.join(', ')}]`;
}

/**
 * A number that orders hidden layer sizes as the table does: fewer layers first, then by
 * the sizes, layer by layer (exact for sizes under 1,000).
 */
export function hiddenRank(hidden: readonly number[]): number {
  return hidden.reduce((s, n) => s * 1000 + n, hidden.length);
}

/** The values of the `runs` columns that hold a config's hyperparameters, in HP_COLUMNS order. */
export function hyperparamColumns(hp: Hyperparams): (string | number | null)[] {
  return [
    JSON.stringify(hp),
    hp.data,
    hiddenText(hp.hidden),
    hiddenRank(hp.hidden),
    hp.activation,
    hp.optimizer,
    hp.learning_rate,
    hp.steps,
  ];
}

/** The `runs` columns hyperparamColumns fills. */
export const HP_COLUMNS = ['hp', 'hp_data', 'hp_hidden', 'hp_hidden_rank', 'hp_activation', 'hp_optimizer', 'hp_learning_rate', 'hp_steps'] as const;
