import * as tf from '@tensorflow/tfjs';
import { nativeKernelNames, nativeKernelThreads, setNativeKernelThreads } from '../lib';
import {
  bothWays,
  expectNativeDispatch,
  expectSameBothWays,
  maxRelativeError,
  randTensor,
  rng,
  withNativeKernels,
} from './kernels-helpers';

type Activation = 'linear' | 'relu' | 'relu6' | 'swish';

/** One block: x [batch, height, width, inC] -> expandC -> depthwise k x k -> outC. */
interface BlockCase {
  batch: number;
  height: number;
  width: number;
  inC: number;
  expandC: number;
  outC: number;
  k: number;
  stride: number;
  pad: 'same' | 'valid';
  activations: [Activation, Activation, Activation];
  residual: boolean;
  biases: boolean;
  /** The average pool after the block (window = stride), 1 for none. */
  pool?: number;
  /** False: no 1x1 expansion (the depthwise convolution reads x; expandC = inC). */
  expand?: boolean;
}

const CASES: BlockCase[] = [
  // The zoo's IRwLB (expansion 3, swish, swish, linear, residual), as Model B's block 1
  // at a smaller size; the channels are multiples of 16 (the depthwise interior's blocks).
  {
    batch: 2,
    height: 9,
    width: 12,
    inC: 16,
    expandC: 48,
    outC: 16,
    k: 3,
    stride: 1,
    pad: 'same',
    activations: ['swish', 'swish', 'linear'],
    residual: true,
    biases: true,
  },
  // 5 x 5, odd channel counts (16-channel blocks plus tails), batch 1 (row bands).
  {
    batch: 1,
    height: 11,
    width: 13,
    inC: 5,
    expandC: 21,
    outC: 5,
    k: 5,
    stride: 1,
    pad: 'same',
    activations: ['swish', 'relu6', 'linear'],
    residual: true,
    biases: true,
  },
  // MobileNet V2's stride-2 block (no residual), relu6, no biases.
  {
    batch: 3,
    height: 10,
    width: 7,
    inC: 8,
    expandC: 48,
    outC: 12,
    k: 3,
    stride: 2,
    pad: 'same',
    activations: ['relu6', 'relu6', 'linear'],
    residual: false,
    biases: false,
  },
  // 'valid' padding, a width change without residual, relu everywhere.
  {
    batch: 2,
    height: 8,
    width: 9,
    inC: 7,
    expandC: 33,
    outC: 9,
    k: 3,
    stride: 1,
    pad: 'valid',
    activations: ['relu', 'relu', 'relu'],
    residual: false,
    biases: true,
  },
  // The zoo's IRwLB with the 2 x 2 pool that ends its block, odd sizes (the last row and
  // column are dropped), batch 1 (row bands of pooled rows).
  {
    batch: 1,
    height: 9,
    width: 11,
    inC: 16,
    expandC: 48,
    outC: 16,
    k: 3,
    stride: 1,
    pad: 'same',
    activations: ['swish', 'swish', 'linear'],
    residual: true,
    biases: true,
    pool: 2,
  },
  // The zoo's DSC (no expansion) with a 5 x 5 window, a pool of 3.
  {
    batch: 2,
    height: 12,
    width: 9,
    inC: 24,
    expandC: 24,
    outC: 40,
    k: 5,
    stride: 1,
    pad: 'same',
    activations: ['linear', 'swish', 'swish'],
    residual: false,
    biases: true,
    pool: 3,
    expand: false,
  },
  // MobileNet V2's first block: no expansion, stride 1, relu6, no biases, a residual.
  {
    batch: 3,
    height: 6,
    width: 7,
    inC: 8,
    expandC: 8,
    outC: 8,
    k: 3,
    stride: 1,
    pad: 'same',
    activations: ['linear', 'relu6', 'linear'],
    residual: true,
    biases: false,
    expand: false,
  },
  // Narrower than the filter's interior blocks: every pixel is an edge pixel.
  {
    batch: 2,
    height: 3,
    width: 2,
    inC: 4,
    expandC: 64,
    outC: 4,
    k: 3,
    stride: 1,
    pad: 'same',
    activations: ['swish', 'swish', 'linear'],
    residual: true,
    biases: true,
  },
];

const describeBlock = (c: BlockCase) =>
  `${c.batch}x${c.height}x${c.width}x${c.inC} -> ${c.expand === false ? 'no expansion' : c.expandC} -> ` +
  `${c.k}x${c.k}/${c.stride} ${c.pad} -> ${c.outC}, ${c.activations.join('/')}` +
  `${c.residual ? ', residual' : ''}${c.biases ? '' : ', no biases'}${c.pool ? `, pool ${c.pool}` : ''}`;

interface BlockTensors {
  x: tf.Tensor4D;
  expandFilter: tf.Tensor4D | null;
  depthwiseFilter: tf.Tensor4D;
  projectFilter: tf.Tensor4D;
  expandBias: tf.Tensor1D | null;
  depthwiseBias: tf.Tensor1D | null;
  projectBias: tf.Tensor1D | null;
}

function blockTensors(c: BlockCase, seed: number): BlockTensors {
  const r = rng(seed);
  const t = (shape: number[]) => randTensor(r, shape);
  return {
    x: t([c.batch, c.height, c.width, c.inC]) as tf.Tensor4D,
    expandFilter: c.expand === false ? null : (t([1, 1, c.inC, c.expandC]) as tf.Tensor4D),
    depthwiseFilter: t([c.k, c.k, c.expandC, 1]) as tf.Tensor4D,
    projectFilter: t([1, 1, c.expandC, c.outC]) as tf.Tensor4D,
    expandBias: c.biases && c.expand !== false ? (t([c.expandC]) as tf.Tensor1D) : null,
    depthwiseBias: c.biases ? (t([c.expandC]) as tf.Tensor1D) : null,
    projectBias: c.biases ? (t([c.outC]) as tf.Tensor1D) : null,
  };
}

function activate(y: tf.Tensor, activation: Activation): tf.Tensor {
  if (activation === 'swish') return tf.mul(y, tf.sigmoid(y));
  if (activation === 'relu') return tf.relu(y);
  if (activation === 'relu6') return tf.relu6(y);
  return y;
}

/** The block as tfjs ops, one layer after another (the reference). */
function composed(c: BlockCase, b: BlockTensors): tf.Tensor {
  const withBias = (y: tf.Tensor, bias: tf.Tensor | null) => (bias ? tf.add(y, bias) : y);
  let y: tf.Tensor = b.x;
  if (b.expandFilter) {
    y = activate(
      withBias(tf.conv2d(b.x, b.expandFilter, 1, 'valid'), b.expandBias),
      c.activations[0],
    );
  }
  y = activate(
    withBias(
      tf.depthwiseConv2d(y as tf.Tensor4D, b.depthwiseFilter, c.stride, c.pad),
      b.depthwiseBias,
    ),
    c.activations[1],
  );
  y = activate(
    withBias(tf.conv2d(y as tf.Tensor4D, b.projectFilter, 1, 'valid'), b.projectBias),
    c.activations[2],
  );
  const block = (c.residual ? tf.add(b.x, y) : y) as tf.Tensor4D;
  return c.pool ? tf.avgPool(block, c.pool, c.pool, 'valid') : block;
}

/** The block as the native kernel (registered kernels required). */
function fusedBlock(c: BlockCase, b: BlockTensors): tf.Tensor {
  const inputs: Record<string, tf.Tensor> = {
    x: b.x,
    depthwiseFilter: b.depthwiseFilter,
    projectFilter: b.projectFilter,
  };
  if (b.expandFilter) inputs.expandFilter = b.expandFilter;
  for (const name of ['expandBias', 'depthwiseBias', 'projectBias'] as const) {
    const bias = b[name];
    if (bias) inputs[name] = bias;
  }
  const attrs = {
    strides: [c.stride, c.stride],
    pad: c.pad,
    expandActivation: c.activations[0],
    depthwiseActivation: c.activations[1],
    projectActivation: c.activations[2],
    residual: c.residual,
    ...(c.pool ? { averagePool: c.pool } : {}),
  };
  return tf.engine().runKernel(blockKernel(), inputs, attrs) as tf.Tensor;
}

/** The kernel's tfjs name (the addon names it; the addon is required here). */
function blockKernel(): string {
  const names = nativeKernelNames();
  if (!names) throw new Error('the native kernels are unavailable');
  return names.invertedResidual;
}

const read = (f: () => tf.Tensor) => tf.tidy(() => f().dataSync() as Float32Array);

describe('invertedResidual (expansion, depthwise, projection and residual in one kernel)', () => {
  test.each(CASES.map((c, i) => [describeBlock(c), c, i] as const))(
    'equals the layers computed one by one by tfjs JS kernels: %s',
    (_label, c, i) => {
      const b = blockTensors(c, 101 + i);
      const { js } = bothWays(() => composed(c, b));
      const fused = withNativeKernels(() => {
        const out = read(() => fusedBlock(c, b));
        expectNativeDispatch({ [blockKernel()]: 1 });
        return out;
      });
      const convHeight =
        c.pad === 'same'
          ? Math.ceil(c.height / c.stride)
          : Math.ceil((c.height - c.k + 1) / c.stride);
      const outHeight = Math.floor(convHeight / (c.pool ?? 1));
      expect(fused.length).toBe(js[0].length);
      expect(fused.length % (c.outC * outHeight)).toBe(0);
      expect(maxRelativeError(fused, js[0])).toBeLessThan(1e-5);
      tf.dispose(Object.values(b).filter((t): t is tf.Tensor => t !== null));
    },
  );

  test('does not depend on the thread count (whole images or row bands)', () => {
    const before = nativeKernelThreads();
    const c = CASES[0];
    const b = blockTensors(c, 7);
    try {
      const outputs = [1, 2, 3, 8].map((threads) => {
        setNativeKernelThreads(threads);
        return withNativeKernels(() => read(() => fusedBlock({ ...c }, b)));
      });
      for (const out of outputs.slice(1)) expect(out).toEqual(outputs[0]);
      // One image: row bands with their halo rows expanded twice.
      const one = { ...b, x: b.x.slice([0], [1]) as tf.Tensor4D };
      const single = [1, 2, 4].map((threads) => {
        setNativeKernelThreads(threads);
        return withNativeKernels(() => read(() => fusedBlock(c, one)));
      });
      for (const out of single.slice(1)) expect(out).toEqual(single[0]);
      expect(single[0]).toEqual(outputs[0].subarray(0, single[0].length));
      tf.dispose(one.x);
      // Bands of pooled rows (each two block rows).
      const pooledCase = CASES.find((k) => k.pool === 2) as BlockCase;
      const p = blockTensors(pooledCase, 8);
      const pooled = [1, 2, 3, 8].map((threads) => {
        setNativeKernelThreads(threads);
        return withNativeKernels(() => read(() => fusedBlock(pooledCase, p)));
      });
      for (const out of pooled.slice(1)) expect(out).toEqual(pooled[0]);
      tf.dispose(Object.values(p).filter((t): t is tf.Tensor => t !== null));
    } finally {
      setNativeKernelThreads(before);
      tf.dispose(Object.values(b).filter((t): t is tf.Tensor => t !== null));
    }
  });

  test('refuses a residual block that changes its shape (the layer never asks for one)', () => {
    const c = { ...CASES[2], residual: true };
    const b = blockTensors(c, 9);
    expect(() => withNativeKernels(() => read(() => fusedBlock(c, b)))).toThrow(
      /arguments the native kernel does not handle/,
    );
    tf.dispose(Object.values(b).filter((t): t is tf.Tensor => t !== null));
  });
});

// The depthwise forward pass sums blocks of four pixels x 16 channels in registers inside
// a row (3 x 3 and 5 x 5 at stride 1), and pixel by pixel at the edges and elsewhere:
// widths and channel counts that put pixels and channels in both paths.
describe('depthwise interior blocks', () => {
  const cases = [
    { k: 3, width: 13, channels: 37, pad: 'same' as const },
    { k: 5, width: 14, channels: 16, pad: 'same' as const },
    { k: 3, width: 11, channels: 64, pad: 'valid' as const },
    { k: 5, width: 9, channels: 70, pad: 'valid' as const },
    { k: 3, width: 5, channels: 3, pad: 'same' as const },
  ];
  test.each(
    cases.map(
      (c) => [`${c.k}x${c.k} ${c.pad}, width ${c.width}, ${c.channels} channels`, c] as const,
    ),
  )('%s equals tfjs JS kernel', (label, c) => {
    const r = rng(c.k * 100 + c.width);
    const x = randTensor(r, [2, 6, c.width, c.channels]) as tf.Tensor4D;
    const filter = randTensor(r, [c.k, c.k, c.channels, 1]) as tf.Tensor4D;
    expectSameBothWays(label, () => tf.depthwiseConv2d(x, filter, 1, c.pad), {
      DepthwiseConv2dNative: 1,
    });
    tf.dispose([x, filter]);
  });
});
