/**
 * What the new-experiment form opens with: a run's config ("Edit as new experiment"), or a
 * ready experiment of the welcome screen, which also brings its name and its "Sweep this"
 * fields (config path → values as typed, see ExperimentForm.sweeps).
 */
export const draft = $state<{ config: Record<string, unknown> | null; sweeps: Record<string, string> | null; name: string | null }>({
  config: null,
  sweeps: null,
  name: null,
});
