/**
 * From a run configuration to a trained network: the one place that reads a
 * RunConfig and turns it into data, a network, its initial weights and training
 * settings. File access is not here: the caller loads file-based data and weight
 * files and passes them in (src-main does it in Node; a browser would do it with
 * its own file API).
 */
import { type DataSource, type GeneratorSource, type RunConfig, layerActivations, layerKeepProbs } from './config';
import { generateDataset } from './datasets';
import { INITIALIZERS } from './initializers';
import { Matrix } from './matrix';
import { Network } from './network';
import { classificationReport, confusionMatrix, predictedClasses, targetClasses } from './metrics';
import {
  type Preprocessing,
  applyPreprocessing,
  classLabels,
  fitStandardization,
  oneHot,
  splitIndices,
  takeExamples,
} from './preprocess';
import { createRng } from './random';
import { type TrainHooks, type TrainResult, type TrainSettings, evaluate, train } from './train';
import { DEFAULT_OPTIMIZER_SETTINGS } from './optimizers';

/** A dataset as loaded: inputs X (n_x, m) and labels or targets Y. */
export interface LoadedData {
  X: Matrix;
  /** (1, m) class labels for classification, (n_y, m) values for regression. */
  Y: Matrix;
  /** Names of the classes, when the source has them (CSV string labels, .h5 list_classes). */
  classNames?: string[] | null;
}

/** The data and weights a config refers to in files, loaded by the caller. */
export interface ExperimentFiles {
  /** Loaded data for a file or CSV source; not called for generators. */
  loadData(source: Exclude<DataSource, GeneratorSource>, role: 'train' | 'test'): Promise<LoadedData>;
  /** W1, b1, … for init.method "file", with the preprocessing they were trained with if the file has it. */
  loadWeights?(file: string): Promise<{ W: Matrix[]; b: Matrix[]; preprocessing?: Preprocessing | null }>;
}

export interface PreparedExperiment {
  config: RunConfig;
  network: Network;
  data: { X: Matrix; Y: Matrix; Xtest: Matrix | null; Ytest: Matrix | null };
  settings: TrainSettings;
  preprocessing: Preprocessing;
  /** Number of classes, or null for regression. */
  classes: number | null;
  classNames: string[] | null;
}

export interface FinalMetrics {
  train_cost: number;
  train_accuracy: number | null;
  test_cost: number | null;
  test_accuracy: number | null;
}

export interface ClassificationSummary {
  confusion_matrix: number[][];
  precision: number[];
  recall: number[];
  f1: number[];
  macro_f1: number;
}

export interface ExperimentResult extends TrainResult {
  final: FinalMetrics;
  /** Confusion matrix and per-class scores on the test set (or train, without one). */
  classification: (ClassificationSummary & { set: 'train' | 'test' }) | null;
}

/** Data for one source: generated here, or loaded by the caller. */
export async function loadSource(source: DataSource, role: 'train' | 'test', files: ExperimentFiles): Promise<LoadedData> {
  if ('generator' in source) return drawn(source, role);
  return files.loadData(source, role);
}

/**
 * The last generated training set and test set, each with what it was drawn from. A
 * sweep's trial process trains trial after trial on the same generated data (sweeps vary
 * the model and the training far more often than the data): drawing it again cost every
 * trial a few ms, and V8 about 40 ms of compiling in a process's second and third trials,
 * once the generators became hot. Callers get copies, so what a run does to its matrices
 * never reaches the next run. Only datasets of up to KEPT_VALUES numbers are kept, so
 * that a process does not hold a large draw it may not need again.
 */
const lastDrawn: Record<'train' | 'test', { key: string; X: Matrix; Y: Matrix } | null> = { train: null, test: null };
const KEPT_VALUES = 1_000_000;

function drawn(source: GeneratorSource, role: 'train' | 'test'): LoadedData {
  const { generator, m, noise, seed, rng, classes } = source;
  const key = JSON.stringify([generator, m, noise, seed, rng, classes]);
  let kept = lastDrawn[role];
  if (kept?.key !== key) {
    const d = generateDataset(generator, { m, noise, seed, rng, classes });
    if (d.X.size + d.Y.size > KEPT_VALUES) return { X: d.X, Y: d.Y };
    kept = lastDrawn[role] = { key, X: d.X, Y: d.Y };
  }
  return { X: kept.X.clone(), Y: kept.Y.clone() };
}

/** Loads, splits, normalizes and shapes the data; builds and initializes the network. */
export async function prepareExperiment(config: RunConfig, files: ExperimentFiles): Promise<PreparedExperiment> {
  const precision = config.precision;
  const trainSet = await loadSource(config.data.train, 'train', files);
  let testSet = config.data.test ? await loadSource(config.data.test, 'test', files) : null;
  let { X, Y } = trainSet;
  const output = config.model.output;
  const isClassifier = output !== 'linear';

  if (testSet && testSet.X.rows !== X.rows) {
    throw new Error(`data.test has ${testSet.X.rows} features per example, data.train has ${X.rows}`);
  }
  if (config.data.test_fraction !== undefined) {
    const labels = isClassifier ? classLabels(Y, 'data.train') : null;
    const split = splitIndices(X.cols, labels, config.data.test_fraction, config.data.split_seed, config.init.rng);
    if (split.train.length === 0 || split.test.length === 0) {
      throw new Error(`data.test_fraction ${config.data.test_fraction} leaves no examples for ${split.train.length === 0 ? 'training' : 'testing'} out of ${X.cols}`);
    }
    testSet = { ...takeExamples(X, Y, split.test), classNames: trainSet.classNames };
    ({ X, Y } = takeExamples(X, Y, split.train));
  }

  const classes = isClassifier ? countClasses(config, Y, testSet?.Y ?? null) : null;
  const targets = (labels: Matrix, what: string) => toTargets(labels, output, classes, what).as(precision);

  const network = new Network({
    sizes: [X.rows, ...config.model.hidden, output === 'linear' ? Y.rows : output === 'softmax' ? classes! : 1],
    activations: layerActivations(config.model),
    output,
    leakySlope: config.model.leaky_slope,
    precision,
  });
  const saved = await initialize(network, config, files);

  // The loader has already applied the source's scale (exactly as NumPy would);
  // it is recorded so that raw inputs can be treated the same at prediction.
  // Weights that continue a run keep the standardization they were trained with.
  const source = config.data.train;
  const standardize = config.data.normalize === 'standardize' ? (saved?.standardize ?? fitStandardization(X)) : null;
  if (standardize && standardize.mean.length !== X.rows) {
    throw new Error(`init.file was standardized over ${standardize.mean.length} features, data.train has ${X.rows}`);
  }
  const preprocessing: Preprocessing = { scale: 'x' in source ? source.scale : 1, standardize };
  const standardizeOnly: Preprocessing = { scale: 1, standardize };
  const prepare = (M: Matrix) => (standardize ? applyPreprocessing(M, standardizeOnly) : M).as(precision);

  return {
    config,
    network,
    data: {
      X: prepare(X),
      Y: targets(Y, 'data.train'),
      Xtest: testSet ? prepare(testSet.X) : null,
      Ytest: testSet ? targets(testSet.Y, 'data.test') : null,
    },
    settings: trainSettings(config),
    preprocessing,
    classes,
    classNames: trainSet.classNames ?? null,
  };
}

/** k for softmax (from the config or the labels), 2 for sigmoid, checked against the labels. */
function countClasses(config: RunConfig, Y: Matrix, Ytest: Matrix | null): number {
  const labels = classLabels(Y, 'data.train');
  const testLabels = Ytest ? classLabels(Ytest, 'data.test') : new Int32Array(0);
  let seen = 2;
  for (const set of [labels, testLabels]) for (const c of set) seen = Math.max(seen, c + 1);
  if (config.model.output === 'sigmoid') {
    if (seen > 2) {
      throw new Error(`model.output "sigmoid" needs labels 0 and 1, but the data has labels up to ${seen - 1}: use output "softmax"`);
    }
    return 2;
  }
  const k = config.model.classes ?? seen;
  if (seen > k) throw new Error(`model.classes is ${k}, but the data has label ${seen - 1}`);
  return k;
}

function toTargets(Y: Matrix, output: RunConfig['model']['output'], classes: number | null, what: string): Matrix {
  if (output === 'linear') return Y;
  const labels = classLabels(Y, what);
  return output === 'softmax' ? oneHot(labels, classes!) : Matrix.from(1, labels.length, labels);
}

/**
 * Draws W[l] layer by layer from one generator (biases zero), or loads them;
 * returns the preprocessing saved with loaded weights, if any.
 */
async function initialize(network: Network, config: RunConfig, files: ExperimentFiles): Promise<Preprocessing | null> {
  const { method, scale, seed, rng: kind, file } = config.init;
  if (method === 'file') {
    if (!files.loadWeights) throw new Error('init.method "file" needs a weight loader');
    const { W, b, preprocessing } = await files.loadWeights(file!);
    network.setParameters(W, b);
    return preprocessing ?? null;
  }
  const rng = createRng(seed, kind);
  const init = INITIALIZERS[method];
  network.W.forEach((W, l) => W.data.set(init.weights(rng, W.rows, W.cols, scale)));
  network.b.forEach((b) => b.data.fill(0));
  return null;
}

/** The trainer's settings from the config's `train` section. */
export function trainSettings(config: RunConfig): TrainSettings {
  const t = config.train;
  const es = t.early_stopping;
  return {
    optimizer: t.optimizer,
    learningRate: t.learning_rate,
    schedule: t.epochs !== undefined ? { epochs: t.epochs, batchSize: t.batch_size ?? Number.MAX_SAFE_INTEGER } : { iterations: t.iterations },
    shuffleSeed: t.shuffle_seed,
    rng: config.init.rng,
    logEvery: t.log_every,
    l2: t.l2,
    keepProb: layerKeepProbs(config),
    optimizerSettings: {
      beta: t.beta ?? DEFAULT_OPTIMIZER_SETTINGS.beta,
      beta1: t.beta1 ?? DEFAULT_OPTIMIZER_SETTINGS.beta1,
      beta2: t.beta2 ?? DEFAULT_OPTIMIZER_SETTINGS.beta2,
      epsilon: t.epsilon ?? DEFAULT_OPTIMIZER_SETTINGS.epsilon,
    },
    decay: t.decay ?? null,
    earlyStopping: es
      ? { metric: es.metric, patience: es.patience, minDelta: es.min_delta, restoreBest: es.restore_best }
      : null,
  };
}

/** Trains a prepared experiment and measures the final network. */
export async function runExperiment(prepared: PreparedExperiment, hooks: TrainHooks = {}): Promise<ExperimentResult> {
  const { network, data, settings } = prepared;
  const result = await train(network, data, settings, hooks);
  const trainEval = evaluate(network, data.X, data.Y, settings.l2);
  const testEval = data.Xtest && data.Ytest ? evaluate(network, data.Xtest, data.Ytest, settings.l2) : null;
  return {
    ...result,
    final: {
      train_cost: trainEval.cost,
      train_accuracy: trainEval.accuracy,
      test_cost: testEval?.cost ?? null,
      test_accuracy: testEval?.accuracy ?? null,
    },
    classification: prepared.classes === null ? null : classify(prepared),
  };
}

function classify(prepared: PreparedExperiment): ExperimentResult['classification'] {
  const { network, data } = prepared;
  const useTest = data.Xtest !== null && data.Ytest !== null;
  const X = useTest ? data.Xtest! : data.X;
  const Y = useTest ? data.Ytest! : data.Y;
  const counts = confusionMatrix(predictedClasses(network.predict(X)), targetClasses(Y), prepared.classes!);
  const report = classificationReport(counts);
  return {
    set: useTest ? 'test' : 'train',
    confusion_matrix: counts,
    precision: report.perClass.map((c) => c.precision),
    recall: report.perClass.map((c) => c.recall),
    f1: report.perClass.map((c) => c.f1),
    macro_f1: report.macro.f1,
  };
}
