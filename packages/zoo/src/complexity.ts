/**
 * Parameters and multiply-accumulates as the DCASE challenges count them.
 *
 * MACs follow torchinfo's rule, which the challenge's NeSsi tool runs on PyTorch models
 * (`torchinfo.summary(model, input_size=(1, C, H, W)).total_mult_adds`): for every layer
 * with parameters, at batch 1,
 * - convolution: (weights + biases) x output height x output width (a depthwise k x k
 *   convolution has k*k*C weights, so k*k*C*H*W MACs);
 * - dense: weights + biases;
 * - batch norm: its scale and shift, 2 x channels (not per pixel);
 * - pooling, activations, additions, concatenations: nothing.
 * A model is counted as trained (batch norm separate), not as exported (folded).
 */

/** What one network costs for one input. */
export interface Cost {
  /** Trainable parameters (batch-norm scale and shift included, moving statistics not). */
  params: number;
  /** Of those, the batch-norm scales and shifts (DCASE 2020 leaves them out). */
  batchNormParams: number;
  /** Multiply-accumulates for one input (one segment), torchinfo's rule. */
  macs: number;
}

/** Accumulates layers' parameters and MACs under the rule above. */
export class CostCounter {
  params = 0;
  batchNormParams = 0;
  macs = 0;

  /** A k x k convolution (groups = input channels for depthwise) on an outH x outW output. */
  conv(
    k: number,
    inChannels: number,
    outChannels: number,
    outH: number,
    outW: number,
    o: { groups?: number; bias?: boolean } = {},
  ): this {
    const weights = ((k * k * inChannels) / (o.groups ?? 1)) * outChannels;
    const p = weights + (o.bias ? outChannels : 0);
    this.params += p;
    this.macs += p * outH * outW;
    return this;
  }

  batchNorm(channels: number): this {
    this.params += 2 * channels;
    this.batchNormParams += 2 * channels;
    this.macs += 2 * channels;
    return this;
  }

  /** Convolution without bias followed by batch norm: the zoo's usual pair. */
  convBn(k: number, inC: number, outC: number, outH: number, outW: number, groups = 1): this {
    return this.conv(k, inC, outC, outH, outW, { groups }).batchNorm(outC);
  }

  dense(inFeatures: number, outFeatures: number, bias = true): this {
    const p = inFeatures * outFeatures + (bias ? outFeatures : 0);
    this.params += p;
    this.macs += p;
    return this;
  }

  add(c: Cost): this {
    this.params += c.params;
    this.batchNormParams += c.batchNormParams;
    this.macs += c.macs;
    return this;
  }

  total(): Cost {
    return { params: this.params, batchNormParams: this.batchNormParams, macs: this.macs };
  }
}

/** Output size of a 'same'-padded convolution or pool with this stride. */
export const sameSize = (n: number, stride: number): number => Math.ceil(n / stride);
/** Output size of a 'valid' k x k window with this stride. */
export const validSize = (n: number, k: number, stride: number): number =>
  Math.floor((n - k) / stride) + 1;

/** How the complexity figures relate segments to audio. */
export interface AudioTiming {
  /** Seconds of audio one input segment covers (128 frames x 10 ms = 1.28 s by default). */
  segmentSeconds: number;
  /** Segments the model runs on for one 10 s clip (8 by default: 1001 frames padded to 1024). */
  segmentsPerClip: number;
}

/** The fields of a feature configuration (@asc/native's FeatureConfig) that fix the timing. */
export interface SegmentGeometry {
  sampleRateHz: number;
  hopSamples: number;
  segmentFrames: number;
}

/**
 * The timing of segments cut as the feature pipeline cuts them: a clip of `clipSeconds`
 * has 1 + floor(samples / hop) frames (centred framing), padded to whole segments.
 */
export function audioTiming(g: SegmentGeometry, clipSeconds = 10): AudioTiming {
  const frames = 1 + Math.floor((clipSeconds * g.sampleRateHz) / g.hopSamples);
  return {
    segmentSeconds: (g.segmentFrames * g.hopSamples) / g.sampleRateHz,
    segmentsPerClip: Math.ceil(frames / g.segmentFrames),
  };
}

/**
 * The complexity figures under their JSON names, for a model stored at `bytesPerParam`
 * (4 float32, 2 float16, 1 int8):
 * - sizeDcase2020Bytes: non-zero parameters outside batch norm x bytes (DCASE 2020
 *   Task 1B: limit 500 KB = 512,000 bytes);
 * - sizeDcase2022Bytes: all parameters x bytes (DCASE 2022-2025 Task 1: 128 KB);
 * - macsPerSecond: MACs per second of audio, the segment's MACs over its duration.
 */
export interface Complexity {
  parameters: number;
  nonZeroParameters: number;
  sizeDcase2020Bytes: number;
  sizeDcase2022Bytes: number;
  macsPerSegment: number;
  macsPerSecond: number;
  /** MACs for one 10 s clip, all its segments. */
  macsPerClip: number;
  bytesPerParam: number;
}

/**
 * The figures of a cost. `nonZeroParameters` is what the trained weights hold outside
 * batch norm; without weights, every parameter outside batch norm is taken as non-zero.
 */
export function complexityOf(
  cost: Cost,
  o: AudioTiming & { bytesPerParam: number; nonZeroParameters?: number },
): Complexity {
  const nonZero = o.nonZeroParameters ?? cost.params - cost.batchNormParams;
  return {
    parameters: cost.params,
    nonZeroParameters: nonZero,
    sizeDcase2020Bytes: nonZero * o.bytesPerParam,
    sizeDcase2022Bytes: cost.params * o.bytesPerParam,
    macsPerSegment: cost.macs,
    macsPerSecond: Math.round(cost.macs / o.segmentSeconds),
    macsPerClip: cost.macs * o.segmentsPerClip,
    bytesPerParam: o.bytesPerParam,
  };
}

/** DCASE 2020 Task 1B's model size limit: 500 KB of non-zero parameters. */
export const DCASE2020_LIMIT_BYTES = 500 * 1024;
