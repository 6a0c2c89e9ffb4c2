import * as tf from '@tensorflow/tfjs';
import { cudaKernelChecks, cudaRoundTrips, resetCudaKernelDispatchCounts } from '../lib';
import { describeOnDevices } from './cuda-helpers';

// The asc-cuda kernel checks (lib/cuda-backend/checks.ts): every device kernel against
// the CPU native kernels on the randomised shapes of the CPU kernel tests, to 1e-4
// relative, with dispatch counts and no host round trips. The same checks run on the
// GPU in scripts/gpu-check.sh.

describeOnDevices('asc-cuda kernels against the CPU kernels', (device) => {
  test.each(cudaKernelChecks(tf, device).map((c) => [c.name, c] as const))(
    '%s',
    async (_name, c) => {
      await expect(c.run()).resolves.toMatch(/max relative error/);
    },
  );

  test('GatherV2 with an index out of range fails as tfjs does, through the CPU kernel', async () => {
    await tf.setBackend('asc-cuda');
    resetCudaKernelDispatchCounts();
    try {
      const x = tf.ones([3, 2]);
      expect(() => tf.gather(x, tf.tensor1d([0, 3], 'int32'), 0)).toThrow(
        /GatherV2: the index value 3 is not in \[0, 2\]/,
      );
      expect(cudaRoundTrips()).toEqual({ GatherV2: 1 });
    } finally {
      await tf.setBackend('cpu');
    }
  });
});
