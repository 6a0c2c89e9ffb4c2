import { nativeKernelNames } from '@asc/native';
import * as tf from '@tensorflow/tfjs';
import { addonRequired } from '../../../native/test/addon-required';
import { registerZooLayers } from '../src/models/layers';

beforeAll(async () => {
  tf.enableProdMode();
  await tf.setBackend('cpu');
});

// The fused kernel's name comes from the native addon; without it the layer can only
// fall back.
const FUSED_SWISH_KERNEL = nativeKernelNames()?.swish;

describe('Swish layer dispatch', () => {
  const xs = [-6, -1.5, -0.1, 0, 0.3, 2, 7];
  const expected = xs.map((x) => x / (1 + Math.exp(-x)));

  afterEach(() => {
    if (FUSED_SWISH_KERNEL && tf.getKernel(FUSED_SWISH_KERNEL, 'cpu')) {
      tf.unregisterKernel(FUSED_SWISH_KERNEL, 'cpu');
    }
  });

  (addonRequired('swish-dispatch.test, the fused kernel') ? it : it.skip)(
    'runs a backend-provided fused kernel when one is registered under that name',
    () => {
      let calls = 0;
      tf.registerKernel({
        kernelName: FUSED_SWISH_KERNEL!,
        backendName: 'cpu',
        kernelFunc: ({ inputs, backend }) => {
          calls++;
          const x = inputs.x as tf.TensorInfo;
          const cpu = backend as unknown as {
            data: { get(id: object): { values: Float32Array } };
            makeTensorInfo(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo;
          };
          const values = cpu.data.get(x.dataId).values;
          const out = values.map((v) => v / (1 + Math.exp(-v)));
          return cpu.makeTensorInfo(x.shape, 'float32', out);
        },
      });
      const swish = registerZooLayers(tf).swish('fused');
      const y = Array.from((swish.apply(tf.tensor1d(xs)) as tf.Tensor).dataSync());
      expect(calls).toBe(1);
      y.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
    },
  );

  it('falls back to Sigmoid and Multiply without it', () => {
    expect(FUSED_SWISH_KERNEL && tf.getKernel(FUSED_SWISH_KERNEL, 'cpu')).toBeFalsy();
    const swish = registerZooLayers(tf).swish('plain');
    const y = Array.from((swish.apply(tf.tensor1d(xs)) as tf.Tensor).dataSync());
    y.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
  });
});
