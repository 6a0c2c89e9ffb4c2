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
export { ADAM_STEP_KERNEL } from './adam';
export { BATCH_NORM_INFERENCE_KERNEL, BATCH_NORM_TRAINING_KERNEL } from './batch-norm';
export { SWISH_KERNEL } from './gradients';
