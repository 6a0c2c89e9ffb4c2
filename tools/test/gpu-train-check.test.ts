import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { runTrainCheck } from '../src/gpu/train-check';
import type { Output } from '../src/cli/output';
import { addonRequired } from '../../native/test/addon-required';

// The tfjs CUDA backend's part of scripts/gpu-check.sh, run here on the emulated device:
// the kernel checks, the trainer on asc-cuda against the CPU path (three Model B steps,
// byte-identical reruns, random candidates without round trips, flat memory). The checks
// that need a GPU (cuBLAS off, TF32, a real `asc train`, the benchmark) say so and skip.

const quiet: Output = {
  json: true,
  info: () => undefined,
  warn: () => undefined,
  result: () => undefined,
};

test('the train part of gpu-check passes on the emulated device', async () => {
  if (!addonRequired('gpu-check train part')) return;
  tf.enableProdMode();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'asc-train-check-'));
  const results: { name: string; status: string; detail: string }[] = [];
  try {
    const result = await runTrainCheck(
      { tf, device: 'emulated', workDir: work, threads: 2, python: null, bench: false },
      quiet,
      async (name, body, skip) => {
        if (skip) {
          results.push({ name, status: 'skipped', detail: skip });
          return;
        }
        try {
          results.push({ name, status: 'passed', detail: await body() });
        } catch (err) {
          results.push({ name, status: 'failed', detail: (err as Error).message });
        }
      },
    );
    expect(results.filter((r) => r.status === 'failed')).toEqual([]);
    const passed = results.filter((r) => r.status === 'passed').map((r) => r.name);
    expect(passed).toEqual(
      expect.arrayContaining([
        'asc-cuda kernels: Conv2D, FusedConv2D and their gradients',
        'asc-cuda trainer: three training steps of Model B equal the CPU path to 1e-3, without round trips',
        'asc-cuda trainer: two training runs are identical to the byte',
        'asc-cuda trainer: random candidates train and infer without round trips',
        'asc-cuda trainer: tensors and device memory are the same after step 10 and step 40',
      ]),
    );
    // The emulated device has no cuBLAS; products are the built-in kernel's.
    expect(results.filter((r) => r.status === 'skipped').map((r) => r.detail)).toEqual([
      expect.stringMatching(/cuBLAS is not loaded/),
      'TF32 needs cuBLAS',
      expect.stringMatching(/emulated device takes minutes/),
    ]);
    expect(result).toMatchObject({ device: 'emulated', gemm: 'builtin', bench: [] });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
    await tf.setBackend('cpu');
  }
});
