import * as fs from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs';
import { cudaInfo } from '@asc/native';
import { BackendUnavailableError, selectBackend } from '../src';
import { deviceProblem } from '../../../native/test/cuda-helpers';

// Choosing the asc-cuda backend. The trainer on it (against the CPU path, reruns, round
// trips, memory) is checked by tools/src/gpu/train-check.ts: by jest on the emulated
// device (tools/test/gpu-train-check.test.ts), by scripts/gpu-check.sh on a GPU.

describe('selecting the backend', () => {
  afterEach(async () => {
    delete process.env.ASC_CUDA_DEVICE;
    await tf.setBackend('cpu');
  });

  it("'cuda' without a usable device is an error naming the reason; 'auto' says why not", async () => {
    const info = cudaInfo();
    if (info.usable) {
      console.warn('a CUDA device is usable here: the no-device path is not exercised');
      return;
    }
    await expect(selectBackend('cuda')).rejects.toThrow(BackendUnavailableError);
    await expect(selectBackend('cuda')).rejects.toThrow(info.reason);
    const auto = await selectBackend('auto');
    expect(auto.info.name).not.toBe('asc-cuda');
    expect(auto.info.notes.join(' ')).toContain(`asc-cuda: ${info.reason}`);
  });

  it("'cuda' on the emulated device (ASC_CUDA_DEVICE=emulated) is recorded as such", async () => {
    if (deviceProblem('emulated') !== undefined) return;
    process.env.ASC_CUDA_DEVICE = 'emulated';
    const { tf: chosen, info } = await selectBackend('cuda');
    expect(chosen.getBackend()).toBe('asc-cuda');
    expect(info).toMatchObject({ requested: 'cuda', name: 'asc-cuda', package: '@asc/native' });
    // The addon's version, not tfjs's.
    const nativePackage = path.join(__dirname, '../../../native/package.json');
    expect(info.version).toBe(JSON.parse(fs.readFileSync(nativePackage, 'utf8')).version);
    expect(info.cuda).toMatchObject({ device: 'emulated', gemm: 'builtin', tf32: false });
  });
});
