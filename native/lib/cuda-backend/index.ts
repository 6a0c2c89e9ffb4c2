export {
  CUDA_BACKEND_NAME,
  CudaBackendError,
  DeviceMemoryError,
  elementBytes,
  type AscCudaBackend,
  type CudaBackendMemory,
} from './backend';
export { openDevice, type DeviceKind, type DeviceMemory, type DeviceOptions } from './device';
export { CUDA_ADDED_KERNELS, CUDA_KERNELS } from './kernels';
export {
  cudaBackendHandle,
  cudaKernelDispatchCounts,
  cudaRoundTrips,
  registerCudaBackend,
  resetCudaKernelDispatchCounts,
  unregisterCudaBackend,
  type CudaBackendHandle,
  type CudaBackendOptions,
  type CudaKernelDispatch,
} from './register';
export { maxRelativeError } from './check-cases';
export {
  CheckFailure,
  compareBackends,
  cudaKernelChecks,
  expectSameOnDevice,
  type DeviceCheck,
  type DeviceComparison,
} from './checks';
