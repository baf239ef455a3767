/**
 * What a trial process does: waits for `run` messages and trains one trial at a time with
 * trainRun, sending everything it would record to the driver (trial-recorder.ts). It never
 * opens the store. trial-process.ts connects it to the parent process; tests can connect it
 * to an in-process channel.
 */
import { formatIssues, parseRunConfig } from '../../src-core/config';
import type { ExperimentFiles } from '../../src-core/experiment';
import { trainRun } from '../runner/train-run';
import { type FromTrial, type RunRequest, checkToTrial } from './messages';
import { MessagingRecorder } from './trial-recorder';

/** How a trial process is connected to its driver. */
export interface TrialChannel {
  send(message: FromTrial): void;
  onMessage(listener: (value: unknown) => void): void;
}

interface Current {
  runId: string;
  cancel: AbortController;
  stop: AbortController;
}

/**
 * Serves trials on `channel` until told to shut down (then calls `exit`). Announces itself
 * with a `ready` message carrying `pid`.
 */
export function serveTrials(channel: TrialChannel, options: { pid: number; exit: () => void }): void {
  const queue: RunRequest[] = [];
  let current: Current | null = null;

  const removeQueued = (runId: string) => {
    const at = queue.findIndex((r) => r.runId === runId);
    if (at < 0) return;
    queue.splice(at, 1);
    channel.send({ type: 'finished', runId, status: 'cancelled', error: 'cancelled before it started' });
  };

  const next = async (): Promise<void> => {
    const request = queue.shift();
    if (!request) return;
    current = { runId: request.runId, cancel: new AbortController(), stop: new AbortController() };
    try {
      await runOne(channel, request, current);
    } catch (error) {
      // trainRun records its own failures; this is a failure to even send them.
      channel.send({ type: 'finished', runId: request.runId, status: 'failed', error: `the trial process failed: ${(error as Error).message}` });
    } finally {
      current = null;
    }
    await next();
  };

  channel.onMessage((value) => {
    const checked = checkToTrial(value);
    if (!checked.ok) {
      channel.send({ type: 'malformed', problem: `process ${options.pid} received ${checked.problem}` });
      return;
    }
    const message = checked.message;
    switch (message.type) {
      case 'run':
        queue.push(message);
        if (!current) void next();
        break;
      case 'cancel':
        if (current?.runId === message.runId) current.cancel.abort();
        else removeQueued(message.runId);
        break;
      case 'stop':
        if (current?.runId === message.runId) current.stop.abort(message.reason);
        break;
      case 'shutdown':
        options.exit();
    }
  });
  channel.send({ type: 'ready', pid: options.pid });
}

async function runOne(channel: TrialChannel, request: RunRequest, run: Current): Promise<void> {
  const recorder = new MessagingRecorder((m) => channel.send(m), request.batchMs);
  const parsed = parseRunConfig(request.config);
  if (!parsed.ok) {
    recorder.finishRun(request.runId, 'failed', { error: `the trial's config is not valid:\n${formatIssues(parsed.issues)}` });
    return;
  }
  const config = parsed.config;
  await trainRun({
    store: recorder,
    runId: request.runId,
    config,
    files: lazyFiles(config.model.output === 'linear'),
    signal: run.cancel.signal,
    stopSignal: run.stop.signal,
    onProgress: request.batchMs !== null ? recorder.progress : undefined,
    progressEvery: request.progressEvery,
  });
}

/**
 * File access for a config with absolute paths (the driver sends them so). The readers
 * (HDF5's WebAssembly among them) load only when a trial reads a file: most sweeps use
 * generated data, and a trial process starts faster without them.
 */
function lazyFiles(regression: boolean): ExperimentFiles {
  const files = async () => (await import('../data/files')).filesRelativeTo(process.cwd(), { regression });
  return {
    loadData: async (source, role) => (await files()).loadData(source, role),
    loadWeights: async (file) => (await files()).loadWeights!(file),
  };
}
