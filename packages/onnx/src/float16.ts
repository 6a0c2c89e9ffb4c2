import { float32ToHalfBytes } from '@asc/native';
import type { OnnxGraph, OnnxNode } from './graph';

/**
 * float16 storage: every weight and bias becomes a binary16 initializer (round to
 * nearest even, the project's one encoder) read through a `Cast` to float32, so the file
 * holds half the bytes and onnxruntime computes in float32 on any CPU (its CPU kernels
 * for float16 convolutions are few), as tfjs does with its float16 weight files. Graph
 * constants (the normalisation statistics, shapes, clip bounds) stay as they are.
 */
export function toFloat16Weights(graph: OnnxGraph): OnnxGraph {
  const initializers = new Map(graph.initializers);
  const casts: OnnxNode[] = [];
  for (const t of graph.initializers.values()) {
    if (t.role === 'constant' || t.type !== 'float32') continue;
    const half = `${t.name}_fp16`;
    const bytes = float32ToHalfBytes(t.data as Float32Array);
    initializers.delete(t.name);
    initializers.set(half, {
      ...t,
      name: half,
      type: 'float16',
      data: new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2),
    });
    // The Cast's output keeps the old name, so no consumer changes.
    casts.push({
      op: 'Cast',
      name: `${t.name}_cast`,
      inputs: [half],
      outputs: [t.name],
      attributes: { to: 1 },
    });
  }
  return { ...graph, initializers, nodes: [...casts, ...graph.nodes] };
}
