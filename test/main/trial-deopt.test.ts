/**
 * What V8 throws away in a trial process between trials. A process runs one trial after
 * another; code that V8 optimized in the first is reused by the next unless something
 * invalidates it, and each invalidation costs a compile of tens of ms on a core the other
 * trial process needs (docs/sweep.md, "Deoptimizations between trials").
 *
 * The bundled trial process runs five planar trials with --trace-deopt and --trace-opt;
 * the training loop (Trainer.steps and what it inlines) must be optimized, and neither it
 * nor the recorders it calls may be thrown away for the reasons fixed in src-core/train.ts:
 * a field type of a per-run object literal widened on its second run ("code dependencies"),
 * the end of a run reached for the first time inside the loop's optimized code ("insufficient
 * type feedback"), or the first object pushed into a run's fresh history array ("not a Smi").
 * One deoptimization is left, and allowed once: 'wrong call target', where the loop calls
 * trainRun's progress closure, which is a new function in every run. (The loop's async
 * entry used to be thrown away too, under load; the loop is synchronous since.)
 */
import { fork } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../src-core/config';
import type { FromTrial } from '../../src-main/sweep/messages';
import { trialProgram } from '../../src-main/sweep/trial-bundle';

const WATCHED = ['steps', 'run', 'iteration', 'backwardAndUpdate', 'unit', 'report', 'record', 'appendMetrics'];

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
    // Compiling on the main thread makes V8's tiering the same on a busy machine as on an
    // idle one: with concurrent compiles, a job that finishes late (other tests running)
    // installs code optimized on different feedback, and a deopt came and went with the load.
    execArgv: [...program.execArgv, '--trace-deopt', '--trace-opt', '--no-concurrent-recompilation'],
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
    const { trace, statuses } = await traceTrials(5);
    expect(statuses).toEqual(Array(5).fill('completed'));
    // The assertions below would hold vacuously if the loop were never optimized.
    expect(trace).toMatch(/completed (compiling|optimizing) .*<JSFunction steps /);
    const methods = WATCHED.join('|');
    const lines = trace.split('\n');
    // A field type widened under the loop's code ("code dependencies").
    expect(lines.filter((line) => new RegExp(`marking dependent code .*<SharedFunctionInfo (get )?(${methods})>`).test(line))).toEqual([]);
    const bailouts = lines.filter((line) => new RegExp(`^\\[bailout .*deoptimizing .*<JSFunction (${methods}) `).test(line));
    const callTarget = bailouts.filter((line) => line.includes('reason: wrong call target'));
    expect(callTarget.length).toBeLessThanOrEqual(1);
    expect(bailouts.filter((line) => !callTarget.includes(line))).toEqual([]);
  }, 60_000);
});
