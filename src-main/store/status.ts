/**
 * Run statuses and the transitions between them. One table says which moves are legal;
 * everything else (the store, the CLI, later the sweep scheduler) asks it.
 */

export const RUN_STATUSES = [
  'queued', // created, waiting for a worker
  'running', // a process is training it right now
  'completed', // trained for the configured number of steps
  'stopped', // ended early on purpose (early stopping, a target reached)
  'diverged', // the cost became NaN or infinite
  'cancelled', // the user stopped it
  'failed', // an error ended it; `error` says which
  'interrupted', // its process went away without finishing it (crash, kill, power loss)
] as const;

export type RunStatus = (typeof RUN_STATUSES)[number];

/** Statuses that end a run. A finished run never changes status again. */
export type FinalStatus = Exclude<RunStatus, 'queued' | 'running'>;

const TRANSITIONS: Record<RunStatus, readonly RunStatus[]> = {
  queued: ['running', 'cancelled', 'failed'],
  running: ['completed', 'stopped', 'diverged', 'cancelled', 'failed', 'interrupted'],
  completed: [],
  stopped: [],
  diverged: [],
  cancelled: [],
  failed: [],
  interrupted: [],
};

export function isRunStatus(value: string): value is RunStatus {
  return (RUN_STATUSES as readonly string[]).includes(value);
}

export function canTransition(from: RunStatus, to: RunStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The statuses a run in `from` may move to (empty for a finished run). */
export function nextStatuses(from: RunStatus): readonly RunStatus[] {
  return TRANSITIONS[from];
}

export function isFinal(status: RunStatus): status is FinalStatus {
  return TRANSITIONS[status].length === 0;
}

/**
 * A sweep's status: the run statuses that make sense for a whole sweep
 * (a sweep does not diverge; its trials do).
 */
export const SWEEP_STATUSES = [
  'queued',
  'running',
  'completed',
  'stopped',
  'cancelled',
  'failed',
  'interrupted',
] as const satisfies readonly RunStatus[];

export type SweepStatus = (typeof SWEEP_STATUSES)[number];

export function isSweepStatus(value: string): value is SweepStatus {
  return (SWEEP_STATUSES as readonly string[]).includes(value);
}
