/**
 * The three ready experiments of the welcome screen, each one of the course's comparisons
 * as a grid sweep: a base run configuration (as a config file holds it, docs/config.md) and
 * the parameters it varies (as a sweep spec holds them, docs/sweep.md). The new-experiment
 * form opens filled with them (draft.svelte.ts), ready to launch.
 *
 * Where Layerlab's generators differ from the course's scikit-learn calls, the comment says
 * so; every field is one the run-config contract has.
 */
import type { RunConfigInput } from '../../src-api';

export interface Example {
  id: string;
  title: string;
  /** What it compares, in a sentence. */
  summary: string;
  /** What to look for once it has run. */
  lesson: string;
  /** The course assignment it comes from. */
  source: string;
  /** The base run configuration. */
  config: RunConfigInput;
  /** The swept fields: config path → values (a sweep spec's grid parameters). */
  parameters: Record<string, unknown[]>;
  /** Rough wall time on two cores, for the card (measured with `layerlab sweep`, docs/ui.md). */
  duration: string;
}

export const EXAMPLES: readonly Example[] = [
  {
    id: 'planar-hidden',
    title: 'Planar flower: hidden-layer sizes',
    summary: 'One tanh hidden layer of 1, 2, 3, 4, 5, 20 and 50 units on the course\'s flower.',
    lesson: 'One or two units cannot bend the boundary round the petals (about 67 %); from 3 units on it reaches about 90 %, and more units mostly fit the noise.',
    source: 'Course 1, week 3: planar data classification with one hidden layer',
    config: {
      name: 'Planar flower: hidden-layer sizes',
      // load_planar_dataset(): np.random.seed(1), 400 points; our generator reproduces it with rng "numpy".
      data: { train: { generator: 'planar', m: 400, noise: 0.2, seed: 1, rng: 'numpy' } },
      model: { hidden: [4], activation: 'tanh', output: 'sigmoid' },
      // initialize_parameters(): np.random.seed(2), randn · 0.01.
      init: { method: 'normal', scale: 0.01, seed: 2, rng: 'numpy' },
      train: { optimizer: 'gd', learning_rate: 1.2, iterations: 10000, log_every: 100 },
    },
    parameters: { 'model.hidden': [[1], [2], [3], [4], [5], [20], [50]] },
    duration: '10–30 s',
  },
  {
    id: 'circles-init',
    title: 'Circles: initialization matters',
    summary: 'The same [2, 10, 5, 1] ReLU network started from zeros, from random weights × 10, and from He initialization.',
    lesson: 'Zeros never breaks the symmetry and stays at 50 %; × 10 starts with an enormous cost and learns slower; He converges fastest and tests best.',
    source: 'Course 2, week 1: initialization',
    config: {
      name: 'Circles: initialization matters',
      // make_circles(300, noise=.05) with a 100-point test set in the course. Our circles have
      // radii 1 and 0.5 (the course's scikit-learn default is 0.8, closer together, which no
      // field sets), so a little more noise, 0.1, keeps the task from being trivially easy.
      data: { train: { generator: 'circles', m: 400, noise: 0.1, seed: 1 }, test_fraction: 0.25 },
      model: { hidden: [10, 5], activation: 'relu', output: 'sigmoid' },
      // np.random.seed(3); zeros / randn · 10 / randn · √(2/n[l-1]). scale is used by "normal" only.
      init: { method: 'he', scale: 10, seed: 3, rng: 'numpy' },
      train: { optimizer: 'gd', learning_rate: 0.01, iterations: 15000, log_every: 150 },
    },
    parameters: { 'init.method': ['zeros', 'normal', 'he'] },
    duration: '10–20 s',
  },
  {
    id: 'moons-optimizers',
    title: 'Moons: GD vs momentum vs Adam',
    summary: 'A [2, 5, 2, 1] ReLU network on moons, mini-batches of 64, trained by gradient descent, momentum (β 0.9) and Adam.',
    lesson: 'At the course\'s small learning rate, 0.0007, gradient descent and momentum barely move in 5000 epochs (about 73 %); Adam reaches about 98 %.',
    source: 'Course 2, week 2: optimization methods',
    config: {
      name: 'Moons: GD vs momentum vs Adam',
      // np.random.seed(3); make_moons(300, noise=.2).
      data: { train: { generator: 'moons', m: 300, noise: 0.2, seed: 3 } },
      model: { hidden: [5, 2], activation: 'relu', output: 'sigmoid' },
      init: { method: 'he', seed: 3, rng: 'numpy' },
      train: {
        optimizer: 'gd',
        learning_rate: 0.0007,
        epochs: 5000,
        batch_size: 64,
        beta: 0.9,
        beta1: 0.9,
        beta2: 0.999,
        log_every: 50,
      },
    },
    parameters: { 'train.optimizer': ['gd', 'momentum', 'adam'] },
    duration: '5–20 s',
  },
];

/** The number of trials of an example's grid. */
export function trialCount(example: Example): number {
  return Object.values(example.parameters).reduce((n, values) => n * values.length, 1);
}

/** The example as a sweep spec (what `layerlab sweep` reads; the form makes the same). */
export function exampleSpec(example: Example): Record<string, unknown> {
  return { name: example.title, base: example.config, method: 'grid', parameters: example.parameters, concurrency: 2 };
}

/**
 * The form's "Sweep this" fields for an example: a config path → its values as typed.
 * model.hidden over one-layer networks becomes the units of hidden layer 1.
 */
export function formSweeps(example: Example): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [path, values] of Object.entries(example.parameters)) {
    if (path === 'model.hidden' && values.every((v) => Array.isArray(v) && v.length === 1)) {
      out['model.hidden[0]'] = values.map((v) => (v as number[])[0]).join(', ');
    } else {
      out[path] = values.map(String).join(', ');
    }
  }
  return out;
}
