import * as tf from '@tensorflow/tfjs';
import { cudaInfo, registerCudaBackend, type DeviceKind } from '../lib';
import { addonProblem, addonRequired } from './addon-required';

/**
 * The devices the asc-cuda tests run on: the emulated device everywhere (host memory,
 * the device programs as host loops), the GPU where one is usable. The same suites run
 * on both; on a machine without a usable GPU the GPU suites are skipped with the reason
 * in their title, and with ASC_REQUIRE_CUDA=1 (scripts/gpu-check.sh) they fail instead.
 */
export const TEST_DEVICES: readonly DeviceKind[] = ['emulated', 'cuda'];

/** Why the suite cannot run on `device`, or undefined when it can. */
export function deviceProblem(device: DeviceKind): string | undefined {
  const addon = addonProblem();
  if (addon !== undefined) return `the native addon is unavailable (${addon})`;
  if (device === 'emulated') return undefined;
  const info = cudaInfo();
  return info.usable ? undefined : `no usable CUDA device: ${info.reason}`;
}

/**
 * describe() once per device: runs `body` after registering asc-cuda on that device
 * and selecting it for each test; skips with the reason where the device is unusable.
 */
export function describeOnDevices(title: string, body: (device: DeviceKind) => void): void {
  for (const device of TEST_DEVICES) {
    const problem = deviceProblem(device);
    if (problem !== undefined) {
      const required = device === 'emulated' || process.env.ASC_REQUIRE_CUDA === '1';
      if (required && device === 'emulated') {
        addonRequired(`${title} (emulated device)`, problem);
      } else if (required) {
        throw new Error(`${title}: ASC_REQUIRE_CUDA=1 but ${problem}`);
      }
      describe.skip(`${title} on ${device} (skipped: ${problem})`, () => {
        test('skipped', () => undefined);
      });
      continue;
    }
    describe(`${title} on ${device}`, () => {
      beforeAll(async () => {
        tf.enableProdMode();
        registerCudaBackend(tf, { device });
        await tf.setBackend('cpu');
      });
      afterAll(async () => {
        await tf.setBackend('cpu');
      });
      body(device);
    });
  }
}
