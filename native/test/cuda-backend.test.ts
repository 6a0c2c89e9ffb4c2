import * as tf from '@tensorflow/tfjs';
import {
  cudaInfo,
  CudaUnavailableError,
  cudaBackendHandle,
  cudaRoundTrips,
  registerCudaBackend,
  resetCudaKernelDispatchCounts,
  unregisterCudaBackend,
  type AscCudaBackend,
} from '../lib';
import { describeOnDevices, deviceProblem } from './cuda-helpers';

// The machinery of the asc-cuda backend: tensor data per dataId (lazy upload, download
// on read, moves between backends, reference counts), the pooled device memory and its
// accounting, timing, and the counted host round trips.

const backend = () => tf.backend() as AscCudaBackend;

describeOnDevices('the asc-cuda backend', (device) => {
  beforeEach(async () => {
    await tf.setBackend('asc-cuda');
  });

  test('registration describes the device and the kernels', () => {
    const handle = cudaBackendHandle()!;
    expect(handle).toMatchObject({ name: 'asc-cuda', device, tf32: false });
    expect(handle.kernels).toEqual(expect.arrayContaining(['Conv2D', 'AscBatchNormTraining']));
    expect(handle.roundTripKernels).toContain('Max');
    expect(handle.roundTripKernels).not.toContain('Conv2D');
    expect(backend().floatPrecision()).toBe(32);
  });

  test('data is uploaded on first use, downloaded on read, and freed with its tensor', () => {
    const b = backend();
    const before = b.memory().device;
    const x = tf.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    // Written from JS: nothing on the device yet.
    expect(b.memory().device.uploads).toBe(before.uploads);
    const y = tf.add(x, tf.scalar(10));
    const after = b.memory().device;
    expect(after.uploads).toBe(before.uploads + 2);
    expect(after.buffers).toBe(before.buffers + 3);
    b.dropHostCopy(x);
    expect(Array.from(y.dataSync())).toEqual([11, 12, 13, 14, 15, 16]);
    expect(Array.from(x.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(b.memory().device.downloads).toBe(after.downloads + 2);
    // A second read uses the host copy.
    y.dataSync();
    expect(b.memory().device.downloads).toBe(after.downloads + 2);
    const buffers = b.memory().device.buffers;
    tf.dispose([x, y]);
    expect(b.memory().device.buffers).toBe(buffers - 2);
  });

  test('reshapes share data: reference counts, numDataIds, disposal of the last reference', () => {
    const b = backend();
    const ids = b.numDataIds();
    const x = tf.ones([4, 5]);
    const r = tf.reshape(x, [20]);
    expect(b.numDataIds()).toBe(ids + 1);
    expect(b.refCount(x.dataId)).toBe(2);
    x.dispose();
    expect(b.refCount(r.dataId)).toBe(1);
    expect(tf.tidy(() => r.sum().dataSync()[0])).toBe(20);
    r.dispose();
    expect(b.numDataIds()).toBe(ids);
    expect(b.refCount(r.dataId)).toBe(0);
  });

  test('tensors move between asc-cuda and cpu in both directions', async () => {
    await tf.setBackend('cpu');
    const onCpu = tf.tensor([1, -2, 3], [3], 'float32');
    const ints = tf.tensor([4, 5, 6], [3], 'int32');
    await tf.setBackend('asc-cuda');
    const sum = tf.add(tf.relu(onCpu), tf.cast(ints, 'float32'));
    await tf.setBackend('cpu');
    expect(Array.from(await sum.data())).toEqual([5, 5, 9]);
    expect(Array.from(tf.mul(sum, 2).dataSync())).toEqual([10, 10, 18]);
    tf.dispose([onCpu, ints, sum]);
  });

  test('freed blocks are pooled and reused; memory() accounts for both', () => {
    const b = backend();
    const run = () =>
      tf.tidy(() =>
        tf
          .mul(tf.ones([1000]), 3)
          .sum()
          .dataSync(),
      );
    run();
    const first = b.memory().device;
    for (let i = 0; i < 5; i++) run();
    const later = b.memory().device;
    expect(later.freshAllocations).toBe(first.freshAllocations);
    expect(later.reuses).toBeGreaterThan(first.reuses);
    expect(later.inUseBytes).toBe(first.inUseBytes);
    expect(later.pooledBytes).toBe(first.pooledBytes);
    const m = b.memory();
    expect(m.numBytesInGPU).toBe(later.inUseBytes);
    expect(m.numBytesInGPUAllocated).toBe(later.inUseBytes + later.pooledBytes);
    // Blocks are rounded to 256 bytes: a 4000-byte tensor holds 4096.
    const x = tf.ones([1000]);
    const y = tf.neg(x);
    expect(b.memory().device.inUseBytes - later.inUseBytes).toBe(2 * 4096);
    tf.dispose([x, y]);
  });

  test('time() measures the device work of a function', async () => {
    const x = tf.randomNormal([64, 64]);
    const timing = await tf.time(() => tf.matMul(x, x).dispose());
    expect(timing.kernelMs).toBeGreaterThanOrEqual(0);
    expect(backend().timerAvailable()).toBe(true);
    x.dispose();
  });

  test('int32 and bool data round-trip exactly', () => {
    const i = tf.tensor([2147483647, -5, 0], [3], 'int32');
    const copy = tf.reshape(tf.cast(tf.cast(i, 'float32'), 'int32'), [3]);
    expect(Array.from(tf.gather(i, tf.tensor1d([2, 0], 'int32')).dataSync())).toEqual([
      0, 2147483647,
    ]);
    expect(Array.from(tf.cast(tf.tensor([0, 1.5, -2]), 'bool').dataSync())).toEqual([0, 1, 1]);
    expect(copy.dtype).toBe('int32');
    tf.dispose([i, copy]);
  });

  test('a kernel without a device version runs on the CPU, counted', () => {
    resetCudaKernelDispatchCounts();
    const x = tf.tensor2d([
      [1, 5, 2],
      [7, 0, 3],
    ]);
    expect(Array.from(tf.max(x, 1).dataSync())).toEqual([5, 7]);
    expect(Array.from(tf.argMax(x, 1).dataSync())).toEqual([1, 0]);
    expect(cudaRoundTrips()).toEqual({ Max: 1, ArgMax: 1 });
    x.dispose();
  });

  test('bad buffers are refused before anything runs', () => {
    const b = backend();
    const x = tf.ones([4]);
    const out = b.output([8]);
    expect(() => b.run('Unary', [b.bufferOf(x), out.buffer], [0, 0, 8])).toThrow(
      /Unary: buffer 0 holds 16 bytes, the kernel needs 32/,
    );
    b.disposeData(out.info.dataId);
    x.dispose();
  });
});

describe('asking for a GPU where there is none', () => {
  test('registerCudaBackend names the reason, and leaves tfjs as it was', async () => {
    const info = cudaInfo();
    if (info.usable || deviceProblem('emulated') !== undefined) return;
    unregisterCudaBackend(tf);
    await tf.setBackend('cpu');
    let error: unknown;
    try {
      registerCudaBackend(tf, { device: 'cuda' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(CudaUnavailableError);
    expect((error as CudaUnavailableError).code).toBe(info.code);
    expect((error as Error).message).toContain(info.reason);
    expect(tf.findBackendFactory('asc-cuda')).toBeNull();
    expect(tf.getBackend()).toBe('cpu');
  });
});
