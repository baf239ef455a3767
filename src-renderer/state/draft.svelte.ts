/** A config handed from a run to the new-experiment form ("Edit as new experiment"). */
export const draft = $state<{ config: Record<string, unknown> | null }>({ config: null });
