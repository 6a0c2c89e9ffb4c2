import type { Argv } from 'yargs';
import type { CudaFeatureOptions, FeatureDevice } from '@asc/native';
import { checkPositiveIntegers } from './flags';

/** The flags that choose where features are computed (asc features, asc bench features). */
export interface DeviceArgs {
  /** Default 'auto'. */
  device?: 'auto' | 'cpu' | 'cuda';
  deviceMemoryMib?: number;
  /** Default 'auto'. */
  cudaFft?: 'auto' | 'cufft' | 'builtin';
  cudaDevice?: number;
}

export function withDeviceFlags<T>(
  y: Argv<T>,
  defaultDevice: 'auto' | 'cpu' | 'cuda',
): Argv<T & DeviceArgs> {
  return y
    .option('device', {
      choices: ['auto', 'cpu', 'cuda'] as const,
      default: defaultDevice,
      describe: 'Compute on the CPU or a CUDA GPU (auto: CUDA when usable, saying why not)',
    })
    .option('device-memory-mib', {
      type: 'number',
      describe: 'CUDA: device memory the pipeline may use (default 2048)',
    })
    .option('cuda-fft', {
      choices: ['auto', 'cufft', 'builtin'] as const,
      default: 'auto' as const,
      describe: 'CUDA: cuFFT (loaded at run time) or the built-in FFT (auto: cuFFT when found)',
    })
    .option('cuda-device', {
      type: 'number',
      describe: 'CUDA: the device index (default 0)',
    }) as unknown as Argv<T & DeviceArgs>;
}

/** The library options of the flags; throws UsageError for bad numbers. */
export function deviceOptions(args: DeviceArgs): {
  device: FeatureDevice;
  cuda: CudaFeatureOptions;
} {
  checkPositiveIntegers({ '--device-memory-mib': args.deviceMemoryMib });
  if (args.cudaDevice !== undefined)
    checkPositiveIntegers({ '--cuda-device': args.cudaDevice + 1 });
  return {
    device: args.device ?? 'auto',
    cuda: {
      fft: args.cudaFft ?? 'auto',
      ...(args.deviceMemoryMib !== undefined
        ? { memoryBytes: args.deviceMemoryMib * 2 ** 20 }
        : {}),
      ...(args.cudaDevice !== undefined ? { device: args.cudaDevice } : {}),
    },
  };
}
