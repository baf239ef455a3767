/**
 * ONNX export: the network as an ONNX graph that takes raw inputs the way ONNX
 * users expect, X of shape [N, n_x] (rows are examples, the transpose of the
 * course's layout), and returns [N, n_y]:
 *
 *   X ─ Mul(scale) ─ Sub(mean) ─ Div(std)          the preprocessing, as graph ops
 *     ─ Gemm(W1, b1, transB=1) ─ Tanh/Sigmoid/Relu/LeakyRelu(alpha)   per hidden layer
 *     ─ Gemm(WL, bL, transB=1) ─ Sigmoid | Softmax(axis=1) | Identity
 *
 * Gemm computes A·Wᵀ + b, so W keeps the course's shape (n[l], n[l-1]) and b is
 * stored as (n[l],). Preprocessing steps that do nothing (scale 1, no
 * standardization) are left out. Everything is float32, as ONNX runtimes compute.
 * The output is named "probabilities" for sigmoid and softmax outputs and
 * "predictions" for a linear (regression) output.
 *
 * Opset 13, IR version 7: read by onnxruntime since 1.6 and by every current tool.
 * The model's metadata_props hold "layerlab_model" (the model file's fields but
 * the weights, as JSON) and, when the model has them, "class_names" (a JSON list).
 */
import type { ActivationName } from '../activations';
import { type LoadedModel, modelHeader } from '../model-file';
import {
  ATTRIBUTE_FLOAT,
  ATTRIBUTE_INT,
  ONNX_FLOAT,
  encodeModel,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from './onnx-proto';

export const ONNX_OPSET = 13;
export const ONNX_IR_VERSION = 7;
export const ONNX_INPUT = 'X';

/** The name of the model's one output, by output layer. */
export function onnxOutputName(output: 'sigmoid' | 'softmax' | 'linear'): string {
  return output === 'linear' ? 'predictions' : 'probabilities';
}

export interface OnnxExportOptions {
  /** Recorded as the model's producer_version. */
  producerVersion?: string;
}

/** The ModelProto of a model, as bytes for a .onnx file. */
export function exportOnnx(model: LoadedModel, options: OnnxExportOptions = {}): Uint8Array {
  return encodeModel(onnxModel(model, options));
}

/** The ModelProto of a model, as plain objects (what exportOnnx encodes). */
export function onnxModel(model: LoadedModel, options: OnnxExportOptions = {}): OnnxModel {
  const { network, preprocessing } = model;
  const nx = network.inputSize;
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  const node = (op: string, inputs: string[], output: string, attribute?: OnnxNode['attribute']): string => {
    nodes.push({ name: `${op}_${nodes.length}`, op_type: op, input: inputs, output: [output], ...(attribute ? { attribute } : {}) });
    return output;
  };
  const constant = (name: string, dims: number[], values: ArrayLike<number>): string => {
    initializers.push(floatTensor(name, dims, values));
    return name;
  };

  let x = ONNX_INPUT;
  if (preprocessing.scale !== 1) {
    x = node('Mul', [x, constant('preprocessing_scale', [], [preprocessing.scale])], 'X_scaled');
  }
  if (preprocessing.standardize) {
    const { mean, std } = preprocessing.standardize;
    x = node('Sub', [x, constant('preprocessing_mean', [nx], mean)], 'X_centered');
    x = node('Div', [x, constant('preprocessing_std', [nx], std)], 'X_standardized');
  }
  const L = network.depth;
  const outputName = onnxOutputName(network.output.name);
  for (let l = 0; l < L; l++) {
    const W = constant(`W${l + 1}`, [network.W[l].rows, network.W[l].cols], network.W[l].data);
    const b = constant(`b${l + 1}`, [network.b[l].rows], network.b[l].data);
    const z = node('Gemm', [x, W, b], `Z${l + 1}`, [{ name: 'transB', type: ATTRIBUTE_INT, i: 1 }]);
    if (l < L - 1) {
      x = activation(node, network.activations[l].name, z, `A${l + 1}`, model.leakySlope);
    } else if (network.output.name === 'sigmoid') {
      x = node('Sigmoid', [z], outputName);
    } else if (network.output.name === 'softmax') {
      x = node('Softmax', [z], outputName, [{ name: 'axis', type: ATTRIBUTE_INT, i: 1 }]);
    } else {
      x = node('Identity', [z], outputName);
    }
  }

  const header = modelHeader(model);
  const metadata = [{ key: 'layerlab_model', value: JSON.stringify(header) }];
  if (model.classNames) metadata.push({ key: 'class_names', value: JSON.stringify(model.classNames) });
  const sizes = network.sizes.join('-');
  return {
    ir_version: ONNX_IR_VERSION,
    opset_import: [{ domain: '', version: ONNX_OPSET }],
    producer_name: 'layerlab',
    ...(options.producerVersion ? { producer_version: options.producerVersion } : {}),
    doc_string: `Layerlab network ${sizes} (${network.output.name} output); input X is [N, ${nx}] raw features, one row per example: preprocessing is part of the graph`,
    graph: {
      name: 'layerlab',
      node: nodes,
      initializer: initializers,
      input: [valueInfo(ONNX_INPUT, nx, 'raw features, one row per example')],
      output: [valueInfo(outputName, network.outputSize, outputName === 'predictions' ? 'linear outputs' : 'probability of each output unit')],
    },
    metadata_props: metadata,
  };
}

type AddNode = (op: string, inputs: string[], output: string, attribute?: OnnxNode['attribute']) => string;

function activation(node: AddNode, name: ActivationName, z: string, out: string, leakySlope: number): string {
  switch (name) {
    case 'sigmoid':
      return node('Sigmoid', [z], out);
    case 'tanh':
      return node('Tanh', [z], out);
    case 'relu':
      return node('Relu', [z], out);
    case 'leaky_relu':
      return node('LeakyRelu', [z], out, [{ name: 'alpha', type: ATTRIBUTE_FLOAT, f: leakySlope }]);
  }
}

function valueInfo(name: string, width: number, doc: string): OnnxValueInfo {
  return {
    name,
    type: { tensor_type: { elem_type: ONNX_FLOAT, shape: { dim: [{ dim_param: 'N' }, { dim_value: width }] } } },
    doc_string: doc,
  };
}

/** A float32 initializer, its values little-endian in raw_data. */
function floatTensor(name: string, dims: number[], values: ArrayLike<number>): OnnxTensor {
  const raw = new Uint8Array(values.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return { name, dims, data_type: ONNX_FLOAT, raw_data: raw };
}

