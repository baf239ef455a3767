/**
 * The sweep driver over real trial processes (child_process.fork), sharing one pool of two
 * processes across tests so that their start-up is paid once: a sweep end to end, progress
 * batching, cancel, pause, a killed trial process, failures and early stopping.
 */
import Database from 'better-sqlite3';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { RunStore, type WriteOperation } from '../../src-main/store';
import {
  DEFAULT_HISTORY_FLUSH_MS,
  FIRST_PROGRESS_EVERY,
  PROGRESS_TARGET_MS,
  progressEveryAt,
  type SweepEvent,
  SweepRun,
  type SweepRunOptions,
} from '../../src-main/sweep/driver';
import { forkHosts } from '../../src-main/sweep/fork-host';
import type { RunRequest } from '../../src-main/sweep/messages';
import { TrialPool } from '../../src-main/sweep/pool';
import type { TrialHostEvents } from '../../src-main/sweep/trial-host';
import { DEFAULT_BATCH_MS } from '../../src-main/sweep/trial-recorder';
import { inProcessHosts, smallBase, tempDir } from '../fixtures/sweep/helpers';
import { addSweep } from '../fixtures/sweep/sweeps';

let pool: TrialPool;
const warnings: string[] = [];
let store: RunStore;
let dir: string;

beforeAll(() => {
  pool = new TrialPool({ hosts: forkHosts(), size: 2, onWarning: (w) => warnings.push(w) });
});
afterAll(async () => {
  await pool.close();
});
afterEach(() => {
  store?.close();
});

function openStore(beforeWrite?: (operation: WriteOperation) => void): RunStore {
  dir = tempDir();
  store = RunStore.open(path.join(dir, 'store'), beforeWrite ? { testHooks: { beforeWrite } } : {});
  return store;
}

/** A sweep over the shared pool; `on` sees every event with the run. */
function sweep(spec: unknown, options: Partial<SweepRunOptions> & { on?: (event: SweepEvent, run: SweepRun) => void } = {}) {
  const s = store ?? openStore();
  const sweepId = addSweep(s, spec, dir);
  const events: SweepEvent[] = [];
  const run: SweepRun = new SweepRun({
    store: s,
    sweepId,
    pool,
    concurrency: 2,
    ...options,
    onEvent: (event) => {
      events.push(event);
      options.on?.(event, run);
    },
  });
  return { run, events, sweepId };
}

const isProgressOf = (event: SweepEvent, index: number): event is Extract<SweepEvent, { type: 'progress' }> =>
  event.type === 'progress' && event.trial.index === index;

describe('a sweep on two trial processes', () => {
  it('runs every trial, records each in the store, ranks them, and reuses the processes', async () => {
    openStore();
    let running = 0;
    let most = 0;
    const { run, sweepId } = sweep(
      { name: 'hidden', base: smallBase(300, 100), parameters: { 'model.hidden': [[1], [2], [3], [4]] } },
      {
        on: (event) => {
          if (event.type !== 'trial') return;
          running = run.trials.filter((t) => t.status === 'queued' || t.status === 'running').length;
          most = Math.max(most, running);
        },
      },
    );
    const outcome = await run.run();
    expect(outcome.status).toBe('completed');
    expect(outcome.trials.map((t) => t.status)).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(most).toBe(2);
    expect(pool.processesStarted).toBe(2);

    const runs = store.listRuns({ sweepId });
    expect(runs).toHaveLength(4);
    for (const t of outcome.trials) {
      const detail = store.getRun(t.runId!);
      expect(detail.status).toBe('completed');
      expect(detail.name).toBe(`hidden: hidden=[${t.index + 1}]`);
      expect(JSON.parse(detail.config).model.hidden).toEqual([t.index + 1]);
      expect(store.history(t.runId!, 'train_cost').map((p) => p.step)).toEqual([0, 100, 200, 299]);
      expect(detail.weights?.format).toBe('layerlab-model-json');
      expect(t.final!.train_cost).toBeCloseTo(detail.metrics.train_cost.value, 1);
    }
    expect(store.getSweep(sweepId).status).toBe('completed');
    const costs = run.ranked().map((t) => t.final!.train_cost);
    expect(costs).toEqual([...costs].sort((a, b) => a - b));
    expect(warnings).toEqual([]);
  });

  it('streams progress in batches of at most 10 messages a second (DEFAULT_BATCH_MS), and loses no entry', async () => {
    openStore();
    // A fast trial that logs every iteration: thousands of entries a second.
    const { run, events } = sweep({ base: smallBase(20_000, 1), parameters: { 'model.hidden': [[2]] } });
    const outcome = await run.run();
    const trial = outcome.trials[0];
    expect(trial.status).toBe('completed');
    const messages = events.filter((e) => e.type === 'progress').length;
    const runId = trial.runId!;
    const elapsedMs = trial.finishedAt! - trial.startedAt!;
    expect(store.history(runId, 'train_cost')).toHaveLength(20_000);
    // One message per DEFAULT_BATCH_MS of training, plus the first and the final one.
    expect(DEFAULT_BATCH_MS).toBe(100);
    expect(messages).toBeGreaterThanOrEqual(2);
    expect(messages).toBeLessThanOrEqual(elapsedMs / DEFAULT_BATCH_MS + 3);
  });

  it('asks for progress every 10 steps until a trial has run, then about every 5 ms at its pace', async () => {
    const hosts = inProcessHosts();
    const asked: number[] = [];
    const recordingHosts: typeof hosts = ((events) => {
      const host = hosts(events);
      return { ...host, pid: host.pid, send: (m) => (m.type === 'run' && asked.push(m.progressEvery), host.send(m)) };
    }) as typeof hosts;
    const own = new TrialPool({ hosts: recordingHosts, size: 1 });
    try {
      openStore();
      // Long enough for a trial to yield (every 50 ms), so that the driver hears of its start
      // before its end: in one thread, a trial of a few ms is started and ended in one turn.
      const steps = 60_000;
      const { run } = sweep({ base: smallBase(steps, 10_000), parameters: { 'model.hidden': [[2], [3], [4]] } }, { pool: own, concurrency: 1 });
      const outcome = await run.run();
      expect(outcome.trials.map((t) => t.status)).toEqual(['completed', 'completed', 'completed']);
      expect(asked).toHaveLength(3);
      expect(asked[0]).toBe(FIRST_PROGRESS_EVERY);
      // The pace of the trial before: its steps over its time from start to end (the driver
      // takes the end a little before it records finishedAt, so its pace is not slower).
      const [first] = outcome.trials;
      const pace = steps / (first.finishedAt! - first.startedAt!);
      expect(asked[1]).toBeGreaterThanOrEqual(Math.floor(pace * PROGRESS_TARGET_MS));
      for (const every of asked.slice(1)) expect(every).toBeGreaterThan(FIRST_PROGRESS_EVERY);
    } finally {
      await own.close();
    }
  });

  it('turns a pace into steps between progress reports', () => {
    expect(progressEveryAt(null)).toBe(FIRST_PROGRESS_EVERY);
    expect(progressEveryAt(Number.NaN)).toBe(FIRST_PROGRESS_EVERY);
    // 64 steps a ms: 320 steps in 5 ms.
    expect(progressEveryAt(64)).toBe(320);
    // Slower than a step per 5 ms: every step; absurdly fast: at most every 10,000.
    expect(progressEveryAt(0.01)).toBe(1);
    expect(progressEveryAt(1e9)).toBe(10_000);
  });

  it('writes the history of all running trials once a second in one transaction each, and loses no point', async () => {
    let writes = 0;
    openStore((operation) => {
      if (operation === 'appendMetrics') writes++;
    });
    const started = Date.now();
    const { run, events } = sweep({ base: smallBase(20_000, 1), parameters: { 'model.hidden': [[2], [3]] } });
    const outcome = await run.run();
    const elapsedMs = Date.now() - started;
    expect(outcome.trials.map((t) => t.status)).toEqual(['completed', 'completed']);
    for (const t of outcome.trials) {
      expect(store.history(t.runId!, 'train_cost').map((p) => p.step)).toEqual(Array.from({ length: 20_000 }, (_, i) => i));
    }
    const messages = events.filter((e) => e.type === 'progress').length;
    // One write per DEFAULT_HISTORY_FLUSH_MS at most, plus one as each trial ends; far fewer
    // than the messages.
    expect(writes).toBeGreaterThanOrEqual(2);
    expect(writes).toBeLessThanOrEqual(elapsedMs / DEFAULT_HISTORY_FLUSH_MS + 2 + 1);
    expect(writes).toBeLessThan(messages / 2);
  });

  it('fails the sweep, cancelling its trials, when the store cannot take their history', async () => {
    let writes = 0;
    openStore((operation) => {
      if (operation === 'appendMetrics' && ++writes === 3) throw new Database.SqliteError('database or disk is full', 'SQLITE_FULL');
    });
    const { run, sweepId, events } = sweep({ base: smallBase(5_000_000, 100), parameters: { 'model.hidden': [[1], [2], [3]] } });
    const outcome = await run.run();
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatch(/^the store could not be written: .*database or disk is full/);
    expect(store.getSweep(sweepId).status).toBe('failed');
    // The running trials were cancelled, and the store marked the runs whose points it could
    // not write failed; the third trial never ran.
    expect(outcome.trials.map((t) => t.status)).toEqual(['cancelled', 'cancelled', 'pending']);
    const runs = outcome.trials.slice(0, 2).map((t) => store.getRun(t.runId!));
    expect(runs.every((r) => r.status === 'failed' || r.status === 'cancelled')).toBe(true);
    expect(runs.filter((r) => r.status === 'failed').map((r) => r.error)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^the store could not be written: .*database or disk is full/)]),
    );
    expect(events.some((e) => e.type === 'warning' && /the store failed/.test(e.message))).toBe(true);
  });

  it('cancels one trial; the others go on', async () => {
    openStore();
    const { run } = sweep(
      { base: smallBase(300, 100), parameters: { 'train.iterations': [300, 5_000_000, 301] } },
      { on: (event, r) => isProgressOf(event, 1) && r.cancelTrial(1) },
    );
    const outcome = await run.run();
    expect(outcome.status).toBe('completed');
    expect(outcome.trials.map((t) => t.status)).toEqual(['completed', 'cancelled', 'completed']);
    expect(outcome.trials[1].reason).toBe('cancelled by request');
    expect(store.getRun(outcome.trials[1].runId!).status).toBe('cancelled');
  });

  it('cancels a whole sweep: running trials end cancelled, the rest never run', async () => {
    openStore();
    const seen = new Set<number>();
    const { run, sweepId } = sweep(
      { base: smallBase(5_000_000, 1000), parameters: { 'model.hidden': [[1], [2], [3], [4]] } },
      {
        on: (event, r) => {
          if (event.type === 'progress') seen.add(event.trial.index);
          if (seen.size === 2 && !r.isStopping) r.cancel();
        },
      },
    );
    const outcome = await run.run();
    expect(outcome.status).toBe('cancelled');
    expect(outcome.trials.map((t) => t.status)).toEqual(['cancelled', 'cancelled', 'pending', 'pending']);
    expect(outcome.trials[0].reason).toBe('cancelled with the sweep');
    expect(store.listRuns({ sweepId })).toHaveLength(2);
    expect(store.getSweep(sweepId)).toMatchObject({ status: 'cancelled', error: 'cancelled with the sweep' });
  });

  it('pauses (running trials finish, none starts) and resumes', async () => {
    openStore();
    const { run, sweepId } = sweep({ base: smallBase(300, 100), parameters: { 'model.hidden': [[1], [2], [3]] } });
    const done = run.run();
    run.pause();
    await until(() => run.trials.filter((t) => t.status === 'completed').length === 2);
    await new Promise((r) => setTimeout(r, 300));
    expect(run.trials[2].status).toBe('pending');
    expect(store.listRuns({ sweepId })).toHaveLength(2);
    expect(store.getSweep(sweepId).status).toBe('running');
    run.resume();
    const outcome = await done;
    expect(outcome.status).toBe('completed');
    expect(outcome.trials.map((t) => t.status)).toEqual(['completed', 'completed', 'completed']);
  });

  it('fails a trial whose process is killed (SIGKILL), goes on with the others, and replaces the process', async () => {
    openStore();
    const before = pool.processesStarted;
    let killed: number | null = null;
    const { run } = sweep(
      { base: smallBase(300, 100), parameters: { 'train.iterations': [5_000_000, 300, 301, 302] } },
      {
        on: (event) => {
          if (isProgressOf(event, 0) && killed === null && event.trial.pid && event.trial.progress!.step >= 2000) {
            killed = event.trial.pid;
            process.kill(killed, 'SIGKILL');
          }
        },
      },
    );
    const outcome = await run.run();
    expect(outcome.status).toBe('completed');
    expect(outcome.trials.map((t) => t.status)).toEqual(['failed', 'completed', 'completed', 'completed']);
    expect(outcome.trials[0].reason).toBe('the trial process was killed by SIGKILL');
    const stored = store.getRun(outcome.trials[0].runId!);
    expect(stored).toMatchObject({ status: 'failed', error: 'the trial process was killed by SIGKILL' });
    expect(store.history(stored.id, 'train_cost').length).toBeGreaterThan(0);
    expect(pool.pids()).not.toContain(killed);

    // The pool is whole again: two trials run side by side on a new process and an old one.
    const again = sweep({ base: smallBase(300, 100), parameters: { 'model.hidden': [[5], [6]] } });
    expect((await again.run.run()).trials.map((t) => t.status)).toEqual(['completed', 'completed']);
    expect(pool.processesStarted).toBe(before + 1);
    expect(pool.pids()).toHaveLength(2);
  });

  it('fails a trial that raises in the core with its message, and stops after max_failures', async () => {
    openStore();
    const missing = { x: { file: 'missing-x.npy' }, y: { file: 'missing-y.npy' } };
    const good = smallBase().data.train;
    const { run, sweepId } = sweep(
      { base: smallBase(300, 100), parameters: { 'data.train': [missing, good, { ...missing, examples_axis: 0 }, { ...missing, scale: 2 }] }, max_failures: 2 },
      { concurrency: 1 },
    );
    const outcome = await run.run();
    expect(outcome.status).toBe('failed');
    expect(outcome.trials.map((t) => t.status)).toEqual(['failed', 'completed', 'failed', 'pending']);
    expect(outcome.trials[0].reason).toBe(`data.train.x: no such file: ${path.join(dir, 'missing-x.npy')}`);
    expect(outcome.error).toMatch(/^stopped after 2 failed trials \(max_failures 2\); the last: trial 2: data.train.x: no such file/);
    expect(store.getSweep(sweepId)).toMatchObject({ status: 'failed', error: outcome.error });
  });

  it('fails a sweep whose every trial failed, without max_failures, naming the first reason', async () => {
    openStore();
    const missing = { x: { file: 'missing-x.npy' }, y: { file: 'missing-y.npy' } };
    const { run, sweepId } = sweep({ base: smallBase(300, 100), parameters: { 'data.train': [missing, { ...missing, scale: 2 }] } }, { concurrency: 1 });
    const outcome = await run.run();
    expect(outcome.trials.map((t) => t.status)).toEqual(['failed', 'failed']);
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toBe(`every trial failed; the first: trial 0: data.train.x: no such file: ${path.join(dir, 'missing-x.npy')}`);
    expect(store.getSweep(sweepId)).toMatchObject({ status: 'failed', error: outcome.error });
  });

  it('interrupts (Ctrl-C): running trials are recorded as interrupted and run again on resume', async () => {
    openStore();
    const spec = { base: smallBase(5_000_000, 1000), parameters: { 'model.hidden': [[1], [2], [3]] } };
    const seen = new Set<number>();
    const { run, sweepId } = sweep(spec, {
      on: (event, r) => {
        if (event.type === 'progress') seen.add(event.trial.index);
        if (seen.size === 2 && !r.isStopping) r.interrupt('the sweep was interrupted (Ctrl-C)');
      },
    });
    const outcome = await run.run();
    expect(outcome.status).toBe('interrupted');
    expect(outcome.trials.map((t) => t.status)).toEqual(['interrupted', 'interrupted', 'pending']);
    const first = outcome.trials.map((t) => t.runId);
    expect(store.getRun(first[0]!)).toMatchObject({ status: 'interrupted', error: 'the sweep was interrupted (Ctrl-C)' });
    expect(store.getSweep(sweepId).status).toBe('interrupted');

    // Resume with shorter trials: a new SweepRun sees two interrupted trials and one never run.
    const again = new SweepRun({ store, sweepId, pool, concurrency: 2 });
    expect(again.remaining).toBe(3);
    expect(again.trials.map((t) => t.earlierRuns)).toEqual([[first[0]], [first[1]], []]);
    // (Cancel them at once: what matters here is which trials it runs.)
    const resumed = again.run();
    again.cancel();
    expect((await resumed).status).toBe('cancelled');
    expect(store.listRuns({ sweepId })).toHaveLength(4);
  });

  it('stops a poor trial early (ASHA), recorded as stopped with its history', async () => {
    openStore();
    const { run } = sweep(
      {
        base: smallBase(40_000, 100),
        parameters: { 'train.learning_rate': [1.2, 0.0001] },
        early_stopping: { rule: 'asha', grace_period: 1000, reduction_factor: 2 },
      },
      { concurrency: 1 },
    );
    const outcome = await run.run();
    expect(outcome.trials.map((t) => t.status)).toEqual(['completed', 'stopped']);
    const stopped = outcome.trials[1];
    expect(stopped.reason).toMatch(/^ASHA: train_cost 0.69\d* at step 1000 is not in the best 1\/2 of the 2 trials at the rung of step 1000/);
    const steps = store.history(stopped.runId!, 'train_cost').map((p) => p.step);
    expect(steps).toContain(1000);
    expect(steps[steps.length - 1]).toBeLessThan(39_999);
    expect(stopped.final).not.toBeNull();
    expect(store.getRun(stopped.runId!).weights).not.toBeNull();
  });
});

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('sweeps sharing a pool', () => {
  it('wait for room the other sweep leaves, and all finish', async () => {
    const s = openStore();
    const shared = new TrialPool({ hosts: inProcessHosts(), size: 1 });
    const runs = [0, 1].map((k) => new SweepRun({ store: s, sweepId: addSweep(s, { name: `s${k}`, base: smallBase(100, 50), parameters: { 'model.hidden': [[k + 1], [k + 3]] } }, dir), pool: shared }));
    const outcomes = await Promise.all(runs.map((r) => r.run()));
    expect(outcomes.map((o) => o.trials.map((t) => t.status))).toEqual([['completed', 'completed'], ['completed', 'completed']]);
    await shared.close();
  });

  it('run one after another on the same warm processes, which the pool keeps between them', async () => {
    const s = openStore();
    const hosts = inProcessHosts();
    const shared = new TrialPool({ hosts, size: 2, idleMs: 60_000 });
    const pids: number[][] = [];
    for (const k of [0, 1]) {
      const run = new SweepRun({ store: s, sweepId: addSweep(s, { name: `w${k}`, base: smallBase(100, 50), parameters: { 'model.hidden': [[k + 1], [k + 3], [k + 5]] } }, dir), pool: shared });
      const outcome = await run.run();
      expect(outcome.trials.map((t) => t.status)).toEqual(['completed', 'completed', 'completed']);
      pids.push(shared.pids().sort());
    }
    expect(hosts.started).toBe(2);
    expect(pids[1]).toEqual(pids[0]);
    await shared.close();
    expect(shared.pids()).toEqual([]);
  });
});

describe('a trial that runs out of memory', () => {
  it('fails with the reason, and the sweep goes on', async () => {
    const s = openStore();
    // A heap limit that a trial keeping every step of a long history soon reaches.
    const spec = {
      base: { data: { train: { generator: 'planar', m: 10, seed: 1 } }, model: { hidden: [2] }, train: { learning_rate: 0.1, iterations: 100_000_000, log_every: 1 } },
      parameters: { 'train.iterations': [100_000_000, 100] },
    };
    const run = new SweepRun({ store: s, sweepId: addSweep(s, spec, dir), hosts: forkHosts({ memoryLimitMb: 36 }), concurrency: 2, batchMs: null });
    const outcome = await run.run();
    expect(outcome.status).toBe('completed');
    expect(outcome.trials.map((t) => t.status)).toEqual(['failed', 'completed']);
    // V8 words its last line three ways ("Reached heap limit", "Ineffective mark-compacts
    // near heap limit", "CALL_AND_RETRY_LAST"), depending on how the last collections and
    // the failed allocation went (the last one seen once in a full run under load).
    expect(outcome.trials[0].reason).toMatch(
      /^the trial process ran out of memory and was killed by SIGABRT: FATAL ERROR: .*Allocation failed - JavaScript heap out of memory$/,
    );
    expect(store.getRun(outcome.trials[0].runId!).error).toBe(outcome.trials[0].reason);
  });
});

describe('cancelling a trial that has not started', () => {
  it('records it as cancelled without running it, and resume leaves it so', async () => {
    const s = openStore();
    const sweepId = addSweep(s, { base: smallBase(100, 50), parameters: { 'model.hidden': [[1], [2]] } }, dir);
    const run = new SweepRun({ store: s, sweepId, hosts: inProcessHosts(), concurrency: 1 });
    run.cancelTrial(1);
    const outcome = await run.run();
    expect(outcome.trials.map((t) => [t.status, t.reason])).toEqual([['completed', null], ['cancelled', 'cancelled by request before it started']]);
    expect(s.getRun(outcome.trials[1].runId!)).toMatchObject({ status: 'cancelled', startedAt: null });
    expect(new SweepRun({ store: s, sweepId, hosts: inProcessHosts() }).remaining).toBe(0);
  });
});

describe('matching stored runs to trials', () => {
  it('matches a run recorded before the run config gained a field (its default fills in)', () => {
    const s = openStore();
    const sweepId = addSweep(s, { base: smallBase(100, 50), parameters: { 'model.hidden': [[1], [2]] } }, dir);
    const first = new SweepRun({ store: s, sweepId, hosts: inProcessHosts() });
    // As an older Layerlab would have stored it: without fields that have defaults now.
    const old = JSON.parse(JSON.stringify(first.trials[0].config));
    delete old.precision;
    delete old.train.l2;
    delete old.model.leaky_slope;
    const runId = s.createRun({ name: 'old', config: JSON.stringify(old), sweepId });
    s.startRun(runId);
    s.finishRun(runId, 'completed');
    const again = new SweepRun({ store: s, sweepId, hosts: inProcessHosts() });
    expect(again.trials.map((t) => [t.status, t.runId])).toEqual([['completed', runId], ['pending', null]]);
    expect(again.remaining).toBe(1);
  });
});

describe('when the history of a running trial is written', () => {
  /** One trial process played by the test: what the driver sends it, and a way to answer. */
  function scriptedProcess() {
    const sent: RunRequest[] = [];
    let events!: TrialHostEvents;
    const pool = new TrialPool({
      size: 1,
      hosts: (e) => {
        events = e;
        setImmediate(() => e.message({ type: 'ready', pid: 4242 }));
        return { pid: 4242, send: (m) => (m.type === 'run' && sent.push(m), true), kill: () => {} };
      },
    });
    return { pool, sent, say: (message: unknown) => events.message(message) };
  }

  it('within DEFAULT_HISTORY_FLUSH_MS of its arrival, and all of it before the trial ends', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const s = openStore();
      const { pool: own, sent, say } = scriptedProcess();
      const { run } = sweep({ base: smallBase(1000, 100), parameters: { 'model.hidden': [[2]] } }, { pool: own, concurrency: 1 });
      const outcome = run.run();
      await new Promise((r) => setImmediate(r));
      expect(sent).toHaveLength(1);
      const runId = sent[0].runId;
      const points = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({ step: (from + i) * 100, key: 'train_cost', value: 1 / (from + i + 1) }));
      const stored = () => s.history(runId, 'train_cost').map((p) => p.step);
      say({ type: 'started', runId });
      say({ type: 'progress', runId, points: points(0, 3), progress: null });
      vi.advanceTimersByTime(DEFAULT_HISTORY_FLUSH_MS - 1);
      say({ type: 'progress', runId, points: points(3, 5), progress: null });
      // Buffered so far: a driver killed now loses these points (its run is interrupted and run again).
      expect(stored()).toEqual([]);
      vi.advanceTimersByTime(1);
      expect(stored()).toEqual([0, 100, 200, 300, 400]);
      say({ type: 'progress', runId, points: points(5, 10), progress: null });
      expect(stored()).toHaveLength(5);
      // The end writes what is left first, so a finished trial is never missing a point.
      say({ type: 'finished', runId, status: 'completed', summary: '{}' });
      expect(s.getRunStatus(runId)).toBe('completed');
      expect(stored()).toEqual(points(0, 10).map((p) => p.step));
      expect((await outcome).trials[0].status).toBe('completed');
    } finally {
      vi.useRealTimers();
    }
  });
});
