// The model exporters read back: JSON, .npz and safetensors give the same
// network, preprocessing, class names and predictions; each layout is as
// docs/export.md says; a shape mismatch names the layer and both shapes.
import { describe, expect, it } from 'vitest';
import { ACTIVATION_NAMES } from '../../src-core/activations';
import { exportJson, exportNpz, exportSafetensors, importSafetensors, modelFromNpz, npzArrays } from '../../src-core/export';
import { readNpz, writeNpz } from '../../src-core/io/npz';
import { readSafetensors, writeSafetensors } from '../../src-core/io/safetensors';
import { Matrix } from '../../src-core/matrix';
import { type LoadedModel, modelFromJson, weightsFromTensors } from '../../src-core/model-file';
import { applyPreprocessing } from '../../src-core/preprocess';
import { randomInputs, randomModel } from '../fixtures/export/models';

const predict = (model: LoadedModel, X: Matrix): Matrix => model.network.predict(applyPreprocessing(X.as(model.network.precision), model.preprocessing));

const formats: [string, (m: LoadedModel) => LoadedModel][] = [
  ['json', (m) => modelFromJson(JSON.parse(exportJson(m)), 'm.json')],
  ['npz', (m) => modelFromNpz(readNpz(exportNpz(m)), 'm.npz')],
  ['safetensors', (m) => importSafetensors(exportSafetensors(m), 'm.safetensors')],
];

describe.each(formats)('%s export', (_format, roundTrip) => {
  it.each(ACTIVATION_NAMES.flatMap((a) => (['sigmoid', 'softmax', 'linear'] as const).map((o) => [a, o] as const)))(
    'reads back a %s network with a %s output, predicting the same',
    (activation, output) => {
      const model = randomModel({ sizes: [3, 5, 4, output === 'sigmoid' ? 1 : 3], activations: [activation, activation], output, leakySlope: 0.2, classNames: output === 'softmax' ? ['a', 'b,c', 'ü'] : null });
      const back = roundTrip(model);
      expect(back.network.architecture).toEqual(model.network.architecture);
      expect(back.leakySlope).toBe(0.2);
      expect(back.preprocessing).toEqual(model.preprocessing);
      expect(back.classNames).toEqual(model.classNames);
      expect(back.config).toEqual({ note: 'test' });
      for (const [l, W] of model.network.W.entries()) {
        expect(Array.from(back.network.W[l].data)).toEqual(Array.from(W.data));
        expect(Array.from(back.network.b[l].data)).toEqual(Array.from(model.network.b[l].data));
      }
      const X = Matrix.from(3, 20, randomInputs(3, 20));
      expect(Array.from(predict(back, X).data)).toEqual(Array.from(predict(model, X).data));
    },
  );

  it('keeps a float32 model float32, and a model without standardization without it', () => {
    const model = randomModel({ sizes: [2, 3, 1], activations: ['relu'], output: 'sigmoid', precision: 'float32', preprocessing: { scale: 1 / 255, standardize: null } });
    const back = roundTrip(model);
    expect(back.network.precision).toBe('float32');
    expect(back.preprocessing).toEqual({ scale: 1 / 255, standardize: null });
    expect(Array.from(back.network.W[0].data)).toEqual(Array.from(model.network.W[0].data));
  });

  it('reads back logistic regression (no hidden layer)', () => {
    const model = randomModel({ sizes: [4, 1], activations: [], output: 'sigmoid' });
    expect(roundTrip(model).network.sizes).toEqual([4, 1]);
  });
});

describe('the npz layout', () => {
  const model = randomModel({ sizes: [3, 4, 2], activations: ['tanh'], output: 'softmax', classNames: ['no', 'yes'] });

  it('holds W and b in the course shapes as float64, the preprocessing as columns, and the rest as JSON bytes', () => {
    const arrays = readNpz(exportNpz(model));
    expect([...arrays.keys()]).toEqual(['W1', 'b1', 'W2', 'b2', 'preprocessing_scale', 'preprocessing_mean', 'preprocessing_std', 'layerlab_model']);
    expect(arrays.get('W1')).toMatchObject({ dtype: 'float64', shape: [4, 3] });
    expect(arrays.get('b1')).toMatchObject({ dtype: 'float64', shape: [4, 1] });
    expect(arrays.get('W2')).toMatchObject({ dtype: 'float64', shape: [2, 4] });
    expect(arrays.get('preprocessing_scale')).toMatchObject({ dtype: 'float64', shape: [] });
    expect(arrays.get('preprocessing_mean')!.shape).toEqual([3, 1]);
    expect(Array.from(arrays.get('preprocessing_std')!.data)).toEqual(model.preprocessing.standardize!.std);
    const header = JSON.parse(new TextDecoder().decode(arrays.get('layerlab_model')!.data as Uint8Array));
    expect(header).toMatchObject({ format: 'layerlab-model', version: 1, architecture: { sizes: [3, 4, 2], activations: ['tanh'], output: 'softmax' }, class_names: ['no', 'yes'] });
    expect(header.preprocessing).toBeUndefined(); // stored once, in its arrays
  });

  it('writes identity preprocessing arrays without standardization, and reads them back as none', () => {
    const plain = randomModel({ sizes: [2, 1], activations: [], output: 'sigmoid', preprocessing: { scale: 1, standardize: null } });
    const arrays = npzArrays(plain);
    expect(Array.from(arrays.preprocessing_mean.data)).toEqual([0, 0]);
    expect(Array.from(arrays.preprocessing_std.data)).toEqual([1, 1]);
    expect(modelFromNpz(readNpz(exportNpz(plain))).preprocessing).toEqual({ scale: 1, standardize: null });
  });

  it('accepts b as (n,) and names a mismatched layer with both shapes', () => {
    const arrays = readNpz(exportNpz(model));
    const b1 = arrays.get('b1')!;
    arrays.set('b1', { ...b1, shape: [4] });
    expect(modelFromNpz(arrays).network.b[0].rows).toBe(4);
    arrays.set('W2', { dtype: 'float64', shape: [2, 5], data: new Float64Array(10) });
    expect(() => modelFromNpz(arrays, 'm.npz')).toThrow('m.npz: W2 has shape (2, 5), the architecture needs (2, 4)');
    arrays.set('W2', { dtype: 'float64', shape: [2, 4], data: new Float64Array(8) });
    arrays.set('b1', { dtype: 'float64', shape: [3, 1], data: new Float64Array(3) });
    expect(() => modelFromNpz(arrays, 'm.npz')).toThrow('m.npz: b1 has shape (3, 1), the architecture needs (4, 1)');
    arrays.delete('b2');
    arrays.set('b1', b1);
    expect(() => modelFromNpz(arrays, 'm.npz')).toThrow('m.npz: weights has no b2');
  });

  it('says what is missing from an npz of bare weights, which still initializes a network', () => {
    const bare = { W1: { dtype: 'float64' as const, shape: [1, 2], data: Float64Array.from([1, 2]) }, b1: { dtype: 'float64' as const, shape: [1], data: Float64Array.from([3]) } };
    const arrays = readNpz(writeNpz(bare));
    expect(() => modelFromNpz(arrays, 'w.npz')).toThrow("w.npz has no 'layerlab_model' array, so it does not say the network's activations and output; it holds W1, b1");
    const { W, b } = weightsFromTensors(arrays, 'w.npz');
    expect(W[0].shapeText).toBe('(1, 2)');
    expect(b[0].shapeText).toBe('(1, 1)');
    expect(() => weightsFromTensors(new Map([['W1', bare.W1]]), 'w.npz')).toThrow('w.npz has W1 but no b1');
  });

  it('rejects a preprocessing array of the wrong size', () => {
    const arrays = readNpz(exportNpz(model));
    arrays.set('preprocessing_mean', { dtype: 'float64', shape: [2, 1], data: new Float64Array(2) });
    expect(() => modelFromNpz(arrays, 'm.npz')).toThrow('m.npz: preprocessing_mean has shape (2, 1), the network needs (3, 1)');
  });
});

describe('the safetensors layout', () => {
  const model = randomModel({ sizes: [3, 4, 1], activations: ['leaky_relu'], output: 'sigmoid', leakySlope: 0.1, classNames: ['cat', 'dog'] });

  it('holds one tensor per parameter in the course shapes and the model as metadata strings', () => {
    const file = readSafetensors(exportSafetensors(model));
    expect([...file.tensors.keys()]).toEqual(['W1', 'b1', 'W2', 'b2']);
    expect(file.tensors.get('W1')).toMatchObject({ dtype: 'float64', shape: [4, 3] });
    expect(file.tensors.get('b1')).toMatchObject({ dtype: 'float64', shape: [4, 1] });
    expect(file.metadata!.format).toBe('layerlab-model');
    const header = JSON.parse(file.metadata!.layerlab_model);
    expect(header.architecture).toEqual({ sizes: [3, 4, 1], activations: ['leaky_relu'], output: 'sigmoid', leaky_slope: 0.1 });
    expect(header.preprocessing).toEqual(model.preprocessing);
    expect(header.class_names).toEqual(['cat', 'dog']);
  });

  it('writes F32 tensors for a float32 model', () => {
    const f32 = randomModel({ sizes: [2, 2, 1], activations: ['tanh'], output: 'sigmoid', precision: 'float32' });
    expect(readSafetensors(exportSafetensors(f32)).tensors.get('W1')!.dtype).toBe('float32');
  });

  it('names a mismatched layer with both shapes, and a file without the model metadata', () => {
    const file = readSafetensors(exportSafetensors(model));
    file.tensors.set('W1', { dtype: 'float64', shape: [3, 4], data: new Float64Array(12) });
    const bytes = writeSafetensors(file.tensors, file.metadata);
    expect(() => importSafetensors(bytes, 'm.safetensors')).toThrow('m.safetensors: W1 has shape (3, 4), the architecture needs (4, 3)');
    const bare = writeSafetensors(file.tensors);
    expect(() => importSafetensors(bare, 'w.safetensors')).toThrow('w.safetensors has no "layerlab_model" in its __metadata__');
    expect(weightsFromTensors(readSafetensors(bare).tensors).W[0].shapeText).toBe('(3, 4)');
  });
});

describe('the JSON export', () => {
  it('is the model file, with the leaky slope and config', () => {
    const model = randomModel({ sizes: [2, 3, 1], activations: ['leaky_relu'], output: 'sigmoid', leakySlope: 0.3 });
    const json = JSON.parse(exportJson(model));
    expect(json).toMatchObject({ format: 'layerlab-model', version: 1, architecture: { leaky_slope: 0.3 }, config: { note: 'test' } });
    expect(json.weights.W1).toHaveLength(3);
    expect(json.weights.b1).toEqual(model.network.b[0].toRows());
  });
});
