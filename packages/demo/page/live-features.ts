import {
  clipTopDb,
  framesAvailable,
  FrameAnalyser,
  midSideSegments,
  peakOf,
  type FeatureConfig,
  type FilterbankWeights,
  type AudioPlanes,
} from '@asc/native/browser';

/** What one push of audio completed. */
export interface LiveStep {
  /** Mid-plane dB of the frames completed by this push (frames x bands), for the picture. */
  mid: Float32Array;
  frames: number;
  /** Whole segments completed (each segmentFrames x bands x 2, NHWC like a clip's). */
  segments: Float32Array[];
}

/** A growable sample buffer that forgets samples no frame needs any more. */
class Samples {
  data = new Float32Array(1 << 16);
  /** Signal index of data[0]. */
  origin = 0;
  length = 0;

  append(x: Float32Array): void {
    if (this.length + x.length > this.data.length) {
      const grown = new Float32Array(Math.max(2 * this.data.length, this.length + x.length));
      grown.set(this.data.subarray(0, this.length));
      this.data = grown;
    }
    this.data.set(x, this.length);
    this.length += x.length;
  }

  /** Drops samples before signal index `keepFrom`. */
  trim(keepFrom: number): void {
    const drop = keepFrom - this.origin;
    if (drop <= 0) return;
    this.data.copyWithin(0, drop, this.length);
    this.length -= drop;
    this.origin = keepFrom;
  }

  view(): Float32Array {
    return this.data.subarray(0, this.length);
  }
}

/**
 * The clip pipeline run on live audio: frames are computed as soon as their window is
 * complete, and each whole segment is emitted with the dB floor of a clip (peak - topDb)
 * taken over the frames from the start up to that segment's end. So segment s equals
 * segment s of the whole recording analysed as a clip wherever the recording's peak
 * already occurred by then (elsewhere only cells below the floor differ), whatever sizes
 * the audio arrives in.
 */
export class LiveFeatures {
  private readonly analyser: FrameAnalyser;
  private readonly buffers: Samples[];
  private readonly recorded: Float32Array[];
  /** Unclipped dB of the frames of the segment in progress, per channel. */
  private pending: Float32Array[];
  private pendingFrames = 0;
  private readonly peaks: number[];
  private received = 0;
  private framesDone = 0;
  segmentsDone = 0;

  constructor(
    private readonly config: FeatureConfig,
    /** The filter bank to apply (default: designed from the config). */
    bank: FilterbankWeights | undefined,
    readonly channels: 1 | 2,
    /** How much of the start is kept for recording(), in samples. */
    private readonly recordSamples: number,
  ) {
    this.analyser = new FrameAnalyser(config, bank);
    this.buffers = Array.from({ length: channels }, () => new Samples());
    this.recorded = Array.from({ length: channels }, () => new Float32Array(recordSamples));
    this.pending = Array.from({ length: channels }, () => new Float32Array(0));
    this.peaks = Array.from({ length: channels }, () => -Infinity);
  }

  get bands(): number {
    return this.analyser.bands;
  }

  /** Seconds of audio received. */
  get seconds(): number {
    return this.received / this.config.sampleRateHz;
  }

  /** Appends audio (one array per channel, equal lengths). */
  push(chunk: Float32Array[]): LiveStep {
    const { config, bands } = this;
    const n = chunk[0].length;
    for (let c = 0; c < this.channels; c++) {
      const keep = Math.min(n, this.recordSamples - this.received);
      if (keep > 0) this.recorded[c].set(chunk[c].subarray(0, keep), this.received);
      this.buffers[c].append(chunk[c]);
    }
    this.received += n;
    const from = this.framesDone;
    const to = framesAvailable(this.received, config);
    const rows = this.buffers.map((b) => this.analyser.frames(b.view(), from, to, b.origin));
    this.framesDone = to;
    const frames = to - from;
    const mid = new Float32Array(frames * bands);
    for (let i = 0; i < mid.length; i++) {
      mid[i] = this.channels === 2 ? 0.5 * (rows[0][i] + rows[1][i]) : rows[0][i];
    }
    const segments: Float32Array[] = [];
    let used = 0;
    while (used < frames) {
      const take = Math.min(frames - used, config.segmentFrames - this.pendingFrames);
      this.pending = this.pending.map((p, c) => {
        const grown = new Float32Array((this.pendingFrames + take) * bands);
        grown.set(p);
        grown.set(
          rows[c].subarray(used * bands, (used + take) * bands),
          this.pendingFrames * bands,
        );
        return grown;
      });
      this.pendingFrames += take;
      used += take;
      if (this.pendingFrames === config.segmentFrames) segments.push(this.emit());
    }
    // Keep the samples from the first one the next frame reads.
    const nextFirst =
      this.framesDone * config.hopSamples +
      Math.floor((config.nFft - config.windowSamples) / 2) -
      Math.floor(config.nFft / 2);
    for (const b of this.buffers) b.trim(Math.max(0, nextFirst));
    return { mid, frames, segments };
  }

  private emit(): Float32Array {
    const clipped = this.pending.map((db, c) => {
      this.peaks[c] = Math.max(this.peaks[c], peakOf(db));
      clipTopDb(db, this.config, this.peaks[c]);
      return db;
    });
    this.pending = this.pending.map(() => new Float32Array(0));
    this.pendingFrames = 0;
    this.segmentsDone++;
    return midSideSegments(clipped[0], clipped[1], this.bands, this.config).segments;
  }

  /** The first `recordSamples` samples received, as decoded audio. */
  recording(): AudioPlanes {
    const frames = Math.min(this.received, this.recordSamples);
    return {
      sampleRateHz: this.config.sampleRateHz,
      channels: this.channels,
      frames,
      samples: this.recorded.map((r) => r.slice(0, frames)),
    };
  }

  dispose(): void {
    this.analyser.dispose();
  }
}
