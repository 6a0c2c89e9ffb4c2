import { clipMetrics } from '../src';

describe('clipMetrics', () => {
  it('averages segment sigmoids per clip (hand-computed example)', () => {
    // Clip 0 (label 0): segments (0.9, 0.2, 0.1) and (0.3, 0.6, 0.1) -> mean (0.6, 0.4, 0.1): right.
    // Clip 1 (label 2): segments (0.5, 0.1, 0.4), (0.1, 0.1, 0.8), (0.6, 0.0, 0.2)
    //   -> mean (0.4, 0.0667, 0.4667): right at clip level.
    // Clip 2 (label 1): one segment (0.7, 0.2, 0.1): wrong (predicted 0).
    const probs = Float32Array.from([
      0.9, 0.2, 0.1, 0.3, 0.6, 0.1, 0.5, 0.1, 0.4, 0.1, 0.1, 0.8, 0.6, 0.0, 0.2, 0.7, 0.2, 0.1,
    ]);
    const segClip = Int32Array.from([0, 0, 1, 1, 1, 2]);
    const m = clipMetrics(probs, segClip, [0, 2, 1], 3);
    expect(m.clips).toBe(3);
    expect(m.segments).toBe(6);
    expect(Array.from(m.clipProbabilities).map((x) => +x.toFixed(4))).toEqual([
      0.6, 0.4, 0.1, 0.4, 0.0667, 0.4667, 0.7, 0.2, 0.1,
    ]);
    expect(m.accuracy).toBeCloseTo(2 / 3, 10);
    // Segment argmaxes: 0 (ok), 1 (no), 0 (no), 2 (ok), 0 (no), 0 (no) -> 2/6.
    expect(m.segmentAccuracy).toBeCloseTo(2 / 6, 10);
    expect(m.confusion).toEqual([
      [1, 0, 0],
      [1, 0, 0],
      [0, 0, 1],
    ]);
    expect(m.perClass).toEqual([1, 0, 1]);
    // Log loss on renormalised clip vectors: -(ln(0.6/1.1) + ln(0.46667/0.93333) + ln(0.2/1.0)) / 3.
    const expected = -(Math.log(0.6 / 1.1) + Math.log(0.4666667 / 0.9333333) + Math.log(0.2)) / 3;
    expect(m.logLoss).toBeCloseTo(expected, 5);
  });

  it('rejects inconsistent inputs', () => {
    expect(() => clipMetrics(new Float32Array(5), Int32Array.from([0, 0]), [0], 3)).toThrow(
      /expected 2 x 3/,
    );
    expect(() => clipMetrics(new Float32Array(3), Int32Array.from([0]), [0, 1], 3)).toThrow(
      /no segments/,
    );
    expect(() => clipMetrics(new Float32Array(3), Int32Array.from([4]), [0], 3)).toThrow(
      /names clip 4/,
    );
  });

  it('reports null accuracy for a class without clips', () => {
    const m = clipMetrics(Float32Array.from([0.9, 0.1, 0.1]), Int32Array.from([0]), [0], 3);
    expect(m.perClass).toEqual([1, null, null]);
  });
});
