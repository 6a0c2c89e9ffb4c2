import * as tf from '@tensorflow/tfjs';
import { AdamL2, learningRateAt, SEARCH_RECIPE } from '../src';

// Three Adam steps with fixed gradients at the search schedule's rates (1e-3, 1e-4,
// 1e-5), computed by hand in double precision from PyTorch's Adam(weight_decay=0.0015):
//   g' = g + wd w;  m = b1 m + (1 - b1) g';  v = b2 v + (1 - b2) g'^2;
//   w -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
const W0 = [2.0, -3.0];
const GRADS = [
  [0.002, -0.001],
  [-0.004, 0.003],
  [0.001, 0.001],
];
const WITH_DECAY = [
  [1.999000001999996, -2.9990000018181786],
  [1.9989489243867906, -2.9989157845728482],
  [1.9989418743715526, -2.998906893878889],
];
const WITHOUT_DECAY = [
  [1.999000004999975, -2.9990000099999],
  [1.999036615236924, -2.9990494287622664],
  [1.999037982138388, -2.9990549979341425],
];

function run(weightDecay: number): number[][] {
  const w = tf.variable(tf.tensor1d(W0));
  const opt = new AdamL2(tf, [w], { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay });
  const out: number[][] = [];
  GRADS.forEach((g, epoch) => {
    const grad = tf.tensor1d(g);
    opt.applyGradients([grad], learningRateAt(SEARCH_RECIPE, epoch));
    grad.dispose();
    out.push(Array.from(w.dataSync()));
  });
  opt.dispose();
  w.dispose();
  return out;
}

describe('AdamL2', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('matches hand-computed PyTorch-style steps with L2 added to the gradient', () => {
    const got = run(0.0015);
    got.forEach((w, t) => w.forEach((x, i) => expect(x).toBeCloseTo(WITH_DECAY[t][i], 6)));
    // The decay term visibly changes step 2 (by ~9e-5), so the check above is not blind to it.
    expect(Math.abs(got[1][0] - WITHOUT_DECAY[1][0])).toBeGreaterThan(5e-5);
  });

  it('without decay matches the hand computation and tfjs own Adam', () => {
    const got = run(0);
    got.forEach((w, t) => w.forEach((x, i) => expect(x).toBeCloseTo(WITHOUT_DECAY[t][i], 6)));
    // tfjs's Adam at a fixed rate, as an independent implementation of the same update.
    const w = tf.variable(tf.tensor1d(W0));
    const ours = tf.variable(tf.tensor1d(W0));
    const theirs = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
    const mine = new AdamL2(tf, [ours], {
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
      weightDecay: 0,
    });
    for (const g of GRADS) {
      const grad = tf.tensor1d(g);
      theirs.applyGradients([{ name: w.name, tensor: grad }]);
      mine.applyGradients([grad], 1e-3);
      grad.dispose();
    }
    const a = w.dataSync();
    const b = ours.dataSync();
    for (let i = 0; i < a.length; i++) expect(b[i]).toBeCloseTo(a[i], 6);
    theirs.dispose();
    mine.dispose();
    w.dispose();
    ours.dispose();
  });

  it('restores its moments and step count exactly', async () => {
    const w1 = tf.variable(tf.tensor1d(W0));
    const a = new AdamL2(tf, [w1], {
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
      weightDecay: 0.0015,
    });
    const g0 = tf.tensor1d(GRADS[0]);
    a.applyGradients([g0], 1e-3);
    const state = await a.getState();
    const w2 = tf.variable(tf.tensor1d(w1.dataSync()));
    const b = new AdamL2(tf, [w2], {
      beta1: 0.9,
      beta2: 0.999,
      epsilon: 1e-8,
      weightDecay: 0.0015,
    });
    b.setState(state);
    expect(b.steps).toBe(1);
    const g1 = tf.tensor1d(GRADS[1]);
    a.applyGradients([g1], 1e-4);
    b.applyGradients([g1], 1e-4);
    expect(Array.from(w2.dataSync())).toEqual(Array.from(w1.dataSync()));
    expect(() => b.setState({ ...state, firstMoments: [] })).toThrow(/moments/);
    [a, b].forEach((o) => o.dispose());
    [w1, w2, g0, g1].forEach((t) => t.dispose());
  });
});
