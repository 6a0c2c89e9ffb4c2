import type * as tfType from '@tensorflow/tfjs';
import { nativeKernelNames } from '@asc/native';

type Tf = typeof tfType;

/** Hyper-parameters of Adam with L2 weight decay added to the gradient. */
export interface AdamL2Config {
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
}

/** The optimiser's state as plain arrays, for checkpoints. */
export interface AdamL2State {
  step: number;
  firstMoments: Float32Array[];
  secondMoments: Float32Array[];
}

/**
 * Adam as PyTorch's `torch.optim.Adam(weight_decay=wd)` does it: the gradient becomes
 * g + wd * w BEFORE the moment updates (L2 regularisation, not AdamW's decoupled decay).
 * tfjs's optimisers have no weight decay, and their learning rate is fixed at
 * construction; this one takes the rate per step so the schedule stays in the trainer,
 * and exposes its moments so a checkpoint can restore them exactly. Where the backend has
 * the native `adamStep` kernel (@asc/native on 'cpu', named by `nativeKernelNames()`),
 * each variable's update is that one kernel instead of a dozen tensor ops.
 */
export class AdamL2 {
  private step = 0;
  private readonly m: tfType.Variable[];
  private readonly v: tfType.Variable[];

  constructor(
    private readonly tf: Tf,
    private readonly variables: tfType.Variable[],
    private readonly config: AdamL2Config,
  ) {
    // tidy frees the zeros the variables are copied from (variables survive a tidy).
    this.m = tf.tidy(() => variables.map((w) => tf.variable(tf.zerosLike(w), false)));
    this.v = tf.tidy(() => variables.map((w) => tf.variable(tf.zerosLike(w), false)));
  }

  get steps(): number {
    return this.step;
  }

  /** One update with the given gradients (same order as the variables). */
  applyGradients(grads: tfType.Tensor[], learningRate: number): void {
    const { tf, config } = this;
    if (grads.length !== this.variables.length) {
      throw new RangeError(`expected ${this.variables.length} gradients, got ${grads.length}`);
    }
    this.step += 1;
    const correction1 = 1 - Math.pow(config.beta1, this.step);
    const correction2 = 1 - Math.pow(config.beta2, this.step);
    // PyTorch: p -= lr / c1 * m / (sqrt(v) / sqrt(c2) + eps).
    const stepSize = learningRate / correction1;
    const sqrtC2 = Math.sqrt(correction2);
    const name = nativeKernelNames()?.adamStep;
    const fused = name !== undefined && tf.getKernel(name, tf.getBackend()) ? name : null;
    tf.tidy(() => {
      this.variables.forEach((w, i) => {
        if (fused && w.dtype === 'float32' && grads[i].dtype === 'float32') {
          const [w1, m1, v1] = tf
            .engine()
            .runKernel(
              fused,
              { w, g: grads[i], m: this.m[i], v: this.v[i] },
              { ...config, stepSize, sqrtC2 },
            ) as tfType.Tensor[];
          this.m[i].assign(m1);
          this.v[i].assign(v1);
          w.assign(w1);
          return;
        }
        const g =
          config.weightDecay > 0 ? tf.add(grads[i], tf.mul(w, config.weightDecay)) : grads[i];
        const m = tf.add(tf.mul(this.m[i], config.beta1), tf.mul(g, 1 - config.beta1));
        const v = tf.add(tf.mul(this.v[i], config.beta2), tf.mul(tf.square(g), 1 - config.beta2));
        this.m[i].assign(m);
        this.v[i].assign(v);
        const denom = tf.add(tf.div(tf.sqrt(v), sqrtC2), config.epsilon);
        w.assign(tf.sub(w, tf.mul(tf.div(m, denom), stepSize)));
      });
    });
  }

  async getState(): Promise<AdamL2State> {
    return {
      step: this.step,
      firstMoments: await Promise.all(this.m.map(async (t) => (await t.data()) as Float32Array)),
      secondMoments: await Promise.all(this.v.map(async (t) => (await t.data()) as Float32Array)),
    };
  }

  setState(state: AdamL2State): void {
    const n = this.variables.length;
    if (state.firstMoments.length !== n || state.secondMoments.length !== n) {
      throw new RangeError(
        `optimiser state holds ${state.firstMoments.length} moments, the model has ${n} variables`,
      );
    }
    this.step = state.step;
    this.variables.forEach((w, i) => {
      for (const [target, values] of [
        [this.m[i], state.firstMoments[i]],
        [this.v[i], state.secondMoments[i]],
      ] as const) {
        if (values.length !== w.size) {
          throw new RangeError(`moment ${i} has ${values.length} values, variable has ${w.size}`);
        }
        this.tf.tidy(() => target.assign(this.tf.tensor(values, w.shape, 'float32')));
      }
    });
  }

  dispose(): void {
    for (const t of [...this.m, ...this.v]) t.dispose();
  }
}
