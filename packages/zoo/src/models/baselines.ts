import { CostCounter, sameSize, validSize, type Cost } from '../complexity';
import { registerZooLayers } from './layers';
import { BN_ARGS } from './build';
import {
  DEFAULT_INPUT_SHAPE,
  PAPER_CLASSES,
  WeightInitialisers,
  apply,
  type BuildOptions,
  type LayersModel,
  type SymbolicTensor,
  type Tf,
} from './tf';

/** The input and outputs a baseline's cost is counted for. */
export interface BaselineShape {
  inputShape?: [number, number, number];
  classes?: number;
}

/**
 * The vision baselines of Table 4, changed only in their input channels (2) and outputs
 * (3), plus the AlexNet-style net the paper does not specify. Each comes with an analytic
 * cost (trainable parameters with BN gamma/beta, moving statistics excluded; MACs by
 * complexity.ts's rule) that the tests check against the built model and Table 4's sizes.
 */
export interface Baseline {
  name: string;
  title: string;
  /** Where the architecture is defined, and what we chose where the paper is silent. */
  notes: string;
  cost(o?: BaselineShape): Cost;
  params(o?: BaselineShape): number;
  build(tf: Tf, o?: BuildOptions): LayersModel;
}

// ---- shared pieces --------------------------------------------------------------------

/** A baseline from its cost walk (params is the walk's parameter count). */
function baseline(b: Omit<Baseline, 'params'>): Baseline {
  return { ...b, params: (o) => b.cost(o).params };
}

function inputOf(o: BaselineShape): { h: number; w: number; c: number; classes: number } {
  const [h, w, c] = o.inputShape ?? DEFAULT_INPUT_SHAPE;
  return { h, w, c, classes: o.classes ?? PAPER_CLASSES };
}

class Builder {
  private readonly init: WeightInitialisers;
  constructor(
    readonly tf: Tf,
    readonly o: BuildOptions,
  ) {
    this.init = new WeightInitialisers(tf, o);
  }
  conv(
    x: SymbolicTensor,
    filters: number,
    k: number,
    strides: number,
    name: string,
    useBias = false,
  ) {
    return apply(
      this.tf.layers.conv2d({
        filters,
        kernelSize: k,
        strides,
        padding: 'same',
        useBias,
        kernelInitializer: this.init.kernel(k * k * (x.shape[3] as number)),
        ...(useBias ? { biasInitializer: this.init.bias(k * k * (x.shape[3] as number)) } : {}),
        name,
      }),
      x,
    );
  }
  dw(x: SymbolicTensor, k: number, strides: number, name: string) {
    return apply(
      this.tf.layers.depthwiseConv2d({
        kernelSize: k,
        strides,
        padding: 'same',
        useBias: false,
        depthwiseInitializer: this.init.kernel(k * k),
        name,
      }),
      x,
    );
  }
  bn(x: SymbolicTensor, name: string) {
    return apply(registerZooLayers(this.tf).batchNormalization({ ...BN_ARGS, name }), x);
  }
  /** BN and its activation as one zoo layer (one kernel where the backend has it). */
  bnAct(x: SymbolicTensor, name: string, activation: 'relu' | 'relu6') {
    return apply(
      registerZooLayers(this.tf).batchNormActivation({ ...BN_ARGS, name }, activation),
      x,
    );
  }
  act(x: SymbolicTensor, activation: 'relu' | 'relu6', name: string) {
    return apply(this.tf.layers.activation({ activation, name }), x);
  }
  dense(x: SymbolicTensor, units: number, name: string, activation?: 'relu') {
    const fanIn = x.shape[x.shape.length - 1] as number;
    return apply(
      this.tf.layers.dense({
        units,
        activation,
        kernelInitializer: this.init.kernel(fanIn),
        biasInitializer: this.init.bias(fanIn),
        name,
      }),
      x,
    );
  }
  head(x: SymbolicTensor, dropout: number) {
    x = apply(this.tf.layers.globalAveragePooling2d({ name: 'gap' }), x);
    if (dropout > 0) x = apply(this.tf.layers.dropout({ rate: dropout, name: 'dropout' }), x);
    return this.dense(x, this.o.classes ?? PAPER_CLASSES, 'logits');
  }
  input() {
    return this.tf.input({ shape: this.o.inputShape ?? DEFAULT_INPUT_SHAPE, name: 'input' });
  }
}

// ---- MobileNet V1 (Howard et al. 2017; Keras applications.MobileNet, alpha 1.0) --------

const MOBILENET_V1_BLOCKS: [number, number][] = [
  [64, 1],
  [128, 2],
  [128, 1],
  [256, 2],
  [256, 1],
  [512, 2],
  [512, 1],
  [512, 1],
  [512, 1],
  [512, 1],
  [512, 1],
  [1024, 2],
  [1024, 1],
];

export const mobilenetV1: Baseline = baseline({
  name: 'mobilenet-v1',
  title: 'MobileNet V1 (1.0)',
  notes:
    'Keras applications.MobileNet, alpha 1.0: ReLU6, BN after every conv, dropout 1e-3 before the classifier.',
  cost(o = {}) {
    const i = inputOf(o);
    let [h, w] = [sameSize(i.h, 2), sameSize(i.w, 2)];
    const n = new CostCounter().convBn(3, i.c, 32, h, w);
    let c = 32;
    for (const [out, stride] of MOBILENET_V1_BLOCKS) {
      [h, w] = [sameSize(h, stride), sameSize(w, stride)];
      n.convBn(3, c, c, h, w, c).convBn(1, c, out, h, w);
      c = out;
    }
    return n.dense(c, i.classes).total();
  },
  build(tf, o = {}) {
    const b = new Builder(tf, o);
    const input = b.input();
    let x = b.bnAct(b.conv(input, 32, 3, 2, 'conv1'), 'conv1_bn', 'relu6');
    MOBILENET_V1_BLOCKS.forEach(([out, stride], i) => {
      const n = `dw${i + 1}`;
      x = b.bnAct(b.dw(x, 3, stride, `${n}_dw`), `${n}_dw_bn`, 'relu6');
      x = b.bnAct(b.conv(x, out, 1, 1, `${n}_pw`), `${n}_pw_bn`, 'relu6');
    });
    return tf.model({ inputs: input, outputs: b.head(x, 1e-3), name: 'mobilenet_v1' });
  },
});

// ---- MobileNet V2 (Sandler et al. 2018; Keras applications.MobileNetV2, alpha 1.0) -----

/** (expansion t, output channels c, repeats n, first stride s), Table 2 of the paper. */
const MOBILENET_V2_STAGES: [number, number, number, number][] = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
];

function* mobilenetV2Units(): Generator<{ t: number; out: number; stride: number }> {
  for (const [t, out, n, s] of MOBILENET_V2_STAGES) {
    for (let i = 0; i < n; i++) yield { t, out, stride: i === 0 ? s : 1 };
  }
}

export const mobilenetV2: Baseline = baseline({
  name: 'mobilenet-v2',
  title: 'MobileNet V2 (1.0)',
  notes:
    'Keras applications.MobileNetV2, alpha 1.0: inverted residuals with ReLU6, last conv 1280, no dropout.',
  cost(o = {}) {
    const i = inputOf(o);
    let [h, w] = [sameSize(i.h, 2), sameSize(i.w, 2)];
    const n = new CostCounter().convBn(3, i.c, 32, h, w);
    let c = 32;
    for (const { t, out, stride } of mobilenetV2Units()) {
      const e = c * t;
      if (t !== 1) n.convBn(1, c, e, h, w);
      [h, w] = [sameSize(h, stride), sameSize(w, stride)];
      n.convBn(3, e, e, h, w, e).convBn(1, e, out, h, w);
      c = out;
    }
    return n.convBn(1, c, 1280, h, w).dense(1280, i.classes).total();
  },
  build(tf, o = {}) {
    const b = new Builder(tf, o);
    const input = b.input();
    let x = b.bnAct(b.conv(input, 32, 3, 2, 'conv1'), 'conv1_bn', 'relu6');
    let c = 32;
    let i = 0;
    for (const { t, out, stride } of mobilenetV2Units()) {
      const n = `block${i++}`;
      let y = x;
      if (t !== 1) y = b.bnAct(b.conv(y, c * t, 1, 1, `${n}_expand`), `${n}_expand_bn`, 'relu6');
      y = b.bnAct(b.dw(y, 3, stride, `${n}_dw`), `${n}_dw_bn`, 'relu6');
      y = b.bn(b.conv(y, out, 1, 1, `${n}_project`), `${n}_project_bn`);
      x = stride === 1 && c === out ? apply(tf.layers.add({ name: `${n}_add` }), [x, y]) : y;
      c = out;
    }
    x = b.bnAct(b.conv(x, 1280, 1, 1, 'conv_last'), 'conv_last_bn', 'relu6');
    return tf.model({ inputs: input, outputs: b.head(x, 0), name: 'mobilenet_v2' });
  },
});

// ---- ShuffleNet V2 1.0x (Ma et al. 2018; torchvision shufflenet_v2_x1_0) --------------

const SHUFFLENET_V2_STAGES: [number, number][] = [
  [116, 4],
  [232, 8],
  [464, 4],
];

export const shufflenetV2: Baseline = baseline({
  name: 'shufflenet-v2',
  title: 'ShuffleNet V2 1.0x',
  notes:
    "torchvision shufflenet_v2_x1_0: stem 24 + 3x3/2 max pool, stages (116, 232, 464) x (4, 8, 4), conv5 1024; TF 'same' padding instead of PyTorch's symmetric padding (same shapes and parameters).",
  cost(o = {}) {
    const i = inputOf(o);
    let [h, w] = [sameSize(i.h, 2), sameSize(i.w, 2)];
    const n = new CostCounter().convBn(3, i.c, 24, h, w);
    [h, w] = [sameSize(h, 2), sameSize(w, 2)]; // 3x3 stride-2 max pool
    let c = 24;
    for (const [out, repeats] of SHUFFLENET_V2_STAGES) {
      const bf = out / 2;
      // first unit, stride 2: both branches see all input channels
      const [h2, w2] = [sameSize(h, 2), sameSize(w, 2)];
      n.convBn(3, c, c, h2, w2, c).convBn(1, c, bf, h2, w2);
      n.convBn(1, c, bf, h, w).convBn(3, bf, bf, h2, w2, bf).convBn(1, bf, bf, h2, w2);
      [h, w] = [h2, w2];
      for (let r = 1; r < repeats; r++) {
        n.convBn(1, bf, bf, h, w).convBn(3, bf, bf, h, w, bf).convBn(1, bf, bf, h, w);
      }
      c = out;
    }
    return n.convBn(1, c, 1024, h, w).dense(1024, i.classes).total();
  },
  build(tf, o = {}) {
    const b = new Builder(tf, o);
    const zoo = registerZooLayers(tf);
    const input = b.input();
    let x = b.bnAct(b.conv(input, 24, 3, 2, 'conv1'), 'conv1_bn', 'relu');
    x = apply(
      tf.layers.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same', name: 'maxpool' }),
      x,
    );
    let c = 24;
    const branch2 = (y: SymbolicTensor, bf: number, stride: number, n: string) => {
      y = b.bnAct(b.conv(y, bf, 1, 1, `${n}_b2_pw1`), `${n}_b2_pw1_bn`, 'relu');
      y = b.bn(b.dw(y, 3, stride, `${n}_b2_dw`), `${n}_b2_dw_bn`);
      return b.bnAct(b.conv(y, bf, 1, 1, `${n}_b2_pw2`), `${n}_b2_pw2_bn`, 'relu');
    };
    SHUFFLENET_V2_STAGES.forEach(([out, repeats], s) => {
      const bf = out / 2;
      for (let i = 0; i < repeats; i++) {
        const n = `stage${s + 2}_${i + 1}`;
        let left: SymbolicTensor;
        let right: SymbolicTensor;
        if (i === 0) {
          left = b.bn(b.dw(x, 3, 2, `${n}_b1_dw`), `${n}_b1_dw_bn`);
          left = b.bnAct(b.conv(left, bf, 1, 1, `${n}_b1_pw`), `${n}_b1_pw_bn`, 'relu');
          right = branch2(x, bf, 2, n);
        } else {
          left = apply(zoo.channelSlice(0, c / 2, `${n}_split_left`), x);
          right = branch2(apply(zoo.channelSlice(c / 2, c / 2, `${n}_split_right`), x), bf, 1, n);
        }
        x = apply(tf.layers.concatenate({ axis: -1, name: `${n}_concat` }), [left, right]);
        x = apply(zoo.channelShuffle(2, `${n}_shuffle`), x);
        c = out;
      }
    });
    x = b.bnAct(b.conv(x, 1024, 1, 1, 'conv5'), 'conv5_bn', 'relu');
    return tf.model({ inputs: input, outputs: b.head(x, 0), name: 'shufflenet_v2' });
  },
});

// ---- AlexNet (Modified): our design, the paper gives only its size (33.8 MB) ---------

/** Width of the two hidden fully connected layers, chosen to land on Table 4's 33.8 MB. */
export const ALEXNET_HIDDEN_UNITS = 1626;

const ALEXNET_CONVS: { filters: number; k: number; stride: number; poolAfter: boolean }[] = [
  { filters: 64, k: 11, stride: 4, poolAfter: true },
  { filters: 192, k: 5, stride: 1, poolAfter: true },
  { filters: 384, k: 3, stride: 1, poolAfter: false },
  { filters: 256, k: 3, stride: 1, poolAfter: false },
  { filters: 256, k: 3, stride: 1, poolAfter: true },
];

export const alexnet: Baseline = baseline({
  name: 'alexnet',
  title: 'AlexNet (Modified)',
  notes:
    `The paper gives only the size (33.8 MB). Ours: torchvision AlexNet's five convolutions (64 11x11/4, 192 5x5, 384, 256, 256 3x3; ` +
    `ReLU, biases, 3x3/2 max pools after conv 1, 2 and 5, 'same' padding) on 2 input channels, so 128x128 ends at 3x3x256; then ` +
    `dropout 0.5, dense ${ALEXNET_HIDDEN_UNITS} ReLU, dropout 0.5, dense ${ALEXNET_HIDDEN_UNITS} ReLU, dense 3. The hidden width ` +
    `replaces AlexNet's 4096 so that the parameters (8.86 M) give 33.8 MB at float32.`,
  cost(o = {}) {
    const i = inputOf(o);
    const n = new CostCounter();
    let [h, w, c] = [i.h, i.w, i.c];
    for (const conv of ALEXNET_CONVS) {
      [h, w] = [sameSize(h, conv.stride), sameSize(w, conv.stride)];
      n.conv(conv.k, c, conv.filters, h, w, { bias: true });
      c = conv.filters;
      // 3x3 stride-2 'valid' max pool
      if (conv.poolAfter) [h, w] = [validSize(h, 3, 2), validSize(w, 3, 2)];
    }
    const H = ALEXNET_HIDDEN_UNITS;
    return n
      .dense(h * w * c, H)
      .dense(H, H)
      .dense(H, i.classes)
      .total();
  },
  build(tf, o = {}) {
    const b = new Builder(tf, o);
    const input = b.input();
    let x: SymbolicTensor = input;
    ALEXNET_CONVS.forEach((conv, i) => {
      x = b.act(
        b.conv(x, conv.filters, conv.k, conv.stride, `conv${i + 1}`, true),
        'relu',
        `conv${i + 1}_relu`,
      );
      if (conv.poolAfter) {
        x = apply(
          tf.layers.maxPooling2d({
            poolSize: 3,
            strides: 2,
            padding: 'valid',
            name: `pool${i + 1}`,
          }),
          x,
        );
      }
    });
    x = apply(tf.layers.flatten({ name: 'flatten' }), x);
    x = apply(tf.layers.dropout({ rate: 0.5, name: 'dropout1' }), x);
    x = b.dense(x, ALEXNET_HIDDEN_UNITS, 'fc1', 'relu');
    x = apply(tf.layers.dropout({ rate: 0.5, name: 'dropout2' }), x);
    x = b.dense(x, ALEXNET_HIDDEN_UNITS, 'fc2', 'relu');
    return tf.model({
      inputs: input,
      outputs: b.dense(x, o.classes ?? PAPER_CLASSES, 'logits'),
      name: 'alexnet_modified',
    });
  },
});

export const BASELINES: readonly Baseline[] = [alexnet, mobilenetV1, mobilenetV2, shufflenetV2];
