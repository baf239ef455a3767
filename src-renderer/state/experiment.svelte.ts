/**
 * The new-experiment form: its fields, the run configuration they make, and that config's
 * problems by field, checked with the config's own schema (through src-api) on every change,
 * so each error appears at its field before anything is sent.
 */
import {
  type ConfigIssue,
  GENERATOR_DEFAULT_NOISE,
  GENERATORS_WITH_CLASSES,
  type GeneratorName,
  type RunConfigInput,
  parseRunConfig,
} from '../../src-api';

export type Activation = 'tanh' | 'relu' | 'sigmoid' | 'leaky_relu';
export interface Layer {
  units: number | null;
  activation: Activation;
}

export class ExperimentForm {
  name = $state('');
  generator = $state<GeneratorName>('planar');
  m = $state<number | null>(400);
  noise = $state<number | null>(GENERATOR_DEFAULT_NOISE.planar);
  seed = $state<number | null>(1);
  classes = $state<number | null>(3);
  testFraction = $state<number | null>(0.2);
  normalize = $state(false);
  layers = $state<Layer[]>([{ units: 4, activation: 'tanh' }]);
  output = $state<'sigmoid' | 'softmax'>('sigmoid');
  optimizer = $state<'gd' | 'momentum' | 'rmsprop' | 'adam'>('gd');
  learningRate = $state<number | null>(1.2);
  mode = $state<'iterations' | 'epochs'>('iterations');
  iterations = $state<number | null>(2000);
  epochs = $state<number | null>(100);
  batchSize = $state<number | null>(64);
  l2 = $state<number | null>(0);
  keepProb = $state<number | null>(1);
  beta = $state<number | null>(0.9);
  beta1 = $state<number | null>(0.9);
  beta2 = $state<number | null>(0.999);
  initMethod = $state<'xavier' | 'he' | 'normal'>('xavier');
  initSeed = $state<number | null>(2);

  hasClasses = $derived(GENERATORS_WITH_CLASSES.includes(this.generator));

  setGenerator(name: GeneratorName): void {
    this.generator = name;
    this.noise = GENERATOR_DEFAULT_NOISE[name];
    if (!GENERATORS_WITH_CLASSES.includes(name)) this.output = 'sigmoid';
    else if ((this.classes ?? 2) > 2) this.output = 'softmax';
  }

  /** log_every from the length: about 100 points per curve. */
  private logEvery(): number {
    const steps = (this.mode === 'iterations' ? this.iterations : this.epochs) ?? 100;
    return Math.max(1, Math.round(steps / 100));
  }

  /** The configuration as a config file would hold it. */
  config = $derived.by((): RunConfigInput => {
    const source: Record<string, unknown> = { generator: this.generator, m: this.m, noise: this.noise, seed: this.seed };
    if (this.hasClasses) source.classes = this.classes;
    const acts = this.layers.map((l) => l.activation);
    const same = acts.every((a) => a === acts[0]);
    const train: Record<string, unknown> = { optimizer: this.optimizer, learning_rate: this.learningRate, log_every: this.logEvery() };
    if (this.mode === 'iterations') train.iterations = this.iterations;
    else {
      train.epochs = this.epochs;
      train.batch_size = this.batchSize;
    }
    if (this.l2) train.l2 = this.l2;
    if (this.keepProb !== 1) train.keep_prob = this.keepProb;
    if (this.optimizer === 'momentum') train.beta = this.beta;
    if (this.optimizer === 'adam') {
      train.beta1 = this.beta1;
      train.beta2 = this.beta2;
    }
    if (this.optimizer === 'rmsprop') train.beta2 = this.beta2;
    const config: Record<string, unknown> = {
      data: {
        train: source,
        ...(this.testFraction ? { test_fraction: this.testFraction } : {}),
        ...(this.normalize ? { normalize: 'standardize' } : {}),
      },
      model: {
        hidden: this.layers.map((l) => l.units),
        ...(same ? { activation: acts[0] ?? 'relu' } : { activations: acts }),
        output: this.output,
      },
      init: { method: this.initMethod, seed: this.initSeed },
      train,
    };
    if (this.name.trim()) config.name = this.name.trim();
    return config as RunConfigInput;
  });

  /** Problems of the config, by field path ("train.learning_rate", "model.hidden[0]"). */
  issues = $derived.by((): ConfigIssue[] => {
    const result = parseRunConfig(this.config);
    return result.ok ? [] : result.issues;
  });

  /** The message for a field (and its sub-fields), if any. */
  issue(path: string): string | undefined {
    const found = this.issues.find((i) => i.path === path || i.path.startsWith(`${path}.`) || i.path.startsWith(`${path}[`));
    return found ? found.message : undefined;
  }

  addLayer(): void {
    const last = this.layers[this.layers.length - 1];
    this.layers = [...this.layers, { units: last?.units ?? 4, activation: last?.activation ?? 'tanh' }];
  }

  removeLayer(index: number): void {
    this.layers = this.layers.filter((_, i) => i !== index);
  }
}
