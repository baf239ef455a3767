// The ONNX export run by a consumer we did not write: onnxruntime-node. For every
// hidden activation and every output layer, with the preprocessing in the graph,
// the runtime's float32 outputs on raw [N, n_x] inputs must equal Layerlab's own
// predictions to 1e-5. The graph's structure and metadata are checked too.
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ACTIVATION_NAMES } from '../../src-core/activations';
import { decodeOnnx, exportOnnx, onnxModel } from '../../src-core/export';
import { Matrix } from '../../src-core/matrix';
import type { LoadedModel } from '../../src-core/model-file';
import { applyPreprocessing } from '../../src-core/preprocess';
import { expectClose } from '../helpers/fixtures';
import { randomInputs, randomModel } from '../fixtures/export/models';

/** The runtime's outputs for raw inputs X (n_x, m), as (n_y, m). */
async function runOnnx(bytes: Uint8Array, X: Matrix): Promise<{ A: Matrix; outputName: string }> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const rows = new Float32Array(X.size);
    for (let i = 0; i < X.rows; i++) for (let j = 0; j < X.cols; j++) rows[j * X.rows + i] = X.get(i, j);
    const outputName = session.outputNames[0];
    const out = (await session.run({ X: new ort.Tensor('float32', rows, [X.cols, X.rows]) }))[outputName];
    expect(out.type).toBe('float32');
    const [m, ny] = out.dims.map(Number);
    expect(m).toBe(X.cols);
    const A = Matrix.zeros(ny, m);
    for (let j = 0; j < m; j++) for (let i = 0; i < ny; i++) A.set(i, j, (out.data as Float32Array)[j * ny + i]);
    return { A, outputName };
  } finally {
    await session.release();
  }
}

const layerlab = (model: LoadedModel, X: Matrix): Matrix =>
  model.network.predict(applyPreprocessing(X.as(model.network.precision), model.preprocessing));

const outputs = ['sigmoid', 'softmax', 'linear'] as const;

describe('ONNX export in onnxruntime', () => {
  it.each(ACTIVATION_NAMES.flatMap((a) => outputs.map((o) => [a, o] as const)))(
    '%s hidden layers, %s output: equal to Layerlab to 1e-5 on float32',
    async (activation, output) => {
      const ny = output === 'sigmoid' ? 1 : 4;
      const X = Matrix.from(5, 64, randomInputs(5, 64, 5, 10));
      // A float32 model (the same numbers as the graph's), and a float64 one (Layerlab's default).
      for (const precision of ['float32', 'float64'] as const) {
        const model = randomModel({ sizes: [5, 8, 6, ny], activations: [activation, activation], output, leakySlope: 0.07, precision, scale: 1.5, seed: 3 });
        const { A, outputName } = await runOnnx(exportOnnx(model), X);
        expect(outputName).toBe(output === 'linear' ? 'predictions' : 'probabilities');
        expectClose(A.data, layerlab(model, X).data, 1e-5, `${precision} Layerlab vs onnxruntime`);
        if (output === 'softmax') {
          for (let j = 0; j < X.cols; j++) {
            let s = 0;
            for (let i = 0; i < ny; i++) s += A.get(i, j);
            expect(s).toBeCloseTo(1, 5);
          }
        }
      }
    },
  );

  it('runs a float64 model with mixed activations and no preprocessing, leaving out the identity steps', async () => {
    const model = randomModel({
      sizes: [3, 7, 5, 4, 3],
      activations: ['relu', 'leaky_relu', 'sigmoid'],
      output: 'softmax',
      preprocessing: { scale: 1, standardize: null },
      seed: 9,
    });
    const bytes = exportOnnx(model);
    const ops = decodeOnnx(bytes).graph.node.map((n) => n.op_type);
    expect(ops).toEqual(['Gemm', 'Relu', 'Gemm', 'LeakyRelu', 'Gemm', 'Sigmoid', 'Gemm', 'Softmax']);
    const X = Matrix.from(3, 30, randomInputs(3, 30, 8));
    expectClose((await runOnnx(bytes, X)).A.data, layerlab(model, X).data, 1e-5, 'mixed');
  });

  it('runs logistic regression with only an input scale', async () => {
    const model = randomModel({ sizes: [4, 1], activations: [], output: 'sigmoid', preprocessing: { scale: 1 / 255, standardize: null } });
    const bytes = exportOnnx(model);
    expect(decodeOnnx(bytes).graph.node.map((n) => n.op_type)).toEqual(['Mul', 'Gemm', 'Sigmoid']);
    const X = Matrix.from(4, 10, randomInputs(4, 10, 2, 255));
    expectClose((await runOnnx(bytes, X)).A.data, layerlab(model, X).data, 1e-5, 'logistic regression');
  });

  it('handles a batch of one and a large batch', async () => {
    const model = randomModel({ sizes: [2, 3, 1], activations: ['tanh'], output: 'sigmoid' });
    const bytes = exportOnnx(model);
    for (const m of [1, 5000]) {
      const X = Matrix.from(2, m, randomInputs(2, m, m));
      expectClose((await runOnnx(bytes, X)).A.data, layerlab(model, X).data, 1e-5, `m = ${m}`);
    }
  });
});

describe('the ONNX graph', () => {
  const model = randomModel({ sizes: [3, 4, 2], activations: ['leaky_relu'], output: 'softmax', leakySlope: 0.2, classNames: ['no', 'yes'] });
  const proto = decodeOnnx(exportOnnx(model, { producerVersion: '9.9.9' }));

  it('declares opset 13, the producer and Layerlab metadata', () => {
    expect(proto.ir_version).toBe(7);
    expect(proto.opset_import).toEqual([{ version: 13 }]);
    expect(proto.producer_name).toBe('layerlab');
    expect(proto.producer_version).toBe('9.9.9');
    const meta = Object.fromEntries(proto.metadata_props.map((p) => [p.key, p.value]));
    expect(JSON.parse(meta.class_names)).toEqual(['no', 'yes']);
    const header = JSON.parse(meta.layerlab_model);
    expect(header.architecture).toEqual({ sizes: [3, 4, 2], activations: ['leaky_relu'], output: 'softmax', leaky_slope: 0.2 });
    expect(header.preprocessing).toEqual(model.preprocessing);
    expect(header.weights).toBeUndefined();
  });

  it('takes X as [N, n_x] and gives probabilities as [N, n_y], both float32', () => {
    const dims = (v: (typeof proto.graph.input)[number]) => v.type.tensor_type.shape.dim;
    expect(proto.graph.input.map((v) => v.name)).toEqual(['X']);
    expect(dims(proto.graph.input[0])).toEqual([{ dim_param: 'N' }, { dim_value: 3 }]);
    expect(proto.graph.output.map((v) => v.name)).toEqual(['probabilities']);
    expect(dims(proto.graph.output[0])).toEqual([{ dim_param: 'N' }, { dim_value: 2 }]);
    expect(proto.graph.input[0].type.tensor_type.elem_type).toBe(1);
  });

  it('stores W in the course shape with Gemm(transB=1), b as (n,), the preprocessing as float32 constants', () => {
    const init = Object.fromEntries(proto.graph.initializer.map((t) => [t.name, t]));
    expect(init.W1.dims).toEqual([4, 3]);
    expect(init.b1.dims).toEqual([4]);
    expect(init.W2.dims).toEqual([2, 4]);
    expect(init.preprocessing_mean.dims).toEqual([3]);
    expect(init.preprocessing_scale.dims ?? []).toEqual([]);
    for (const t of proto.graph.initializer) expect(t.data_type).toBe(1);
    const w1 = new Float32Array(Uint8Array.from(init.W1.raw_data!).buffer);
    expect(Array.from(w1)).toEqual(Array.from(Float32Array.from(model.network.W[0].data)));
    const gemm = proto.graph.node.find((n) => n.op_type === 'Gemm')!;
    expect(gemm.attribute).toEqual([expect.objectContaining({ name: 'transB', i: 1, type: 2 })]);
    const leaky = proto.graph.node.find((n) => n.op_type === 'LeakyRelu')!;
    expect(leaky.attribute![0].f).toBeCloseTo(0.2, 6);
    const softmax = proto.graph.node.find((n) => n.op_type === 'Softmax')!;
    expect(softmax.attribute![0]).toMatchObject({ name: 'axis', i: 1 });
  });

  it('is the object it encodes', () => {
    expect(onnxModel(model).graph.node.length).toBe(proto.graph.node.length);
  });
});
