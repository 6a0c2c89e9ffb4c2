import { onnx } from 'onnx-proto';
import type { OnnxGraph, TensorData, TensorType, ValueInfo } from './graph';

/**
 * ONNX protobuf encoding through onnx-proto (protobufjs code generated from onnx.proto,
 * IR version 8 schema). We write IR version 7 with the default-domain opset 13: the
 * first opset with per-channel QuantizeLinear / DequantizeLinear, read by onnxruntime
 * and by ONNX 1.8 and later.
 */
export const ONNX_IR_VERSION = 7;
export const ONNX_OPSET = 13;

const DATA_TYPE: Record<TensorType, onnx.TensorProto.DataType> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float16: onnx.TensorProto.DataType.FLOAT16,
  int8: onnx.TensorProto.DataType.INT8,
  uint8: onnx.TensorProto.DataType.UINT8,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
};

const TYPE_OF = new Map<number, TensorType>(
  Object.entries(DATA_TYPE).map(([k, v]) => [v, k as TensorType]),
);

function rawBytes(data: TensorData): Uint8Array {
  // Typed arrays are little-endian on every platform Node runs on, as ONNX's raw_data is.
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function valueInfo(v: ValueInfo): onnx.IValueInfoProto {
  return {
    name: v.name,
    docString: v.doc ?? '',
    type: {
      tensorType: {
        elemType: DATA_TYPE[v.type],
        ...(v.shape
          ? {
              shape: {
                dim: v.shape.map((d) => (d === null ? { dimParam: 'batch' } : { dimValue: d })),
              },
            }
          : {}),
      },
    },
  };
}

export interface EncodeOptions {
  producerVersion: string;
}

/** Serialises a graph as an ONNX ModelProto. */
export function encodeModel(graph: OnnxGraph, o: EncodeOptions): Uint8Array {
  const model: onnx.IModelProto = {
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'asc-nas',
    producerVersion: o.producerVersion,
    docString: graph.doc,
    metadataProps: Object.entries(graph.metadata).map(([key, value]) => ({ key, value })),
    graph: {
      name: graph.name,
      input: graph.inputs.map(valueInfo),
      output: graph.outputs.map(valueInfo),
      initializer: [...graph.initializers.values()].map((t) => ({
        name: t.name,
        dataType: DATA_TYPE[t.type],
        dims: t.dims,
        rawData: rawBytes(t.data),
      })),
      node: graph.nodes.map((n) => ({
        name: n.name,
        opType: n.op,
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attributes).map(([name, value]) =>
          attribute(name, value, n.floatAttributes?.includes(name) ?? false),
        ),
      })),
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}

function attribute(name: string, value: number | number[] | string, float: boolean) {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') {
    return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  }
  if (Array.isArray(value)) {
    return float ? { name, type: T.FLOATS, floats: value } : { name, type: T.INTS, ints: value };
  }
  return float ? { name, type: T.FLOAT, f: value } : { name, type: T.INT, i: value };
}

/** What `decodeModel` returns: the parts the tools and tests read back. */
export interface DecodedModel {
  irVersion: number;
  opset: number;
  producer: string;
  metadata: Record<string, string>;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  nodes: { op: string; name: string; inputs: string[]; outputs: string[] }[];
  initializers: Map<string, { type: TensorType; dims: number[]; bytes: Uint8Array }>;
}

/** Parses a ModelProto (one written here or elsewhere); throws on bytes that are not one. */
export function decodeModel(bytes: Uint8Array): DecodedModel {
  const m = onnx.ModelProto.decode(bytes);
  const graph = m.graph;
  if (!graph) throw new Error('the ModelProto has no graph');
  const num = (x: number | { toNumber(): number } | null | undefined): number =>
    x === null || x === undefined ? 0 : typeof x === 'number' ? x : x.toNumber();
  const info = (v: onnx.IValueInfoProto): ValueInfo => {
    const t = v.type?.tensorType;
    return {
      name: v.name ?? '',
      type: TYPE_OF.get(t?.elemType ?? 0) ?? 'float32',
      ...(t?.shape
        ? { shape: (t.shape.dim ?? []).map((d) => (d.dimParam ? null : num(d.dimValue))) }
        : {}),
    };
  };
  return {
    irVersion: num(m.irVersion),
    opset: num(m.opsetImport.find((o) => !o.domain)?.version),
    producer: `${m.producerName ?? ''} ${m.producerVersion ?? ''}`.trim(),
    metadata: Object.fromEntries(m.metadataProps.map((p) => [p.key ?? '', p.value ?? ''])),
    inputs: (graph.input ?? []).map(info),
    outputs: (graph.output ?? []).map(info),
    nodes: (graph.node ?? []).map((n) => ({
      op: n.opType ?? '',
      name: n.name ?? '',
      inputs: n.input ?? [],
      outputs: n.output ?? [],
    })),
    initializers: new Map(
      (graph.initializer ?? []).map((t) => {
        const type = TYPE_OF.get(t.dataType ?? 0);
        if (!type)
          throw new Error(`initializer ${t.name} has an unsupported data type ${t.dataType}`);
        return [
          t.name ?? '',
          { type, dims: (t.dims ?? []).map(num), bytes: new Uint8Array(t.rawData ?? []) },
        ];
      }),
    ),
  };
}
