import { cudaInfo, nativeKernelNames } from '@asc/native';
import { runAsc } from './helpers';

// `asc bench train` end to end on a tiny architecture (the real benchmark takes minutes
// and is not a test); the figures themselves are not asserted, only that they exist.

test('bench train reports native figures and the issue keys as JSON', () => {
  const r = runAsc([
    'bench',
    'train',
    '--model',
    'id_015015_4_1.000',
    '--batch',
    '2',
    '--steps',
    '1',
    '--no-js',
    '--no-torch',
    '--threads',
    '2',
    '--profile',
    '--json',
  ]);
  expect(r.status).toBe(0);
  const result = r.json();
  for (const key of [
    'model',
    'nativeTrainSamplesPerSec',
    'nativeInferSamplesPerSec',
    'jsTrainSamplesPerSec',
    'torchTrainSamplesPerSec',
    'torchInferSamplesPerSec',
    'threads',
  ]) {
    expect(result).toHaveProperty(key);
  }
  expect(result.model).toBe('id_015015_4_1.000');
  // The default users get: PyTorch's init, whose stem pads (PadV2, in the profile below).
  expect(result.init).toBe('pytorch');
  expect(result.nativeTrainSamplesPerSec as number).toBeGreaterThan(0);
  expect(result.nativeInferSamplesPerSec as number).toBeGreaterThan(0);
  expect(result.jsTrainSamplesPerSec).toBeNull();
  expect(result.torchTrainSamplesPerSec).toBeNull();
  expect(result.threads).toBe(2);
  expect(r.stderr).toMatch(/tfjs native/);
  // --profile: the step's kernels, longest first; the architecture's batch norms (with
  // their swish) ran as the fused kernel and its gradient.
  const kernels = result.nativeTrainKernels as { kernel: string; calls: number; ms: number }[];
  const names = kernels.map((k) => k.kernel);
  const fused = nativeKernelNames()!;
  expect(names).toEqual(expect.arrayContaining([fused.batchNormTraining, fused.batchNormGrad]));
  expect(names).not.toContain('FusedBatchNorm');
  expect(names).toContain('PadV2');
  expect(names.filter((n) => n.endsWith('__op'))).toEqual([]);
  const ms = kernels.map((k) => k.ms);
  expect(ms).toEqual([...ms].sort((a, b) => b - a));
  expect(r.stderr).toMatch(/one training step, \d+ ms in kernels/);
});

test('bench train rejects bad flags and unknown models with exit code 2', () => {
  const steps = runAsc(['bench', 'train', '--steps', '0', '--json']);
  expect(steps.status).toBe(2);
  expect(String(steps.json().error)).toMatch(/--steps/);
  const model = runAsc(['bench', 'train', '--model', 'no-such-model', '--json']);
  expect(model.status).toBe(2);
  expect(String(model.json().error)).toMatch(/no-such-model/);
  const init = runAsc(['bench', 'train', '--init', 'xavier', '--json']);
  expect(init.status).toBe(2);
  expect(String(init.json().error)).toMatch(/init/);
});

test('bench train --device cuda reports the issue keys; without a GPU it names the reason', () => {
  const args = ['bench', 'train', '--device', 'cuda', '--model', 'id_015015_4_1.000'];
  const tiny = [...args, '--batch', '2', '--steps', '1', '--no-torch', '--profile', '--json'];
  // The emulated device runs the same backend on the host (the GPU run is scripts/gpu-check.sh's).
  const r = runAsc(tiny, { env: { ASC_CUDA_DEVICE: 'emulated' } });
  expect(r.status).toBe(0);
  const result = r.json();
  for (const key of [
    'cudaTrainSamplesPerSec',
    'cudaInferSamplesPerSec',
    'torchCudaTrainSamplesPerSec',
    'torchCudaInferSamplesPerSec',
    'roundTripKernels',
  ]) {
    expect(result).toHaveProperty(key);
  }
  expect(result).toMatchObject({ device: 'emulated', gemm: 'builtin', roundTripKernels: {} });
  expect(result.cudaTrainSamplesPerSec as number).toBeGreaterThan(0);
  const names = (result.cudaTrainKernels as { kernel: string }[]).map((k) => k.kernel);
  expect(names).toEqual(
    expect.arrayContaining([nativeKernelNames()!.batchNormGrad, 'FusedConv2D']),
  );
  expect(r.stderr).toMatch(/host round trips: none/);

  const info = cudaInfo();
  if (info.usable) return;
  const none = runAsc([...args, '--json'], { env: { ASC_CUDA_DEVICE: '' } });
  expect(none.status).toBe(1);
  expect(String(none.json().error)).toContain(info.reason);
});
