import * as tf from '@tensorflow/tfjs';
import { Rng } from '@asc/core';
import { applyMixup, drawMixup } from '../src';

describe('mixup', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('mixes a batch with a shuffled copy of itself, inputs and targets alike', () => {
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const y = tf.tensor2d([
      [1, 0],
      [0, 1],
      [1, 0],
    ]);
    const draw = { lambda: 0.25, partner: Int32Array.from([2, 0, 1]) };
    const mixed = applyMixup(tf, x, y, draw);
    // Row i = 0.25 * row i + 0.75 * row partner[i], by hand.
    expect(Array.from(mixed.x.dataSync())).toEqual([4, 5, 1.5, 2.5, 3.5, 4.5]);
    expect(Array.from(mixed.y.dataSync())).toEqual([1, 0, 0.75, 0.25, 0.25, 0.75]);
    [x, y, mixed.x, mixed.y].forEach((t) => t.dispose());
  });

  it('keeps mixed targets a probability vector and is the identity at lambda 1', () => {
    const rng = Rng.fromSeed(7);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 1, 0, 2, 2, 1], 'int32'), 3).toFloat();
    const x = tf.randomNormal([8, 4, 4, 2], 0, 1, 'float32', 1);
    const draw = drawMixup({ distribution: 'uniform', alpha: 1 }, 8, rng);
    const mixed = applyMixup(tf, x, y, draw);
    const sums = tf.sum(mixed.y, 1).dataSync();
    sums.forEach((s) => expect(s).toBeCloseTo(1, 6));
    expect(Array.from(draw.partner).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const same = applyMixup(tf, x, y, { lambda: 1, partner: draw.partner });
    expect(Array.from(same.x.dataSync())).toEqual(Array.from(x.dataSync()));
    [x, y, mixed.x, mixed.y, same.x, same.y].forEach((t) => t.dispose());
  });

  it('draws lambda ~ U(0,1) once per batch, or Beta(alpha, alpha) as an option', () => {
    const rng = Rng.fromSeed(11);
    const n = 20000;
    const moments = (xs: number[]): [number, number] => {
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      return [mean, xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length];
    };
    const uniform = Array.from(
      { length: n },
      () => drawMixup({ distribution: 'uniform', alpha: 1 }, 4, rng).lambda,
    );
    const [mu, vu] = moments(uniform);
    expect(Math.min(...uniform)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...uniform)).toBeLessThan(1);
    expect(mu).toBeCloseTo(0.5, 1.5);
    expect(vu).toBeCloseTo(1 / 12, 2);
    // Beta(0.2, 0.2): mean 1/2, variance 1 / (4 (2 alpha + 1)) = 0.178571.
    const beta = Array.from(
      { length: n },
      () => drawMixup({ distribution: 'beta', alpha: 0.2 }, 4, rng).lambda,
    );
    const [mb, vb] = moments(beta);
    expect(mb).toBeCloseTo(0.5, 1.5);
    expect(vb).toBeCloseTo(0.178571, 1.5);
  });
});
