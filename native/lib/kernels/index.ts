export {
  NATIVE_KERNELS,
  nativeKernelMemoryStats,
  nativeKernelThreads,
  registerNativeKernels,
  setNativeKernelThreads,
  unregisterNativeKernels,
  type NativeKernelOptions,
  type NativeKernelsHandle,
} from './register';
export { SWISH_KERNEL } from './gradients';
