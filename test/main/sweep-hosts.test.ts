/**
 * The sweep's process plumbing without processes: the message protocol, progress batching,
 * the pool's bookkeeping over fake and in-process hosts, and the utilityProcess adapter
 * with a fake Electron.
 */
import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { checkFromTrial, checkToTrial, FromTrialSchema, isProgressMessage, type FromTrial, type ToTrial } from '../../src-main/sweep/messages';
import { type TrialCallbacks, TrialPool } from '../../src-main/sweep/pool';
import { describeExit, type TrialHostEvents, type TrialHostFactory } from '../../src-main/sweep/trial-host';
import { MessagingRecorder } from '../../src-main/sweep/trial-recorder';
import { type UtilityProcessLike, utilityHosts } from '../../src-main/sweep/utility-host';
import { inProcessHosts, smallBase } from '../fixtures/sweep/helpers';
import { parseRunConfig } from '../../src-core/config';

function config(iterations = 200, logEvery = 50) {
  const result = parseRunConfig(smallBase(iterations, logEvery));
  if (!result.ok) throw new Error('bad config');
  return result.config;
}

function runRequest(runId: string, overrides: Partial<Extract<ToTrial, { type: 'run' }>> = {}): Extract<ToTrial, { type: 'run' }> {
  return { type: 'run', runId, config: config(), batchMs: 50, progressEvery: 10, ...overrides };
}

/** Callbacks that record what happened, and a promise of the end. */
function recording() {
  const log: string[] = [];
  let resolve!: (how: string) => void;
  const ended = new Promise<string>((r) => (resolve = r));
  const callbacks: TrialCallbacks = {
    started: () => log.push('started'),
    progress: (m) => log.push(`progress ${m.points.length}`),
    weights: (_b, format) => log.push(`weights ${format}`),
    finished: (m) => {
      log.push(`finished ${m.status}`);
      resolve(`finished ${m.status}${m.error ? `: ${m.error}` : ''}`);
    },
    crashed: (reason) => {
      log.push('crashed');
      resolve(`crashed: ${reason}`);
    },
  };
  return { log, callbacks, ended };
}

describe('the message protocol', () => {
  it('accepts what the two sides send, NaN and Infinity included', () => {
    const progress: FromTrial = {
      type: 'progress',
      runId: 'r1',
      points: [{ step: 3, key: 'train_cost', value: NaN }, { step: 4, key: 'train_cost', value: Infinity }],
      progress: { step: 4, totalSteps: 10, cost: Infinity, elapsedMs: 3 },
    };
    expect(checkFromTrial(progress)).toEqual({ ok: true, message: progress });
    expect(checkFromTrial({ type: 'weights', runId: 'r', format: 'f', bytes: new Uint8Array(3) }).ok).toBe(true);
    expect(checkToTrial(runRequest('r1')).ok).toBe(true);
    expect(checkToTrial({ type: 'stop', runId: 'r1', reason: 'median rule' }).ok).toBe(true);
  });

  it('describes what is wrong with a malformed message, with paths', () => {
    expect(checkFromTrial({ type: 'progress', runId: 'r1', points: [{ step: -1, key: 'c', value: 'x' }], progress: null })).toEqual({
      ok: false,
      problem: "a 'progress' message that does not fit the protocol: points[0].step: must be >= 0; points[0].value: must be a number",
    });
    expect(checkFromTrial('hello')).toMatchObject({ ok: false, problem: expect.stringMatching(/^a message that does not fit the protocol/) });
    expect(checkFromTrial({ type: 'explode' })).toMatchObject({ ok: false, problem: expect.stringContaining("'explode'") });
    expect(checkToTrial({ type: 'run', runId: '', config: {}, batchMs: -1, progressEvery: 0 })).toMatchObject({ ok: false });
    expect(checkFromTrial({ type: 'weights', runId: 'r', format: 'f', bytes: [1, 2] })).toMatchObject({ ok: false, problem: expect.stringContaining('bytes: must be bytes') });
  });
});

describe('the fast check of progress messages', () => {
  it('accepts exactly the progress messages the schema accepts', () => {
    const good = () => ({
      type: 'progress',
      runId: 'r1',
      points: [{ step: 3, key: 'train_cost', value: NaN }, { step: 4, key: 'test_cost', value: -Infinity }],
      progress: { step: 4, totalSteps: 10, cost: Infinity, elapsedMs: 3.5 } as Record<string, unknown> | null,
    });
    // One change at a time to a good message; the schema (zod) is the judge.
    const changes: [string, (m: ReturnType<typeof good> & Record<string, unknown>) => void][] = [
      ['as it is', () => {}],
      ['no points', (m) => (m.points = [])],
      ['no progress', (m) => (m.progress = null)],
      ['an extra field', (m) => (m.extra = 1)],
      ['an extra point field', (m) => Object.assign(m.points[0], { note: 'x' })],
      ['a point without its value', (m) => delete (m.points[0] as Partial<(typeof m.points)[0]>).value],
      ['a string value', (m) => ((m.points[0] as Record<string, unknown>).value = '0.5')],
      ['a fractional step', (m) => (m.points[1].step = 4.5)],
      ['a negative step', (m) => (m.points[1].step = -1)],
      ['an unsafe step', (m) => (m.points[1].step = 2 ** 53)],
      ['an empty key', (m) => (m.points[0].key = '')],
      ['a long key', (m) => (m.points[0].key = 'k'.repeat(201))],
      ['a key of 200', (m) => (m.points[0].key = 'k'.repeat(200))],
      ['a point that is not an object', (m) => ((m.points as unknown[])[0] = [3, 'train_cost', 1])],
      ['points not an array', (m) => ((m as Record<string, unknown>).points = { 0: m.points[0] })],
      ['an empty run id', (m) => (m.runId = '')],
      ['a long run id', (m) => (m.runId = 'r'.repeat(65))],
      ['progress without elapsedMs', (m) => delete m.progress!.elapsedMs],
      ['progress with an extra field', (m) => (m.progress!.eta = 1)],
      ['infinite elapsedMs', (m) => (m.progress!.elapsedMs = Infinity)],
      ['negative elapsedMs', (m) => (m.progress!.elapsedMs = -1)],
      ['NaN totalSteps', (m) => (m.progress!.totalSteps = NaN)],
      ['a string cost', (m) => (m.progress!.cost = 'high')],
      ['another type', (m) => (m.type = 'started')],
    ];
    for (const [what, change] of changes) {
      const message = good() as ReturnType<typeof good> & Record<string, unknown>;
      change(message);
      const schema = FromTrialSchema.safeParse(message).success;
      expect(isProgressMessage(message), what).toBe(schema && message.type === 'progress');
      expect(checkFromTrial(message).ok, what).toBe(schema);
    }
  });
});

describe('progress batching in the trial process', () => {
  it('sends at most one progress message per 50 ms, whatever the rate, and everything at the end', () => {
    let now = 0;
    const sent: FromTrial[] = [];
    const recorder = new MessagingRecorder((m) => sent.push(m), 50, () => now);
    recorder.startRun('r');
    // 100,000 steps over one simulated second, a history entry every 10 steps.
    for (let step = 0; step < 100_000; step++) {
      now = step / 100;
      recorder.progress({ step, totalSteps: 100_000, cost: 1 / (step + 1), elapsedMs: now });
      if (step % 10 === 0) recorder.appendMetrics('r', [{ step, key: 'train_cost', value: 1 / (step + 1) }]);
    }
    recorder.finishRun('r', 'completed', { summary: '{}' });
    const progress = sent.filter((m) => m.type === 'progress');
    expect(progress.length).toBeGreaterThanOrEqual(19);
    expect(progress.length).toBeLessThanOrEqual(22);
    const points = progress.flatMap((m) => (m.type === 'progress' ? m.points : []));
    expect(points.map((p) => p.step)).toEqual(Array.from({ length: 10_000 }, (_, i) => i * 10));
    const last = progress[progress.length - 1];
    expect(last.type === 'progress' && last.progress?.step).toBe(99_999);
    expect(sent[sent.length - 1].type).toBe('finished');
    vi.useRealTimers();
  });

  it('by default sends at most 10 progress messages a second', () => {
    let now = 0;
    const sent: FromTrial[] = [];
    const recorder = new MessagingRecorder((m) => sent.push(m), undefined, () => now);
    recorder.startRun('r');
    for (let step = 0; step < 100_000; step++) {
      now = step / 100;
      recorder.progress({ step, totalSteps: 100_000, cost: 1, elapsedMs: now });
    }
    recorder.flush();
    const progress = sent.filter((m) => m.type === 'progress').length;
    expect(progress).toBeGreaterThanOrEqual(9);
    expect(progress).toBeLessThanOrEqual(11);
  });

  it('with batchMs null, sends the history only with the end', () => {
    const sent: FromTrial[] = [];
    const recorder = new MessagingRecorder((m) => sent.push(m), null);
    recorder.startRun('r');
    for (let i = 0; i < 100; i++) recorder.appendMetrics('r', [{ step: i, key: 'train_cost', value: i }]);
    expect(sent.map((m) => m.type)).toEqual(['started']);
    recorder.saveWeights('r', new Uint8Array(4), 'layerlab-model-json');
    recorder.finishRun('r', 'completed');
    expect(sent.map((m) => m.type)).toEqual(['started', 'progress', 'weights', 'finished']);
  });
});

describe('describeExit', () => {
  it('names the signal or code and the last line of stderr, and recognises running out of memory', () => {
    expect(describeExit({ code: null, signal: 'SIGKILL', stderr: '' })).toBe('the trial process was killed by SIGKILL');
    expect(describeExit({ code: 1, signal: null, stderr: 'Error: boom\n    at x (y.ts:1:2)\n' })).toBe('the trial process exited with code 1: Error: boom');
    const oom = '<--- Last few GCs --->\n[123:0x5]  1 ms: Mark-Compact\nFATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n----- Native stack trace -----\n 1: 0xb8 node::Abort()\n';
    expect(describeExit({ code: null, signal: 'SIGABRT', stderr: oom })).toBe(
      'the trial process ran out of memory and was killed by SIGABRT: FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory',
    );
  });
});

/** A host that never answers on its own: the test plays the process. */
function scriptedHosts() {
  const hosts: { events: TrialHostEvents; sent: ToTrial[]; killed: boolean; pid: number }[] = [];
  const factory: TrialHostFactory = (events) => {
    const host = { events, sent: [] as ToTrial[], killed: false, pid: 1000 + hosts.length };
    hosts.push(host);
    return {
      pid: host.pid,
      send: (m) => {
        host.sent.push(m);
        return !host.killed;
      },
      kill: () => {
        host.killed = true;
        setImmediate(() => events.exit({ code: null, signal: 'SIGKILL', stderr: '' }));
      },
    };
  };
  return { hosts, factory };
}

describe('the trial pool', () => {
  it('runs one trial per process at a time and reuses processes', async () => {
    const hosts = inProcessHosts();
    const pool = new TrialPool({ hosts, size: 2 });
    for (let round = 0; round < 2; round++) {
      const a = recording();
      const b = recording();
      pool.start(runRequest(`a${round}`), a.callbacks);
      pool.start(runRequest(`b${round}`), b.callbacks);
      expect(pool.hasRoom).toBe(false);
      expect(() => pool.start(runRequest('c'), recording().callbacks)).toThrow(/full/);
      expect(await a.ended).toBe('finished completed');
      expect(await b.ended).toBe('finished completed');
      expect(a.log[0]).toBe('started');
      expect(a.log.slice(-2)).toEqual(['weights layerlab-model-json', 'finished completed']);
    }
    expect(hosts.started).toBe(2);
    await pool.close();
  });

  it('waits for a new process to be ready before sending it a trial', async () => {
    const { hosts, factory } = scriptedHosts();
    const pool = new TrialPool({ hosts: factory, size: 1 });
    const r = recording();
    pool.start(runRequest('r1'), r.callbacks);
    expect(hosts[0].sent).toEqual([]);
    hosts[0].events.message({ type: 'ready', pid: 1000 });
    expect(hosts[0].sent.map((m) => m.type)).toEqual(['run']);
    hosts[0].events.message({ type: 'started', runId: 'r1' });
    hosts[0].events.message({ type: 'finished', runId: 'r1', status: 'completed' });
    expect(await r.ended).toBe('finished completed');
  });

  it('reports malformed messages and messages for other runs, and goes on', async () => {
    const warnings: string[] = [];
    const { hosts, factory } = scriptedHosts();
    const pool = new TrialPool({ hosts: factory, size: 1, onWarning: (w) => warnings.push(w) });
    const r = recording();
    pool.start(runRequest('r1'), r.callbacks);
    const host = hosts[0];
    host.events.message({ type: 'ready', pid: 1000 });
    host.events.message({ type: 'started', runId: 'r1' });
    host.events.message({ type: 'progress', runId: 'r1', points: 'lots', progress: null });
    host.events.message(42);
    host.events.message({ type: 'finished', runId: 'other', status: 'completed' });
    host.events.message({ type: 'malformed', problem: 'process 1000 received a message that does not fit' });
    host.events.message({ type: 'finished', runId: 'r1', status: 'completed' });
    expect(await r.ended).toBe('finished completed');
    expect(warnings).toEqual([
      "trial process 1000 sent a 'progress' message that does not fit the protocol: points: must be a list (JSON array); got \"lots\"; ignored",
      'trial process 1000 sent a message that does not fit the protocol: must be an object; got 42; ignored',
      "trial process 1000 sent a 'finished' message for run other, which it is not running; ignored",
      'trial process 1000 could not use a message from the driver: process 1000 received a message that does not fit',
    ]);
  });

  it('fails the trial of a process that dies, and starts a new process for the next', async () => {
    const { hosts, factory } = scriptedHosts();
    const pool = new TrialPool({ hosts: factory, size: 1 });
    const r = recording();
    pool.start(runRequest('r1'), r.callbacks);
    hosts[0].events.message({ type: 'ready', pid: 1000 });
    hosts[0].events.exit({ code: null, signal: 'SIGKILL', stderr: '' });
    expect(await r.ended).toBe('crashed: the trial process was killed by SIGKILL');
    expect(pool.hasRoom).toBe(true);
    pool.start(runRequest('r2'), recording().callbacks);
    expect(hosts).toHaveLength(2);
    expect(pool.processesStarted).toBe(2);
  });

  it('cancels a trial not yet sent at once, and kills a process that ignores a cancel', async () => {
    const { hosts, factory } = scriptedHosts();
    const pool = new TrialPool({ hosts: factory, size: 1, cancelGraceMs: 20 });
    const early = recording();
    pool.start(runRequest('r1'), early.callbacks).cancel();
    expect(await early.ended).toBe('finished cancelled: cancelled before it started');
    const stuck = recording();
    const handle = pool.start(runRequest('r2'), stuck.callbacks);
    hosts[0].events.message({ type: 'ready', pid: 1000 });
    handle.cancel();
    expect(hosts[0].sent.map((m) => m.type)).toEqual(['run', 'cancel']);
    expect(await stuck.ended).toBe('crashed: the trial process was killed by SIGKILL');
    expect(hosts[0].killed).toBe(true);
  });

  it('has the trial process report a message it cannot use, and go on', async () => {
    const warnings: string[] = [];
    const pool = new TrialPool({ hosts: inProcessHosts(), size: 1, onWarning: (w) => warnings.push(w) });
    const r = recording();
    const handle = pool.start(runRequest('r1', { config: config(20_000, 1000) }), r.callbacks);
    // A stop for another run is ignored; a malformed cancel is reported back.
    handle.stop('not this one');
    (pool as unknown as { workers: Set<{ host: { send(m: unknown): boolean } }> }).workers.forEach((w) => w.host.send({ type: 'cancel' }));
    expect(await r.ended).toBe('finished completed');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^trial process \d+ could not use a message from the driver: process \d+ received a 'cancel' message that does not fit the protocol: runId: is required$/);
    await pool.close();
  });

  it('keeps an idle process for idleMs and reuses it meanwhile, then shuts it down without a warning', () => {
    vi.useFakeTimers();
    try {
      const warnings: string[] = [];
      const { hosts, factory } = scriptedHosts();
      const pool = new TrialPool({ hosts: factory, size: 1, idleMs: 1000, onWarning: (w) => warnings.push(w) });
      const sent = () => hosts[0].sent.map((m) => m.type);
      const run = (runId: string) => {
        hosts[0].events.message({ type: 'started', runId });
        hosts[0].events.message({ type: 'finished', runId, status: 'completed' });
      };
      pool.start(runRequest('r1'), recording().callbacks);
      hosts[0].events.message({ type: 'ready', pid: 1000 });
      run('r1');
      vi.advanceTimersByTime(999);
      // Within idleMs: the same process takes the next trial, and is not shut down while it runs.
      pool.start(runRequest('r2'), recording().callbacks);
      vi.advanceTimersByTime(5000);
      expect(sent()).toEqual(['run', 'run']);
      run('r2');
      vi.advanceTimersByTime(999);
      expect(sent()).toEqual(['run', 'run']);
      vi.advanceTimersByTime(1);
      expect(sent()).toEqual(['run', 'run', 'shutdown']);
      // Shutting down, it takes no more trials: a new process does.
      pool.start(runRequest('r3'), recording().callbacks);
      expect(hosts).toHaveLength(2);
      hosts[0].events.exit({ code: 0, signal: null, stderr: '' });
      expect(warnings).toEqual([]);
      expect(pool.pids()).toEqual([1001]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('shuts down after idleMs a process whose only trial was cancelled before it was sent', () => {
    vi.useFakeTimers();
    try {
      const { hosts, factory } = scriptedHosts();
      const pool = new TrialPool({ hosts: factory, size: 1, idleMs: 1000 });
      pool.start(runRequest('r1'), recording().callbacks).cancel();
      hosts[0].events.message({ type: 'ready', pid: 1000 });
      vi.advanceTimersByTime(1000);
      expect(hosts[0].sent.map((m) => m.type)).toEqual(['shutdown']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('retires its idle processes on request, without a warning, and starts a new one for a later trial', () => {
    const warnings: string[] = [];
    const { hosts, factory } = scriptedHosts();
    const pool = new TrialPool({ hosts: factory, size: 2, onWarning: (w) => warnings.push(w) });
    pool.start(runRequest('r1'), recording().callbacks);
    pool.start(runRequest('r2'), recording().callbacks);
    hosts[0].events.message({ type: 'ready', pid: 1000 });
    hosts[1].events.message({ type: 'ready', pid: 1001 });
    hosts[0].events.message({ type: 'finished', runId: 'r1', status: 'completed' });
    pool.retireIdle();
    // Only the idle process is told to go; the busy one goes on with its trial.
    expect(hosts.map((h) => h.sent.map((m) => m.type))).toEqual([['run', 'shutdown'], ['run']]);
    hosts[0].events.exit({ code: 0, signal: null, stderr: '' });
    expect(pool.pids()).toEqual([1001]);
    pool.retireIdle();
    expect(hosts[1].sent.map((m) => m.type)).toEqual(['run']);
    hosts[1].events.message({ type: 'finished', runId: 'r2', status: 'completed' });
    pool.start(runRequest('r3'), recording().callbacks);
    expect(hosts).toHaveLength(2);
    pool.retireIdle();
    expect(hosts[1].sent.map((m) => m.type)).toEqual(['run', 'run']);
    pool.start(runRequest('r4'), recording().callbacks);
    expect(hosts).toHaveLength(3);
    expect(warnings).toEqual([]);
  });

  it('shuts its processes down on close', async () => {
    const { hosts, factory } = scriptedHosts();
    const pool = new TrialPool({ hosts: factory, size: 1 });
    pool.start(runRequest('r1'), recording().callbacks);
    hosts[0].events.message({ type: 'ready', pid: 1000 });
    hosts[0].events.message({ type: 'finished', runId: 'r1', status: 'completed' });
    const closed = pool.close(30);
    expect(hosts[0].sent.map((m) => m.type)).toEqual(['run', 'shutdown']);
    await closed;
    expect(hosts[0].killed).toBe(true);
  });
});

describe('utility-process hosts (Electron, faked)', () => {
  it('forks the entry, forwards messages both ways, and reports the exit with stderr', () => {
    const children: (EventEmitter & { pid: number; posted: unknown[]; killed: boolean; stderr: EventEmitter })[] = [];
    const forks: unknown[][] = [];
    const utilityProcess: UtilityProcessLike = {
      fork(...args) {
        forks.push(args);
        const child = Object.assign(new EventEmitter(), {
          pid: 4242,
          posted: [] as unknown[],
          killed: false,
          stderr: new EventEmitter(),
          postMessage(m: unknown) {
            child.posted.push(m);
          },
          kill() {
            child.killed = true;
            return true;
          },
        });
        children.push(child);
        return child;
      },
    };
    const received: unknown[] = [];
    const exits: unknown[] = [];
    const host = utilityHosts(utilityProcess, { entry: '/app/trial-process.js' })({
      message: (m) => received.push(m),
      exit: (e) => exits.push(e),
    });
    expect(forks[0][0]).toBe('/app/trial-process.js');
    expect(forks[0][2]).toMatchObject({ stdio: ['ignore', 'ignore', 'pipe'] });
    expect(host.pid).toBe(4242);
    const child = children[0];
    child.emit('message', { type: 'ready', pid: 4242 });
    expect(received).toEqual([{ type: 'ready', pid: 4242 }]);
    expect(host.send({ type: 'shutdown' })).toBe(true);
    expect(child.posted).toEqual([{ type: 'shutdown' }]);
    host.kill();
    expect(child.killed).toBe(true);
    child.stderr.emit('data', 'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n');
    child.emit('exit', 134);
    child.emit('exit', 134);
    expect(exits).toHaveLength(1);
    expect(describeExit(exits[0] as never)).toMatch(/^the trial process ran out of memory and exited with code 134/);
    expect(host.send({ type: 'shutdown' })).toBe(false);
  });

  it('runs a pool of trials through the adapter', async () => {
    // The fake utilityProcess runs the real trial service in this process.
    const inner = inProcessHosts();
    const utilityProcess: UtilityProcessLike = {
      fork() {
        const child = Object.assign(new EventEmitter(), { pid: 0, postMessage: (m: unknown) => void host.send(m as ToTrial), kill: () => (host.kill(), true) });
        const host = inner({ message: (m) => child.emit('message', m), exit: (e) => child.emit('exit', e.code ?? 137) });
        child.pid = host.pid!;
        return child;
      },
    };
    const pool = new TrialPool({ hosts: utilityHosts(utilityProcess, { entry: 'x.js' }), size: 1 });
    const r = recording();
    pool.start(runRequest('u1'), r.callbacks);
    expect(await r.ended).toBe('finished completed');
    await pool.close();
  });
});
