import * as fs from 'fs';
import * as ort from 'onnxruntime-node';
import { OnnxModelFileError } from './errors';
import { ONNX_INPUT, ONNX_LOGITS, ONNX_PROBABILITIES } from './from-tfjs';
import { decodeModel, type DecodedModel } from './proto';

/**
 * onnxruntime's graph optimisation levels. Parity checks use 'basic' (constant folding
 * and redundant-node removal only): from 'extended' on, onnxruntime rewrites
 * DequantizeLinear + MatMul/Gemm into dynamically quantised kernels and the numbers move.
 */
export type OptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

export interface OnnxSessionOptions {
  /** Intra-op threads (onnxruntime's default: one per core). */
  threads?: number;
  optimization?: OptimizationLevel;
}

/** Scores of one batch: both outputs of an asc ONNX model, [count x classes] each. */
export interface OnnxScores {
  probabilities: Float32Array;
  logits: Float32Array;
  /** Any further outputs of the graph (calibration adds intermediate tensors), by name. */
  extra: Map<string, Float32Array>;
}

/** An asc ONNX model (input `segment`, outputs `probabilities` and `logits`) on onnxruntime. */
export class OnnxModel {
  private constructor(
    private readonly session: ort.InferenceSession,
    /** [frames, bands, planes] of one input segment. */
    readonly segmentShape: [number, number, number],
    readonly classes: number,
    readonly decoded: DecodedModel,
  ) {}

  /** Opens a model from its bytes or a file (named in errors). */
  static async open(source: Uint8Array | string, o: OnnxSessionOptions = {}): Promise<OnnxModel> {
    const file = typeof source === 'string' ? source : '<in memory>';
    let bytes: Uint8Array;
    try {
      bytes = typeof source === 'string' ? fs.readFileSync(source) : source;
    } catch (err) {
      throw new OnnxModelFileError(file, `cannot read: ${(err as Error).message}`, err);
    }
    let decoded: DecodedModel;
    try {
      decoded = decodeModel(bytes);
    } catch (err) {
      throw new OnnxModelFileError(file, `not an ONNX model: ${(err as Error).message}`, err);
    }
    const input = decoded.inputs.find((i) => i.name === ONNX_INPUT);
    const probs = decoded.outputs.find((v) => v.name === ONNX_PROBABILITIES);
    const shape = input?.shape;
    if (!shape || shape.length !== 4 || shape.slice(1).some((d) => d === null) || !probs?.shape) {
      throw new OnnxModelFileError(
        file,
        `not an asc model: expected input "${ONNX_INPUT}" [batch, frames, bands, planes] and output "${ONNX_PROBABILITIES}"`,
      );
    }
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, {
        graphOptimizationLevel: o.optimization ?? 'all',
        executionProviders: ['cpu'],
        ...(o.threads ? { intraOpNumThreads: o.threads, interOpNumThreads: 1 } : {}),
      });
    } catch (err) {
      throw new OnnxModelFileError(
        file,
        `onnxruntime cannot load it: ${(err as Error).message}`,
        err,
      );
    }
    return new OnnxModel(
      session,
      shape.slice(1) as [number, number, number],
      probs.shape[1] ?? 0,
      decoded,
    );
  }

  /** Runs `count` segments (count x frames x bands x planes, channels-last). */
  async run(segments: Float32Array, count: number): Promise<OnnxScores> {
    const x = new ort.Tensor('float32', segments, [count, ...this.segmentShape]);
    const r = await this.session.run({ [ONNX_INPUT]: x });
    const get = (name: string) => r[name].data as Float32Array;
    const extra = this.session.outputNames.filter(
      (n) => n !== ONNX_PROBABILITIES && n !== ONNX_LOGITS,
    );
    return {
      probabilities: get(ONNX_PROBABILITIES),
      logits: get(ONNX_LOGITS),
      extra: new Map(extra.map((n) => [n, get(n)])),
    };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
