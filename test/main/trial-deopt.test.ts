/**
 * What V8 throws away in a trial process between trials. A process runs one trial after
 * another; code that V8 optimized in the first is reused by the next unless something
 * invalidates it, and each invalidation costs a compile of tens of ms on a core the other
 * trial process needs (docs/sweep.md, "Deoptimizations between trials").
 *
 * The bundled trial process runs three planar trials with --trace-deopt and --trace-opt;
 * the training loop (Trainer.steps and what it inlines) must be optimized, and must not be
 * thrown away for the reasons fixed in src-core/train.ts: a field type of a per-run object
 * literal widened on its second run ("code dependencies"), or the end of a run reached for
 * the first time inside the loop's optimized code.
 */
import { fork } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../src-core/config';
import type { FromTrial } from '../../src-main/sweep/messages';
import { trialProgram } from '../../src-main/sweep/trial-bundle';

const TRAINER_METHODS = ['steps', 'run', 'iteration', 'backwardAndUpdate', 'unit'];

function config(seed: number) {
  const parsed = parseRunConfig({
    data: { train: { generator: 'planar', m: 400, seed: 1, rng: 'numpy' } },
    model: { hidden: [4], activation: 'tanh', output: 'sigmoid' },
    init: { method: 'normal', scale: 0.01, seed, rng: 'numpy' },
    train: { optimizer: 'gd', learning_rate: 1.2, iterations: 20_000, log_every: 100 },
  });
  if (!parsed.ok) throw new Error('the test config is not valid');
  return parsed.config;
}

/** Runs `trials` trials one after another in one bundled trial process; V8's trace and the statuses. */
async function traceTrials(trials: number): Promise<{ trace: string; statuses: string[] }> {
  const program = trialProgram();
  const child = fork(program.entry, [], {
    execArgv: [...program.execArgv, '--trace-deopt', '--trace-opt'],
    serialization: 'advanced',
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let trace = '';
  child.stdout!.on('data', (chunk: Buffer) => (trace += chunk.toString()));
  child.stderr!.on('data', () => {});
  const statuses: string[] = [];
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    let next = 0;
    const start = () => child.send({ type: 'run', runId: `run-${next}`, config: config(next++), batchMs: 50, progressEvery: 300 });
    child.on('message', (m: FromTrial) => {
      if (m.type === 'ready') start();
      if (m.type !== 'finished') return;
      statuses.push(m.status);
      if (next < trials) start();
      else resolve();
    });
    child.on('exit', (code) => reject(new Error(`the trial process exited with code ${code}`)));
  });
  child.send({ type: 'shutdown' });
  // stdout is a pipe, so V8's trace is flushed when the process exits.
  await closed;
  return { trace, statuses };
}

describe('a trial process across trials', () => {
  it("keeps the training loop's optimized code from one trial to the next", async () => {
    const { trace, statuses } = await traceTrials(3);
    expect(statuses).toEqual(['completed', 'completed', 'completed']);
    // The assertions below would hold vacuously if the loop were never optimized.
    expect(trace).toMatch(/completed (compiling|optimizing) .*<JSFunction steps /);
    const methods = TRAINER_METHODS.join('|');
    // A field type widened under the loop's code ("code dependencies").
    const invalidated = trace.split('\n').filter((line) => new RegExp(`marking dependent code .*<SharedFunctionInfo (get )?(${methods})>`).test(line));
    expect(invalidated).toEqual([]);
    // A deoptimization for want of type feedback: the first run's end reached inside the loop.
    const unfed = trace.split('\n').filter((line) => new RegExp(`reason: Insufficient type feedback.*deoptimizing .*<JSFunction (${methods}) `).test(line));
    expect(unfed).toEqual([]);
  }, 60_000);
});
