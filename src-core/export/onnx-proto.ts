/**
 * The part of ONNX's protobuf schema (onnx/onnx.proto) that a Layerlab model
 * needs, as protobufjs reflection JSON, with the official field numbers. Only
 * these messages and fields are declared: a reader skips fields it does not
 * know, so a file ONNX tools wrote decodes here too (without those fields).
 *
 * Encoding goes through protobufjs, never hand-written wire bytes.
 */
import protobuf from 'protobufjs/light.js';

/** TensorProto.DataType values used here. */
export const ONNX_FLOAT = 1;
export const ONNX_DOUBLE = 11;
/** AttributeProto.AttributeType values used here. */
export const ATTRIBUTE_FLOAT = 1;
export const ATTRIBUTE_INT = 2;

const repeated = (type: string, id: number) => ({ rule: 'repeated', type, id });
const one = (type: string, id: number) => ({ type, id });

const SCHEMA = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            ir_version: one('int64', 1),
            opset_import: repeated('OperatorSetIdProto', 8),
            producer_name: one('string', 2),
            producer_version: one('string', 3),
            domain: one('string', 4),
            model_version: one('int64', 5),
            doc_string: one('string', 6),
            graph: one('GraphProto', 7),
            metadata_props: repeated('StringStringEntryProto', 14),
          },
        },
        StringStringEntryProto: { fields: { key: one('string', 1), value: one('string', 2) } },
        OperatorSetIdProto: { fields: { domain: one('string', 1), version: one('int64', 2) } },
        GraphProto: {
          fields: {
            node: repeated('NodeProto', 1),
            name: one('string', 2),
            initializer: repeated('TensorProto', 5),
            doc_string: one('string', 10),
            input: repeated('ValueInfoProto', 11),
            output: repeated('ValueInfoProto', 12),
            value_info: repeated('ValueInfoProto', 13),
          },
        },
        NodeProto: {
          fields: {
            input: repeated('string', 1),
            output: repeated('string', 2),
            name: one('string', 3),
            op_type: one('string', 4),
            attribute: repeated('AttributeProto', 5),
            doc_string: one('string', 6),
            domain: one('string', 7),
          },
        },
        AttributeProto: {
          fields: {
            name: one('string', 1),
            f: one('float', 2),
            i: one('int64', 3),
            s: one('bytes', 4),
            floats: repeated('float', 7),
            ints: repeated('int64', 8),
            doc_string: one('string', 13),
            type: one('int32', 20),
          },
        },
        TensorProto: {
          fields: {
            dims: repeated('int64', 1),
            data_type: one('int32', 2),
            float_data: repeated('float', 4),
            name: one('string', 8),
            raw_data: one('bytes', 9),
            double_data: repeated('double', 10),
            doc_string: one('string', 12),
          },
        },
        ValueInfoProto: {
          fields: { name: one('string', 1), type: one('TypeProto', 2), doc_string: one('string', 3) },
        },
        TypeProto: {
          fields: { tensor_type: one('Tensor', 1), denotation: one('string', 6) },
          nested: { Tensor: { fields: { elem_type: one('int32', 1), shape: one('TensorShapeProto', 2) } } },
        },
        TensorShapeProto: {
          fields: { dim: repeated('Dimension', 1) },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dim_value', 'dim_param'] } },
              fields: { dim_value: one('int64', 1), dim_param: one('string', 2), denotation: one('string', 3) },
            },
          },
        },
      },
    },
  },
};

// Plain objects in the shape of the messages above (snake_case, as in onnx.proto).
export interface OnnxDimension {
  dim_value?: number;
  dim_param?: string;
}
export interface OnnxValueInfo {
  name: string;
  type: { tensor_type: { elem_type: number; shape: { dim: OnnxDimension[] } } };
  doc_string?: string;
}
export interface OnnxTensor {
  name: string;
  dims: number[];
  data_type: number;
  raw_data?: Uint8Array;
  float_data?: number[];
  double_data?: number[];
}
export interface OnnxAttribute {
  name: string;
  type: number;
  f?: number;
  i?: number;
}
export interface OnnxNode {
  name: string;
  op_type: string;
  input: string[];
  output: string[];
  attribute?: OnnxAttribute[];
}
export interface OnnxGraph {
  name: string;
  node: OnnxNode[];
  initializer: OnnxTensor[];
  input: OnnxValueInfo[];
  output: OnnxValueInfo[];
  doc_string?: string;
}
export interface OnnxModel {
  ir_version: number;
  opset_import: { domain: string; version: number }[];
  producer_name: string;
  producer_version?: string;
  doc_string?: string;
  graph: OnnxGraph;
  metadata_props: { key: string; value: string }[];
}

let modelType: protobuf.Type | null = null;

function ModelProto(): protobuf.Type {
  modelType ??= protobuf.Root.fromJSON(SCHEMA).lookupType('onnx.ModelProto');
  return modelType;
}

/** A ModelProto's bytes. */
export function encodeModel(model: OnnxModel): Uint8Array {
  const type = ModelProto();
  const problem = type.verify(model);
  if (problem) throw new Error(`ONNX model: ${problem}`);
  return type.encode(type.fromObject(model)).finish();
}

/** A ModelProto from its bytes, as plain objects (64-bit integers as numbers, bytes as Uint8Array). */
export function decodeModel(bytes: Uint8Array): OnnxModel {
  const type = ModelProto();
  const message = type.decode(bytes);
  return type.toObject(message, { longs: Number, defaults: false, arrays: true }) as unknown as OnnxModel;
}
