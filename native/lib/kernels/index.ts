export {
  NATIVE_KERNELS,
  nativeKernelDispatchCounts,
  nativeKernelMemoryStats,
  nativeKernelThreads,
  registerNativeKernels,
  resetNativeKernelDispatchCounts,
  setNativeKernelThreads,
  unregisterNativeKernels,
  type NativeKernelDispatch,
  type NativeKernelOptions,
  type NativeKernelsHandle,
} from './register';
export { nativeKernelNames, type NativeKernelNames } from './binding';
