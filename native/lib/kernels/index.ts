export {
  NATIVE_KERNELS,
  nativeKernelThreads,
  registerNativeKernels,
  setNativeKernelThreads,
  unregisterNativeKernels,
  type NativeKernelOptions,
  type NativeKernelsHandle,
} from './register';
