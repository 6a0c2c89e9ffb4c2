import * as tf from '@tensorflow/tfjs';
import { addonAvailable, unregisterNativeKernels } from '@asc/native';
import {
  BackendUnavailableError,
  describeBackend,
  parseBackendRequest,
  selectBackend,
} from '../src';

function installed(pkg: string): boolean {
  try {
    require.resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

describe('selectBackend', () => {
  afterEach(() => {
    unregisterNativeKernels(tf);
    delete process.env.ASC_NATIVE_KERNELS;
  });

  it('auto falls back to cpu with the native kernels when the addon is built', async () => {
    if (installed('@tensorflow/tfjs-node')) {
      console.warn('tfjs-node is installed here: auto picks it; the fallback is not exercised');
      return;
    }
    const { tf: chosen, info } = await selectBackend('auto');
    expect(chosen.getBackend()).toBe('cpu');
    expect(info).toMatchObject({ requested: 'auto', name: 'cpu', package: '@tensorflow/tfjs' });
    expect(info.version).toBe(tf.version.tfjs);
    expect(info.notes.join(' ')).toMatch(/tfjs-node did not load/);
    expect(info.nativeKernels).toBe(addonAvailable());
    expect(info.threads).toBeGreaterThanOrEqual(1);
    expect(describeBackend(info)).toMatch(addonAvailable() ? /native kernels/ : /pure JS/);
  });

  it('ASC_NATIVE_KERNELS=0 and cpu-js leave the JS kernels, saying why', async () => {
    process.env.ASC_NATIVE_KERNELS = '0';
    const off = await selectBackend('cpu');
    expect(off.info.nativeKernels).toBe(false);
    expect(off.info.notes.join(' ')).toMatch(/ASC_NATIVE_KERNELS=0/);
    delete process.env.ASC_NATIVE_KERNELS;
    const js = await selectBackend('cpu-js');
    expect(js.info).toMatchObject({ name: 'cpu', nativeKernels: false, threads: 1 });
  });

  it('an explicit request that cannot be met is an error naming the reason', async () => {
    if (installed('@tensorflow/tfjs-node')) return;
    await expect(selectBackend('tensorflow')).rejects.toThrow(BackendUnavailableError);
    await expect(selectBackend('tensorflow')).rejects.toThrow(/tfjs-node did not load/);
    expect(() => parseBackendRequest('gpu')).toThrow(/unknown backend 'gpu'/);
  });
});
