import { describe, expect, it } from 'vitest';
import type { ActivationName } from '../../src-core/activations';
import { Matrix } from '../../src-core/matrix';
import { Network } from '../../src-core/network';
import { DEFAULT_TRAIN_SETTINGS, evaluate, train, type TrainHooks, type TrainSettings } from '../../src-core/train';
import { expectClose, loadFixture, toMatrix, type FixtureMatrix } from '../helpers/fixtures';

interface Fixtures {
  minibatch_adam: {
    sizes: number[];
    activations: ActivationName[];
    X: FixtureMatrix;
    Y: FixtureMatrix;
    params: Record<string, FixtureMatrix>;
    final_params: Record<string, FixtureMatrix>;
    learning_rate: number;
    batch_size: number;
    epochs: number;
    shuffle_seed: number;
    decay: { type: 'inverse_time'; rate: number; interval: number };
    epoch_costs: number[];
  };
  planar_course: {
    X: FixtureMatrix;
    Y: FixtureMatrix;
    initial_params: Record<string, FixtureMatrix>;
    final_params: Record<string, FixtureMatrix>;
    costs_every_1000: number[];
    costs_every_100: number[];
    costs_first_20: number[];
    train_accuracy: number;
  };
}
const fx = loadFixture<Fixtures>('core/core_fixtures.json');

function withParams(net: Network, params: Record<string, FixtureMatrix>): Network {
  net.setParameters(
    net.W.map((_, l) => toMatrix(params[`W${l + 1}`])),
    net.b.map((_, l) => toMatrix(params[`b${l + 1}`])),
  );
  return net;
}

function settings(overrides: Partial<TrainSettings> & Pick<TrainSettings, 'schedule' | 'learningRate'>): TrainSettings {
  return { ...DEFAULT_TRAIN_SETTINGS, ...overrides };
}

describe('the course planar run, against NumPy', () => {
  // At lr = 1.2 this run turns chaotic near iteration 7740: differences in the last
  // bit (OpenBLAS's fused multiply-adds, libm's tanh) grow a thousandfold in 50
  // iterations. Two NumPy formulations of the same course code (this fixture's and
  // ../shared/bench/reference_numpy.py) already differ by 2e-6 at iteration 8000.
  // So the costs are compared to 1e-12 up to 7700, and the rest to what chaos allows.
  it('records the cost of each iteration before its update, as NumPy does', async () => {
    const c = fx.planar_course;
    const net = withParams(new Network({ sizes: [2, 4, 1], activations: ['tanh'], output: 'sigmoid' }), c.initial_params);
    const result = await train(net, { X: toMatrix(c.X), Y: toMatrix(c.Y) }, settings({ learningRate: 1.2, schedule: { iterations: 10000 }, logEvery: 100 }));
    expect(result.status).toBe('completed');
    const costs = result.history.map((h) => h.cost);
    expect(result.history.map((h) => h.iteration).slice(0, 3)).toEqual([0, 100, 200]);
    expect(result.history.at(-1)!.iteration).toBe(9999);
    expectClose(costs.slice(0, 78), c.costs_every_100.slice(0, 78), 1e-12, 'costs up to iteration 7700');
    expectClose(costs.slice(78, 100), c.costs_every_100.slice(78), 1e-3, 'costs after the chaotic turn');
    // The course's accuracy is measured after the last update, as evaluate() does;
    // past the chaotic turn a point or two of the 400 may land on the other side.
    expect(Math.abs(evaluate(net, toMatrix(c.X), toMatrix(c.Y)).accuracy! - c.train_accuracy)).toBeLessThanOrEqual(2 / 400);
  });

  it('logs every iteration when asked, matching the first twenty costs', async () => {
    const c = fx.planar_course;
    const net = withParams(new Network({ sizes: [2, 4, 1], activations: ['tanh'], output: 'sigmoid' }), c.initial_params);
    const result = await train(net, { X: toMatrix(c.X), Y: toMatrix(c.Y) }, settings({ learningRate: 1.2, schedule: { iterations: 20 }, logEvery: 1 }));
    expectClose(result.history.map((h) => h.cost), c.costs_first_20, 1e-13, 'costs');
  });
});

describe('mini-batch Adam with inverse-time decay, against NumPy', () => {
  it('shuffles epoch e with seed shuffle_seed + e and matches every epoch cost', async () => {
    const c = fx.minibatch_adam;
    const net = withParams(new Network({ sizes: c.sizes, activations: c.activations, output: 'sigmoid' }), c.params);
    const result = await train(
      net,
      { X: toMatrix(c.X), Y: toMatrix(c.Y) },
      settings({
        optimizer: 'adam',
        learningRate: c.learning_rate,
        schedule: { epochs: c.epochs, batchSize: c.batch_size },
        shuffleSeed: c.shuffle_seed,
        rng: 'numpy',
        logEvery: 1,
        decay: c.decay,
      }),
    );
    expect(result.unit).toBe('epoch');
    expectClose(result.history.map((h) => h.cost), c.epoch_costs, 1e-11, 'epoch costs');
    expect(result.history[10].learning_rate).toBeCloseTo(c.learning_rate / 1.5, 15);
    for (const p of net.parameters()) expectClose(p.value.data, c.final_params[p.name].data, 1e-10, p.name);
  });
});

/** A small separable problem for behaviour tests. */
function xorLike(m = 64) {
  const x: number[] = [];
  const y: number[] = [];
  for (let j = 0; j < m; j++) {
    const a = Math.sin(j * 12.9898) * 2;
    const b = Math.cos(j * 78.233) * 2;
    x.push(a, b);
    y.push(a * b > 0 ? 1 : 0);
  }
  const X = Matrix.zeros(2, m);
  for (let j = 0; j < m; j++) {
    X.set(0, j, x[2 * j]);
    X.set(1, j, x[2 * j + 1]);
  }
  return { X, Y: Matrix.from(1, m, y) };
}

function smallNet(seed = 3): Network {
  const net = new Network({ sizes: [2, 8, 1], activations: ['tanh'], output: 'sigmoid' });
  let s = seed;
  for (const p of net.parameters()) for (let i = 0; i < p.value.size; i++) p.value.data[i] = (((s = (s * 16807) % 2147483647) / 2147483647) - 0.5);
  return net;
}

describe('divergence, cancellation, early stopping and progress', () => {
  it('ends as diverged, keeping the last finite parameters, and never throws', async () => {
    const net = new Network({ sizes: [2, 8, 1], activations: ['relu'], output: 'linear' });
    for (const p of net.parameters()) p.value.data.fill(0.5);
    const { X, Y } = xorLike();
    const result = await train(net, { X, Y }, settings({ learningRate: 1e6, schedule: { iterations: 100 }, logEvery: 1 }));
    expect(result.status).toBe('diverged');
    expect(result.reason).toMatch(/the cost became (NaN|Infinity) at iteration \d+/);
    for (const p of net.parameters()) for (const v of p.value.data) expect(Number.isFinite(v)).toBe(true);
    net.forward(X);
    expect(Number.isFinite(net.cost(Y))).toBe(true);
    expect(result.history.every((h) => Number.isFinite(h.cost))).toBe(true);
  });

  it('catches divergence at the step it happens, between logged steps, for sigmoid outputs', async () => {
    const { X, Y } = xorLike();
    const net = smallNet();
    // Unrecorded steps skip the cost when the outputs prove it finite; a blow-up
    // must still end the run at its own step, with the previous parameters.
    const result = await train(net, { X, Y }, settings({ learningRate: 1e307, schedule: { iterations: 500 }, logEvery: 1000 }));
    expect(result.status).toBe('diverged');
    const at = Number(/at iteration (\d+)/.exec(result.reason!)![1]);
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(499);
    expect(result.steps).toBe(at);
    for (const p of net.parameters()) for (const v of p.value.data) expect(Number.isFinite(v)).toBe(true);
    net.forward(X);
    expect(Number.isFinite(net.cost(Y))).toBe(true);
  });

  it('knows when a cost is certainly finite without computing it', () => {
    const net = new Network({ sizes: [1, 1], activations: [], output: 'sigmoid' });
    const X = Matrix.fromRows([[1, 2]]);
    net.W[0].data[0] = 1e100;
    net.forward(X);
    expect(net.costCertainlyFinite(2)).toBe(true);
    net.W[0].data[0] = 1e200;
    net.forward(X);
    expect(net.costCertainlyFinite(2)).toBe(false);
    net.W[0].data[0] = NaN;
    net.forward(X);
    expect(net.costCertainlyFinite(2)).toBe(false);
    const linear = new Network({ sizes: [1, 1], activations: [], output: 'linear' });
    linear.forward(X);
    expect(linear.costCertainlyFinite(2)).toBe(false); // always computed: it is cheap and can overflow
  });

  it('stops when the signal is aborted, even mid-run', async () => {
    const { X, Y } = xorLike();
    const controller = new AbortController();
    let seen = 0;
    const result = await train(smallNet(), { X, Y }, settings({ learningRate: 0.1, schedule: { iterations: 1_000_000 }, logEvery: 10 }), {
      signal: controller.signal,
      onProgress: () => {
        if (++seen === 5) controller.abort();
      },
    });
    expect(result.status).toBe('cancelled');
    expect(result.steps).toBe(41);
  });

  it('lets a timer abort a long run because it yields to the event loop', async () => {
    const { X, Y } = xorLike();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    const result = await train(smallNet(), { X, Y }, settings({ learningRate: 0.1, schedule: { iterations: 50_000_000 } }), {
      signal: controller.signal,
      yieldEveryMs: 5,
    });
    expect(result.status).toBe('cancelled');
  });

  it('gives the event loop its turn through the host\'s yieldTurn, and a timer still aborts the run', async () => {
    const { X, Y } = xorLike();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 30);
    let turns = 0;
    const result = await train(smallNet(), { X, Y }, settings({ learningRate: 0.1, schedule: { iterations: 50_000_000 } }), {
      signal: controller.signal,
      yieldEveryMs: 5,
      yieldTurn: () => {
        turns++;
        return new Promise<void>((resolve) => setImmediate(resolve));
      },
    });
    expect(result.status).toBe('cancelled');
    expect(turns).toBeGreaterThan(0);
  });

  it('gives the event loop a turn after every epoch when one is due, so that a cancel does not wait for 16 epochs', async () => {
    const { X, Y } = xorLike();
    const turnsAfter: number[] = [];
    let epochsLogged = 0;
    // One full batch an epoch, so that every turn comes between two epochs.
    const result = await train(smallNet(), { X, Y }, settings({ learningRate: 0.1, schedule: { epochs: 6, batchSize: 64 }, logEvery: 1 }), {
      // Every check finds a turn due.
      yieldEveryMs: 0,
      onProgress: (event) => {
        if (event.entry) epochsLogged = event.step + 1;
      },
      yieldTurn: () => {
        turnsAfter.push(epochsLogged);
        return Promise.resolve();
      },
    });
    expect(result.status).toBe('completed');
    // After epochs 1-5; the last epoch ends the run without a turn.
    expect(turnsAfter).toEqual([1, 2, 3, 4, 5]);
  });

  it('pauses an epoch between mini-batches for a due turn, and goes on exactly where it paused', async () => {
    const { X, Y } = xorLike();
    const run = (yieldEveryMs: number, hooks: Partial<TrainHooks> = {}) => {
      const net = smallNet();
      const trained = train(net, { X, Y }, settings({ learningRate: 0.1, schedule: { epochs: 6, batchSize: 2 }, logEvery: 1 }), {
        yieldEveryMs,
        yieldTurn: () => Promise.resolve(),
        ...hooks,
      });
      return trained.then((result) => ({ result, net }));
    };
    const unpaused = await run(1e9);
    let turns = 0;
    const paused = await run(0, { yieldTurn: () => (turns++, Promise.resolve()) });
    // 32 mini-batches an epoch, the clock read after every 16th: a turn after the 16th
    // (after the 32nd the epoch ends), and one between epochs.
    expect(turns).toBe(6 + 5);
    expect(paused.result.status).toBe('completed');
    expect(paused.result.history).toEqual(unpaused.result.history);
    const params = (net: Network) => net.parameters().map((p) => Array.from(p.value.data));
    expect(params(paused.net)).toEqual(params(unpaused.net));

    // A cancel is heard at the first turn, within the first epoch.
    const controller = new AbortController();
    const cancelled = await run(0, {
      signal: controller.signal,
      yieldTurn: () => {
        controller.abort();
        return Promise.resolve();
      },
    });
    expect(cancelled.result.status).toBe('cancelled');
    expect(cancelled.result.steps).toBe(0);
  });

  it('stops early on a test metric and restores the best parameters', async () => {
    const { X, Y } = xorLike(128);
    const Xtest = Matrix.from(2, 4, [1, -1, 1, -1, 1, 1, -1, -1]);
    const Ytest = Matrix.from(1, 4, [0, 1, 1, 0]); // deliberately wrong labels: test cost soon rises
    const net = smallNet();
    const result = await train(
      net,
      { X, Y, Xtest, Ytest },
      settings({
        learningRate: 0.5,
        schedule: { iterations: 5000 },
        logEvery: 10,
        earlyStopping: { metric: 'test_cost', patience: 3, minDelta: 0, restoreBest: true },
      }),
    );
    expect(result.status).toBe('stopped');
    const best = result.history.find((h) => h.iteration === result.bestStep)!;
    expect(best.test_cost).toBe(Math.min(...result.history.map((h) => h.test_cost!)));
    expect(result.history.at(-1)!.iteration).toBe(result.bestStep! + 30);
    // The restored network reproduces the best evaluation.
    net.forward(Xtest);
    expect(net.cost(Ytest)).toBeCloseTo(best.test_cost!, 12);
  });

  it('reports history entries and, when asked, every n steps', async () => {
    const { X, Y } = xorLike();
    const steps: number[] = [];
    const logged: number[] = [];
    await train(smallNet(), { X, Y }, settings({ learningRate: 0.1, schedule: { iterations: 30 }, logEvery: 10 }), {
      progressEvery: 4,
      onProgress: (e) => {
        steps.push(e.step);
        if (e.entry) logged.push(e.step);
      },
    });
    expect(logged).toEqual([0, 10, 20, 29]);
    expect(steps).toEqual([0, 4, 8, 10, 12, 16, 20, 24, 28, 29]);
  });

  it('trains with dropout and every optimizer to a lower cost', async () => {
    for (const optimizer of ['gd', 'momentum', 'rmsprop', 'adam'] as const) {
      const { X, Y } = xorLike(128);
      const result = await train(
        smallNet(),
        { X, Y },
        settings({ optimizer, learningRate: optimizer === 'gd' || optimizer === 'momentum' ? 0.5 : 0.01, schedule: { epochs: 300, batchSize: 32 }, logEvery: 50, keepProb: [0.9] }),
      );
      expect(result.status, optimizer).toBe('completed');
      expect(result.history.at(-1)!.cost, optimizer).toBeLessThan(result.history[0].cost * 0.7);
    }
  });
});
