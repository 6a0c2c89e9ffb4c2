import * as tf from '@tensorflow/tfjs';
import {
  cudaInfo,
  cudaKernelDispatchCounts,
  cudaRoundTrips,
  registerCudaBackend,
  resetCudaKernelDispatchCounts,
  type DeviceKind,
} from '../lib';
import { addonProblem, addonRequired } from './addon-required';
import { maxRelativeError } from './kernels-helpers';

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

/**
 * Runs `f` on the CPU backend (with the native CPU kernels) and on asc-cuda; returns
 * both results and asc-cuda's dispatch counts. Inputs made on 'cpu' are moved by tfjs.
 */
export async function bothBackends(f: () => tf.Tensor | tf.Tensor[]): Promise<{
  cpu: Float32Array[];
  cuda: Float32Array[];
  device: Record<string, number>;
  roundTrips: Record<string, number>;
}> {
  const read = (): Float32Array[] =>
    tf.tidy(() => {
      const out = f();
      return (Array.isArray(out) ? out : [out]).map((t) => Float32Array.from(t.dataSync()));
    });
  await tf.setBackend('cpu');
  const cpu = read();
  await tf.setBackend('asc-cuda');
  resetCudaKernelDispatchCounts();
  try {
    const cuda = read();
    const device = Object.fromEntries(
      Object.entries(cudaKernelDispatchCounts())
        .filter(([, c]) => c.device > 0)
        .map(([name, c]) => [name, c.device]),
    );
    return { cpu, cuda, device, roundTrips: cudaRoundTrips() };
  } finally {
    await tf.setBackend('cpu');
  }
}

/**
 * Asserts every output of `f` agrees between the CPU kernels and asc-cuda to
 * `tolerance`, that asc-cuda ran each kernel of `dispatch` on the device that many
 * times, and that nothing went through a host round trip.
 */
export async function expectSameOnDevice(
  label: string,
  f: () => tf.Tensor | tf.Tensor[],
  dispatch: Readonly<Record<string, number | 'ran'>>,
  tolerance = 1e-4,
): Promise<void> {
  const { cpu, cuda, device, roundTrips } = await bothBackends(f);
  expect(roundTrips).toEqual({});
  const seen = Object.fromEntries(
    Object.entries(dispatch).map(([k, want]) => [
      k,
      want === 'ran' ? ((device[k] ?? 0) > 0 ? 'ran' : 0) : (device[k] ?? 0),
    ]),
  );
  expect(seen).toEqual(dispatch);
  expect(cuda.length).toBe(cpu.length);
  cpu.forEach((expected, i) => {
    const err = maxRelativeError(cuda[i], expected);
    if (!(err <= tolerance)) {
      throw new Error(
        `${label}: output ${i} differs from the CPU kernels (max relative error ${err})`,
      );
    }
  });
}
