/**
 * The run configuration as the renderer needs it: its schema, its checks, its limits and
 * names, re-exported from the core so that the form validates each field exactly as
 * `layerlab train` does, without the renderer importing src-core itself.
 */
export {
  RunConfigSchema,
  parseRunConfig,
  checkAtPath,
  schemaAtPath,
  formatIssues,
  CONFIG_LIMITS,
  GENERATORS,
  GENERATORS_WITH_CLASSES,
  GENERATOR_DEFAULT_NOISE,
  GENERATOR_DEFAULT_CLASSES,
  ACTIVATIONS,
  OUTPUTS,
  OPTIMIZERS,
  INIT_METHODS,
  DEFAULT_ITERATIONS,
  type RunConfig,
  type RunConfigInput,
  type ConfigIssue,
  type GeneratorName,
} from '../src-core/config';

/** Sweep specs: checked and expanded into trials in the renderer too, for the live count. */
export {
  parseSweepSpec,
  formatParams,
  formatValue,
  paramLabels,
  SWEEP_LIMITS,
  type SweepSpecInput,
  type SweepPlan,
} from '../src-core/sweep-spec';
