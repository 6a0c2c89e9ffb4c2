import { fitNormalisation, memorySegmentSource, normalisationVectors } from '../src';

describe('fitNormalisation', () => {
  it('fits mean and max deviation per plane and band (hand computation)', () => {
    // Segments of 2 frames x 2 bands x 2 planes, channels-last: value index = (f*2 + b)*2 + p.
    // Clip a, one segment: f0: b0 (1, 10) b1 (2, 20); f1: b0 (3, 30) b1 (4, 40)
    // Clip b, one segment: f0: b0 (5, 50) b1 (-6, 60); f1: b0 (7, 70) b1 (8, 80)
    const source = memorySegmentSource(
      new Map([
        ['a', Float32Array.from([1, 10, 2, 20, 3, 30, 4, 40])],
        ['b', Float32Array.from([5, 50, -6, 60, 7, 70, 8, 80])],
        ['unused', Float32Array.from([1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6])],
      ]),
      [2, 2, 2],
    );
    const n = fitNormalisation(source, [
      { file: 'a', classIndex: 0 },
      { file: 'b', classIndex: 1 },
    ]);
    // plane 0, band 0: {1, 3, 5, 7}: mean 4, max deviation 3.
    // plane 0, band 1: {2, 4, -6, 8}: mean 2, deviations 8 (min) and 6 (max) -> 8.
    // plane 1, band 0: {10, 30, 50, 70}: mean 40, 30.   plane 1, band 1: {20, 40, 60, 80}: 50, 30.
    expect(n.mean).toEqual([
      [4, 2],
      [40, 50],
    ]);
    expect(n.scale).toEqual([
      [3, 8],
      [30, 30],
    ]);
    expect(n.segments).toBe(2);
    const v = normalisationVectors(n);
    expect(Array.from(v.mean)).toEqual([4, 40, 2, 50]);
    expect(Array.from(v.scale)).toEqual([3, 30, 8, 30]);
  });

  it('refuses an empty training split', () => {
    const source = memorySegmentSource(new Map(), [2, 2, 2]);
    expect(() => fitNormalisation(source, [])).toThrow(/no training segments/);
  });
});
