// The device kernels of the tfjs backend 'asc-cuda', as calls: a kernel code, the
// buffers it reads and writes (device pointers with their sizes, in the order listed
// below), and numeric parameters. One call may launch several programs (programs.h) and
// matrix products. runKernel (kernels_impl.h) is written once and instantiated for the
// GPU (launch_cuda.cu) and for the emulated device (executor_host.cc).
//
// Buffers marked ? are optional (nullptr). Views are encoded as kind, rank, base, then
// rank dims, rank strides and rank mods (programs.h View). Geometries are the 13 values
// of src/kernels/geometry.h in order (batch, inHeight, inWidth, inChannels, outHeight,
// outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth, padTop,
// padLeft).
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#define ASC_DEVICE_KERNELS(X)                                                                     \
  /* [a, b, out]; op, param, n, view a, view b */                                                 \
  X(Binary)                                                                                       \
  /* [x, out]; op, alpha, n */                                                                    \
  X(Unary)                                                                                        \
  /* [x, out]; from dtype, to dtype, n (Dtype codes of programs.h) */                             \
  X(Cast)                                                                                         \
  /* [in, out] 4-byte elements; n, view in, view out */                                           \
  X(Copy)                                                                                         \
  /* [in, out] 4-byte; value bits, rank, out dims, in dims, before */                             \
  X(Pad)                                                                                          \
  /* [x, indices, out] 4-byte; axisSize, count, inner, n */                                       \
  X(Gather)                                                                                       \
  /* [indices, out]; depth, on bits, off bits, n */                                               \
  X(OneHot)                                                                                       \
  /* [out]; value bits, n */                                                                      \
  X(Fill)                                                                                         \
  /* [x, out]; outer, reduce, inner, scale */                                                     \
  X(Sum)                                                                                          \
  /* [x, mean, variance, offset?, scale?, out]; rows, channels, mean/variance/offset/scale     */ \
  /* lengths, epsilon, activation */                                                              \
  X(BatchNorm)                                                                                    \
  /* [x, offset, scale, out, mean, variance]; rows, channels, epsilon, activation */              \
  X(BatchNormTraining)                                                                            \
  /* [x, dy, mean, variance, scale?, offset?, dMeanIn?, dVarianceIn?, dx, dMean, dVariance,    */ \
  /* dScale, dOffset]; rows, channels, epsilon, activation, batchStatistics */                    \
  X(BatchNormGrad)                                                                                \
  /* [w, g, m, v, wOut, mOut, vOut]; n, beta1, beta2, epsilon, weightDecay, stepSize, sqrtC2 */   \
  X(AdamStep)                                                                                     \
  /* [x, out]; max (1) or average (0), geometry */                                                \
  X(Pool)                                                                                         \
  /* [dy, x, dx]; geometry */                                                                     \
  X(MaxPoolGrad)                                                                                  \
  /* [dy, dx]; geometry */                                                                        \
  X(AvgPoolGrad)                                                                                  \
  /* [x, filter, out]; geometry */                                                                \
  X(Depthwise)                                                                                    \
  /* [dy, filter, dx]; geometry */                                                                \
  X(DepthwiseBackpropInput)                                                                       \
  /* [x, dy, dFilter]; geometry */                                                                \
  X(DepthwiseBackpropFilter)                                                                      \
  /* [x, filter, bias?, out]; geometry, activation, alpha, bias length */                         \
  X(Conv2D)                                                                                       \
  /* [dy, filter, dx]; geometry */                                                                \
  X(Conv2DBackpropInput)                                                                          \
  /* [x, dy, dFilter]; geometry */                                                                \
  X(Conv2DBackpropFilter)                                                                         \
  /* [a, b, bias?, out]; batchA, batchB, m, n, k, transposeA, transposeB, activation, alpha,   */ \
  /* bias length */                                                                               \
  X(MatMul)

namespace asc::cuda::train {

#define ASC_DEVICE_KERNEL_ENUMERATOR(id) k##id,
enum class DeviceKernel { ASC_DEVICE_KERNELS(ASC_DEVICE_KERNEL_ENUMERATOR) kCount };
#undef ASC_DEVICE_KERNEL_ENUMERATOR

// The kernels' names, indexed by DeviceKernel (exported to the TS facade with codes).
#define ASC_DEVICE_KERNEL_NAME(id) #id,
inline constexpr const char* kDeviceKernelNames[] = {ASC_DEVICE_KERNELS(ASC_DEVICE_KERNEL_NAME)};
#undef ASC_DEVICE_KERNEL_NAME

struct DeviceBuffer {
  void* data = nullptr;
  std::size_t bytes = 0;
};

struct KernelCall {
  DeviceKernel kernel = DeviceKernel::kCount;
  std::vector<DeviceBuffer> buffers;
  std::vector<double> params;
};

// A call whose buffers or parameters do not fit its kernel (a bug in the caller).
class KernelArgumentError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

}  // namespace asc::cuda::train
