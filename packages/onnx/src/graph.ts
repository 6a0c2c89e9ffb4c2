/**
 * A small in-memory ONNX graph: what the exporter builds, the float16 and int8 passes
 * rewrite, and proto.ts serialises. Tensor layouts and operator semantics are ONNX's
 * (NCHW for images); names are unique within a graph.
 */

export type TensorType = 'float32' | 'float16' | 'int8' | 'uint8' | 'int32' | 'int64';

export type TensorData =
  Float32Array | Uint16Array | Int8Array | Uint8Array | Int32Array | BigInt64Array;

/**
 * What an initializer holds: a layer's weights or biases (the parameters that float16 and
 * int8 store in fewer bytes), or a constant of the graph (normalisation statistics,
 * shapes, clip bounds, quantisation scales), which always keeps its type.
 */
export type InitializerRole = 'weight' | 'bias' | 'constant';

/** A constant tensor (an initializer). float16 data is held as its binary16 bits. */
export interface Initializer {
  name: string;
  type: TensorType;
  dims: number[];
  data: TensorData;
  role: InitializerRole;
}

export type AttributeValue = number | number[] | string;

export interface OnnxNode {
  op: string;
  name: string;
  inputs: string[];
  outputs: string[];
  /** Integers are written as INT(S) unless listed in `floatAttributes`. */
  attributes: Record<string, AttributeValue>;
  floatAttributes?: string[];
}

/** A graph input or output: a name, an element type and a shape (null = any size; absent = unknown rank). */
export interface ValueInfo {
  name: string;
  type: TensorType;
  shape?: (number | null)[];
  doc?: string;
}

export interface OnnxGraph {
  name: string;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  nodes: OnnxNode[];
  initializers: Map<string, Initializer>;
  /** Model metadata (ModelProto.metadata_props). */
  metadata: Record<string, string>;
  doc: string;
}

/** Appends nodes and constants to a graph, making names unique. */
export class GraphBuilder {
  readonly graph: OnnxGraph;
  private readonly used = new Set<string>();

  constructor(name: string) {
    this.graph = {
      name,
      inputs: [],
      outputs: [],
      nodes: [],
      initializers: new Map(),
      metadata: {},
      doc: '',
    };
  }

  /** A fresh name starting with `base`. */
  unique(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Keeps names for `nodeNamed` (graph outputs whose names are part of the contract). */
  reserve(...names: string[]): void {
    for (const n of names) this.used.add(n);
  }

  /** Adds one node whose output is exactly `output` (a name reserved before). */
  nodeNamed(op: string, inputs: string[], output: string): string {
    this.graph.nodes.push({ op, name: output, inputs, outputs: [output], attributes: {} });
    return output;
  }

  input(info: ValueInfo): string {
    this.used.add(info.name);
    this.graph.inputs.push(info);
    return info.name;
  }

  /** Adds an initializer (under a fresh name made from `name`) and returns its name. */
  constant(
    name: string,
    type: TensorType,
    dims: number[],
    data: TensorData,
    role: InitializerRole = 'constant',
  ): string {
    const unique = this.unique(name);
    this.graph.initializers.set(unique, { name: unique, type, dims, data, role });
    return unique;
  }

  /** Adds one node with one output named after `name`; returns the output's name. */
  node(
    op: string,
    inputs: string[],
    name: string,
    attributes: Record<string, AttributeValue> = {},
    floatAttributes?: string[],
  ): string {
    const nodeName = this.unique(name);
    this.graph.nodes.push({
      op,
      name: nodeName,
      inputs,
      outputs: [nodeName],
      attributes,
      ...(floatAttributes ? { floatAttributes } : {}),
    });
    return nodeName;
  }
}

/** Element count of a shape. */
export function elements(dims: readonly number[]): number {
  return dims.reduce((n, d) => n * d, 1);
}

/** Bytes of one element of a tensor type. */
export const TYPE_BYTES: Record<TensorType, number> = {
  float32: 4,
  float16: 2,
  int8: 1,
  uint8: 1,
  int32: 4,
  int64: 8,
};

/** The nodes that read each tensor, for rewrites that need a tensor's consumers. */
export function consumers(graph: OnnxGraph): Map<string, OnnxNode[]> {
  const map = new Map<string, OnnxNode[]>();
  for (const node of graph.nodes) {
    for (const input of node.inputs) {
      if (input === '') continue;
      const list = map.get(input) ?? [];
      list.push(node);
      map.set(input, list);
    }
  }
  return map;
}
