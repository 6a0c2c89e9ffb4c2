// runKernel: each device kernel (kernels.h) as programs (programs.h) and matrix products
// on a Launcher, which is the GPU (launch_cuda.cu) or the host (executor_host.cc):
//
//   template <class P> void elements(Index n, const P& program);  // program(i), i < n
//   void gemm(const GemmArgs& g);                                  // row-major products
//
// Written once, so the emulated device runs exactly the index arithmetic the GPU runs.
// Every call is checked against its buffers' sizes before anything is launched.
#pragma once

#include <algorithm>
#include <cstring>
#include <string>

#include "cuda/train/kernels.h"
#include "cuda/train/pool.h"
#include "cuda/train/programs.h"

namespace asc::cuda::train {

namespace detail {

// Scratch space of im2col / col2im tiles: large enough for whole layers of the zoo's
// models at batch 64, bounded for anything larger.
constexpr std::size_t kColumnBytes = 64ull << 20;

class Args {
 public:
  explicit Args(const KernelCall& call) : call_(call) {}

  double next() {
    if (at_ >= call_.params.size()) fail("too few parameters");
    return call_.params[at_++];
  }
  Index index() {
    const double v = next();
    if (!(v >= 0) || v > 9.0e15 || v != static_cast<double>(static_cast<Index>(v)))
      fail("a size is not a whole number >= 0");
    return static_cast<Index>(v);
  }
  int integer() { return static_cast<int>(next()); }
  float real() { return static_cast<float>(next()); }
  std::uint32_t bits() { return static_cast<std::uint32_t>(static_cast<std::int64_t>(next())); }

  View view() {
    View v;
    v.kind = integer();
    v.rank = integer();
    if (v.kind < 0 || v.kind > 2 || v.rank < 0 || v.rank > kMaxRank) fail("bad view");
    v.base = index();
    for (int d = 0; d < v.rank; ++d) v.dims[d] = index();
    for (int d = 0; d < v.rank; ++d) v.strides[d] = index();
    for (int d = 0; d < v.rank; ++d) v.mods[d] = index();
    for (int d = 0; d < v.rank; ++d) {
      if (v.dims[d] == 0) fail("a view has an empty dimension");
    }
    return v;
  }

  ConvGeometry geometry() {
    ConvGeometry g;
    int* fields[] = {&g.batch,       &g.inHeight,     &g.inWidth,     &g.inChannels,
                     &g.outHeight,   &g.outWidth,     &g.outChannels, &g.filterHeight,
                     &g.filterWidth, &g.strideHeight, &g.strideWidth, &g.padTop,
                     &g.padLeft};
    for (int* f : fields) *f = static_cast<int>(index());
    if (g.strideHeight < 1 || g.strideWidth < 1 || g.filterHeight < 1 || g.filterWidth < 1)
      fail("bad geometry");
    return g;
  }

  // Buffer i, which must hold `count` elements of `size` bytes (null when optional and
  // absent).
  template <typename T>
  T* buffer(std::size_t i, Index count, bool optional = false, std::size_t size = sizeof(T)) {
    if (i >= call_.buffers.size()) fail("too few buffers");
    const DeviceBuffer& b = call_.buffers[i];
    if (!b.data) {
      if (optional) return nullptr;
      fail("buffer " + std::to_string(i) + " is missing");
    }
    if (b.bytes < static_cast<std::size_t>(count) * size) {
      fail("buffer " + std::to_string(i) + " holds " + std::to_string(b.bytes) +
           " bytes, the kernel needs " + std::to_string(static_cast<std::size_t>(count) * size));
    }
    return static_cast<T*>(b.data);
  }

  [[noreturn]] void fail(const std::string& why) const {
    throw KernelArgumentError(std::string(kDeviceKernelNames[static_cast<int>(call_.kernel)]) +
                              ": " + why);
  }

 private:
  const KernelCall& call_;
  std::size_t at_ = 0;
};

// The elements a view of `n` outputs reads (the largest offset + 1).
inline Index viewExtent(const View& v, Index n) {
  if (n == 0) return 0;
  if (v.kind == 0) return n;
  if (v.kind == 1) return v.base + 1;
  Index last = v.base;
  for (int d = 0; d < v.rank; ++d) {
    const Index top = v.mods[d] != 0 && v.mods[d] < v.dims[d] ? v.mods[d] : v.dims[d];
    last += (top - 1) * v.strides[d];
  }
  return last + 1;
}

inline Index inSize(const ConvGeometry& g) {
  return static_cast<Index>(g.batch) * g.inHeight * g.inWidth * g.inChannels;
}
inline Index outSize(const ConvGeometry& g) {
  return static_cast<Index>(g.batch) * g.outHeight * g.outWidth * g.outChannels;
}
inline Index outPixels(const ConvGeometry& g) {
  return static_cast<Index>(g.batch) * g.outHeight * g.outWidth;
}
inline Index taps(const ConvGeometry& g) {
  return static_cast<Index>(g.filterHeight) * g.filterWidth;
}

// The im2col columns of the output pixels of x, `rows` pixels at a time (as many as fit in
// kColumnBytes): product(first, count, cols) for each tile, once its columns are filled.
template <class L, class Product>
void overColumnTiles(L& l, BlockPool& pool, const ConvGeometry& g, const float* x,
                     Product&& product) {
  const Index pixels = outPixels(g);
  const Index k = taps(g) * g.inChannels;
  const Index rows =
      std::max<Index>(1, std::min<Index>(pixels, kColumnBytes / (4 * std::max<Index>(1, k))));
  ScopedBlock cols(pool, static_cast<std::size_t>(rows * k) * 4);
  for (Index first = 0; first < pixels; first += rows) {
    const Index count = std::min(rows, pixels - first);
    l.elements(count * k, Im2colProgram{g, x, cols.as<float>(), first});
    product(first, count, cols.as<float>());
  }
}

// out = act(offset + (x - mean) * scale / sqrt(variance + epsilon)) over rows x channels;
// each parameter has `lengths[i]` values (1 or channels), offset and scale may be null.
template <class L>
void normalise(L& l, BlockPool& pool, const float* x, const float* mean, const float* variance,
               const float* offset, const float* scale, const Index (&lengths)[4], float epsilon,
               int activation, float* out, Index rows, Index channels) {
  ScopedBlock terms(pool, static_cast<std::size_t>(3 * channels) * 4);
  l.elements(channels,
             BatchNormTermsProgram{mean, variance, offset, scale, lengths[0], lengths[1],
                                   lengths[2], lengths[3], epsilon, terms.as<float>(), channels});
  l.elements(rows * channels,
             BatchNormApplyProgram{x, terms.as<float>(), out, channels, activation});
}

template <class L>
void conv2d(L& l, BlockPool& pool, Args& a) {
  const ConvGeometry g = a.geometry();
  const int activation = a.integer();
  const float alpha = a.real();
  const Index biasLength = a.index();
  const Index k = taps(g) * g.inChannels;
  const float* x = a.buffer<const float>(0, inSize(g));
  const float* filter = a.buffer<const float>(1, k * g.outChannels);
  const float* bias = a.buffer<const float>(2, biasLength, true);
  float* out = a.buffer<float>(3, outSize(g));
  const Index pixels = outPixels(g);
  GemmArgs p;
  p.n = g.outChannels;
  p.b = filter;
  p.ldb = g.outChannels;
  p.ldc = g.outChannels;
  if (g.isPointwise()) {
    p.m = pixels;
    p.k = g.inChannels;
    p.a = x;
    p.lda = g.inChannels;
    p.c = out;
    l.gemm(p);
  } else if (pixels > 0) {
    overColumnTiles(l, pool, g, x, [&](Index first, Index count, const float* cols) {
      p.m = count;
      p.k = k;
      p.a = cols;
      p.lda = k;
      p.c = out + first * g.outChannels;
      l.gemm(p);
    });
  }
  if (bias || activation != static_cast<int>(Activation::Linear)) {
    l.elements(pixels * g.outChannels,
               BiasActivationProgram{out, bias, g.outChannels, biasLength, activation, alpha});
  }
}

template <class L>
void conv2dBackpropInput(L& l, BlockPool& pool, Args& a) {
  const ConvGeometry g = a.geometry();
  const Index k = taps(g) * g.inChannels;
  const float* dy = a.buffer<const float>(0, outSize(g));
  const float* filter = a.buffer<const float>(1, k * g.outChannels);
  float* dx = a.buffer<float>(2, inSize(g));
  GemmArgs p;
  p.transB = true;
  p.k = g.outChannels;
  p.lda = g.outChannels;
  p.b = filter;
  p.ldb = g.outChannels;
  if (g.isPointwise()) {
    p.m = outPixels(g);
    p.n = g.inChannels;
    p.a = dy;
    p.c = dx;
    p.ldc = g.inChannels;
    l.gemm(p);
    return;
  }
  const Index imagePixels = static_cast<Index>(g.outHeight) * g.outWidth;
  const Index imageIn = static_cast<Index>(g.inHeight) * g.inWidth * g.inChannels;
  if (imagePixels == 0) {
    l.elements(inSize(g), FillProgram{reinterpret_cast<std::uint32_t*>(dx), 0u});
    return;
  }
  const Index images = std::max<Index>(
      1, std::min<Index>(g.batch, kColumnBytes / (4 * std::max<Index>(1, imagePixels * k))));
  ScopedBlock cols(pool, static_cast<std::size_t>(images * imagePixels * k) * 4);
  for (Index first = 0; first < g.batch; first += images) {
    const Index count = std::min<Index>(images, g.batch - first);
    p.m = count * imagePixels;
    p.n = k;
    p.a = dy + first * imagePixels * g.outChannels;
    p.c = cols.as<float>();
    p.ldc = k;
    l.gemm(p);
    l.elements(count * imageIn, Col2imProgram{g, cols.as<float>(), dx + first * imageIn});
  }
}

template <class L>
void conv2dBackpropFilter(L& l, BlockPool& pool, Args& a) {
  const ConvGeometry g = a.geometry();
  const Index k = taps(g) * g.inChannels;
  const float* x = a.buffer<const float>(0, inSize(g));
  const float* dy = a.buffer<const float>(1, outSize(g));
  float* dFilter = a.buffer<float>(2, k * g.outChannels);
  const Index pixels = outPixels(g);
  GemmArgs p;
  p.transA = true;
  p.m = k;
  p.n = g.outChannels;
  p.lda = k;
  p.ldb = g.outChannels;
  p.c = dFilter;
  p.ldc = g.outChannels;
  if (g.isPointwise() || pixels == 0) {
    p.k = pixels;
    p.a = x;
    p.b = dy;
    l.gemm(p);
    return;
  }
  overColumnTiles(l, pool, g, x, [&](Index first, Index count, const float* cols) {
    p.k = count;
    p.a = cols;
    p.b = dy + first * g.outChannels;
    p.beta = first == 0 ? 0.0f : 1.0f;
    l.gemm(p);
  });
}

template <class L>
void matMul(L& l, Args& a) {
  const Index batchA = a.index();
  const Index batchB = a.index();
  GemmArgs p;
  p.m = a.index();
  p.n = a.index();
  p.k = a.index();
  p.transA = a.integer() != 0;
  p.transB = a.integer() != 0;
  const int activation = a.integer();
  const float alpha = a.real();
  const Index biasLength = a.index();
  if (batchA != batchB && batchA != 1 && batchB != 1)
    a.fail("batches must be equal or one of them 1");
  p.batch = std::max(batchA, batchB);
  p.a = a.buffer<const float>(0, batchA * p.m * p.k);
  p.b = a.buffer<const float>(1, batchB * p.k * p.n);
  const float* bias = a.buffer<const float>(2, biasLength, true);
  p.c = a.buffer<float>(3, p.batch * p.m * p.n);
  p.strideA = batchA == 1 ? 0 : p.m * p.k;
  p.strideB = batchB == 1 ? 0 : p.k * p.n;
  p.strideC = p.m * p.n;
  p.lda = p.transA ? p.m : p.k;
  p.ldb = p.transB ? p.k : p.n;
  p.ldc = p.n;
  l.gemm(p);
  if (bias || activation != static_cast<int>(Activation::Linear)) {
    l.elements(p.batch * p.m * p.n,
               BiasActivationProgram{p.c, bias, p.n, biasLength, activation, alpha});
  }
}

template <class L>
void batchNormTraining(L& l, BlockPool& pool, Args& a) {
  const Index rows = a.index();
  const Index channels = a.index();
  const float epsilon = a.real();
  const int activation = a.integer();
  if (channels == 0) a.fail("no channels");
  const float* x = a.buffer<const float>(0, rows * channels);
  const float* offset = a.buffer<const float>(1, channels);
  const float* scale = a.buffer<const float>(2, channels);
  float* out = a.buffer<float>(3, rows * channels);
  float* mean = a.buffer<float>(4, channels);
  float* variance = a.buffer<float>(5, channels);
  const Index parts = reductionParts(channels, rows);
  {
    ScopedBlock partials(pool, static_cast<std::size_t>(parts * 2 * channels) * 8);
    l.elements(parts * channels,
               MomentsPartialProgram{x, partials.as<double>(), rows, channels, parts});
    l.elements(channels, MomentsFinalProgram{x, partials.as<double>(), mean, variance, rows,
                                             channels, parts});
  }
  const Index perChannel[4] = {channels, channels, channels, channels};
  normalise(l, pool, x, mean, variance, offset, scale, perChannel, epsilon, activation, out, rows,
            channels);
}

template <class L>
void batchNorm(L& l, BlockPool& pool, Args& a) {
  const Index rows = a.index();
  const Index channels = a.index();
  const Index lengths[4] = {a.index(), a.index(), a.index(), a.index()};
  const float epsilon = a.real();
  const int activation = a.integer();
  if (channels == 0) a.fail("no channels");
  for (Index n : lengths) {
    if (n != 1 && n != channels) a.fail("parameters must have 1 or `channels` values");
  }
  const float* x = a.buffer<const float>(0, rows * channels);
  const float* mean = a.buffer<const float>(1, lengths[0]);
  const float* variance = a.buffer<const float>(2, lengths[1]);
  const float* offset = a.buffer<const float>(3, lengths[2], true);
  const float* scale = a.buffer<const float>(4, lengths[3], true);
  float* out = a.buffer<float>(5, rows * channels);
  normalise(l, pool, x, mean, variance, offset, scale, lengths, epsilon, activation, out, rows,
            channels);
}

template <class L>
void batchNormGrad(L& l, BlockPool& pool, Args& a) {
  const Index rows = a.index();
  const Index channels = a.index();
  const float epsilon = a.real();
  const int activation = a.integer();
  const bool batchStatistics = a.integer() != 0;
  if (channels == 0) a.fail("no channels");
  const Index n = rows * channels;
  const float* x = a.buffer<const float>(0, n);
  const float* dy = a.buffer<const float>(1, n);
  const float* mean = a.buffer<const float>(2, channels);
  const float* variance = a.buffer<const float>(3, channels);
  const float* scale = a.buffer<const float>(4, channels, true);
  const float* offset = a.buffer<const float>(5, channels, true);
  const float* dMeanIn = a.buffer<const float>(6, channels, true);
  const float* dVarianceIn = a.buffer<const float>(7, channels, true);
  float* dx = a.buffer<float>(8, n);
  float* outs[4];
  for (int i = 0; i < 4; ++i) outs[i] = a.buffer<float>(9 + i, channels);
  const Index parts = reductionParts(channels, rows);
  ScopedBlock terms(pool, static_cast<std::size_t>(3 * channels) * 4);
  ScopedBlock coefficients(pool, static_cast<std::size_t>(3 * channels) * 4);
  l.elements(channels, BatchNormGradTermsProgram{variance, scale, offset, epsilon,
                                                 terms.as<float>(), channels});
  {
    ScopedBlock partials(pool, static_cast<std::size_t>(parts * 2 * channels) * 8);
    l.elements(parts * channels,
               BatchNormGradPartialProgram{x, dy, mean, terms.as<float>(), partials.as<double>(),
                                           rows, channels, parts, activation});
    l.elements(channels, BatchNormGradFinalProgram{partials.as<double>(), terms.as<float>(), scale,
                                                   dMeanIn, dVarianceIn, outs[0], outs[1], outs[2],
                                                   outs[3], coefficients.as<float>(), rows,
                                                   channels, parts, batchStatistics});
  }
  l.elements(n, BatchNormGradApplyProgram{x, dy, mean, terms.as<float>(), coefficients.as<float>(),
                                          dx, channels, activation, batchStatistics});
}

}  // namespace detail

template <class L>
void runKernel(L& l, BlockPool& pool, const KernelCall& call) {
  detail::Args a(call);
  using detail::inSize;
  using detail::outSize;
  switch (call.kernel) {
    case DeviceKernel::kBinary: {
      const int op = a.integer();
      const float param = a.real();
      const Index n = a.index();
      const View va = a.view();
      const View vb = a.view();
      if (op < 0 || op > static_cast<int>(BinaryOp::DyWhereGT)) a.fail("unknown op");
      const float* x = a.buffer<const float>(0, detail::viewExtent(va, n));
      const float* y = a.buffer<const float>(1, detail::viewExtent(vb, n));
      float* out = a.buffer<float>(2, n);
      l.elements(n, BinaryProgram{op, param, x, y, out, va, vb});
      return;
    }
    case DeviceKernel::kUnary: {
      const int op = a.integer();
      const float alpha = a.real();
      const Index n = a.index();
      if (!knownUnary(op)) a.fail("unknown op " + std::to_string(op));
      l.elements(n, UnaryProgram{op, alpha, a.buffer<const float>(0, n), a.buffer<float>(1, n)});
      return;
    }
    case DeviceKernel::kCast: {
      const int from = a.integer();
      const int to = a.integer();
      const Index n = a.index();
      if (from < 0 || from > 2 || to < 0 || to > 2) a.fail("unknown dtype");
      const void* x = a.buffer<const void>(0, n, false, from == 2 ? 1 : 4);
      void* out = a.buffer<void>(1, n, false, to == 2 ? 1 : 4);
      l.elements(n, CastProgram{from, to, x, out});
      return;
    }
    case DeviceKernel::kCopy: {
      const Index n = a.index();
      const View vin = a.view();
      const View vout = a.view();
      const auto* in = a.buffer<const std::uint32_t>(0, detail::viewExtent(vin, n));
      auto* out = a.buffer<std::uint32_t>(1, detail::viewExtent(vout, n));
      l.elements(n, CopyProgram{in, out, vin, vout});
      return;
    }
    case DeviceKernel::kPad: {
      PadProgram p{};
      p.value = a.bits();
      p.rank = a.integer();
      if (p.rank < 0 || p.rank > kMaxRank) a.fail("bad rank");
      Index outN = 1;
      Index inN = 1;
      for (int d = 0; d < p.rank; ++d) outN *= (p.outDims[d] = a.index());
      for (int d = 0; d < p.rank; ++d) inN *= (p.inDims[d] = a.index());
      for (int d = 0; d < p.rank; ++d) {
        p.before[d] = a.index();
        if (p.before[d] + p.inDims[d] > p.outDims[d]) a.fail("padding does not fit");
      }
      p.in = a.buffer<const std::uint32_t>(0, inN);
      p.out = a.buffer<std::uint32_t>(1, outN);
      l.elements(outN, p);
      return;
    }
    case DeviceKernel::kGather: {
      const Index axisSize = a.index();
      const Index count = a.index();
      const Index inner = a.index();
      const Index n = a.index();
      if (count == 0 || inner == 0) return;
      const Index outer = n / (count * inner);
      const auto* x = a.buffer<const std::uint32_t>(0, outer * axisSize * inner);
      const auto* indices = a.buffer<const std::int32_t>(1, count);
      auto* out = a.buffer<std::uint32_t>(2, n);
      l.elements(n, GatherProgram{x, indices, out, axisSize, count, inner});
      return;
    }
    case DeviceKernel::kOneHot: {
      const Index depth = a.index();
      const std::uint32_t on = a.bits();
      const std::uint32_t off = a.bits();
      const Index n = a.index();
      if (depth == 0) return;
      const auto* indices = a.buffer<const std::int32_t>(0, n / depth);
      l.elements(n, OneHotProgram{indices, a.buffer<std::uint32_t>(1, n), depth, on, off});
      return;
    }
    case DeviceKernel::kFill: {
      const std::uint32_t value = a.bits();
      const Index n = a.index();
      l.elements(n, FillProgram{a.buffer<std::uint32_t>(0, n), value});
      return;
    }
    case DeviceKernel::kSum: {
      const Index outer = a.index();
      const Index reduce = a.index();
      const Index inner = a.index();
      const double scale = a.next();
      const float* x = a.buffer<const float>(0, outer * reduce * inner);
      float* out = a.buffer<float>(1, outer * inner);
      const Index parts = reductionParts(outer * inner, reduce);
      ScopedBlock partials(pool, static_cast<std::size_t>(outer * parts * inner) * 8);
      l.elements(outer * parts * inner,
                 SumPartialProgram{x, partials.as<double>(), outer, reduce, inner, parts});
      l.elements(outer * inner, SumFinalProgram{partials.as<double>(), out, inner, parts, scale});
      return;
    }
    case DeviceKernel::kBatchNorm:
      return detail::batchNorm(l, pool, a);
    case DeviceKernel::kBatchNormTraining:
      return detail::batchNormTraining(l, pool, a);
    case DeviceKernel::kBatchNormGrad:
      return detail::batchNormGrad(l, pool, a);
    case DeviceKernel::kAdamStep: {
      const Index n = a.index();
      AdamProgram p{};
      p.beta1 = a.real();
      p.beta2 = a.real();
      p.epsilon = a.real();
      p.weightDecay = a.real();
      p.stepSize = a.real();
      p.sqrtC2 = a.real();
      p.w = a.buffer<const float>(0, n);
      p.g = a.buffer<const float>(1, n);
      p.m = a.buffer<const float>(2, n);
      p.v = a.buffer<const float>(3, n);
      p.wOut = a.buffer<float>(4, n);
      p.mOut = a.buffer<float>(5, n);
      p.vOut = a.buffer<float>(6, n);
      l.elements(n, p);
      return;
    }
    case DeviceKernel::kPool: {
      const bool max = a.integer() != 0;
      const ConvGeometry g = a.geometry();
      if (g.inChannels != g.outChannels) a.fail("pooling keeps the channels");
      l.elements(outSize(g), PoolProgram{g, max, a.buffer<const float>(0, inSize(g)),
                                         a.buffer<float>(1, outSize(g))});
      return;
    }
    case DeviceKernel::kMaxPoolGrad: {
      const ConvGeometry g = a.geometry();
      l.elements(inSize(g), MaxPoolGradProgram{g, a.buffer<const float>(0, outSize(g)),
                                               a.buffer<const float>(1, inSize(g)),
                                               a.buffer<float>(2, inSize(g))});
      return;
    }
    case DeviceKernel::kAvgPoolGrad: {
      const ConvGeometry g = a.geometry();
      l.elements(inSize(g), AvgPoolGradProgram{g, a.buffer<const float>(0, outSize(g)),
                                               a.buffer<float>(1, inSize(g))});
      return;
    }
    case DeviceKernel::kDepthwise: {
      const ConvGeometry g = a.geometry();
      l.elements(outSize(g),
                 DepthwiseProgram{g, a.buffer<const float>(0, inSize(g)),
                                  a.buffer<const float>(1, detail::taps(g) * g.inChannels),
                                  a.buffer<float>(2, outSize(g))});
      return;
    }
    case DeviceKernel::kDepthwiseBackpropInput: {
      const ConvGeometry g = a.geometry();
      l.elements(inSize(g), DepthwiseBackpropInputProgram{
                                g, a.buffer<const float>(0, outSize(g)),
                                a.buffer<const float>(1, detail::taps(g) * g.inChannels),
                                a.buffer<float>(2, inSize(g))});
      return;
    }
    case DeviceKernel::kDepthwiseBackpropFilter: {
      const ConvGeometry g = a.geometry();
      const Index size = detail::taps(g) * g.inChannels;
      const float* x = a.buffer<const float>(0, inSize(g));
      const float* dy = a.buffer<const float>(1, outSize(g));
      float* dFilter = a.buffer<float>(2, size);
      const Index parts = reductionParts(size, static_cast<Index>(g.batch) * g.outHeight);
      ScopedBlock partials(pool, static_cast<std::size_t>(parts * size) * 4);
      l.elements(parts * size,
                 DepthwiseFilterPartialProgram{g, x, dy, partials.as<float>(), parts});
      l.elements(size, PartsSumProgram{partials.as<float>(), dFilter, size, parts});
      return;
    }
    case DeviceKernel::kConv2D:
      return detail::conv2d(l, pool, a);
    case DeviceKernel::kConv2DBackpropInput:
      return detail::conv2dBackpropInput(l, pool, a);
    case DeviceKernel::kConv2DBackpropFilter:
      return detail::conv2dBackpropFilter(l, pool, a);
    case DeviceKernel::kMatMul:
      return detail::matMul(l, a);
    case DeviceKernel::kCount:
      break;
  }
  a.fail("unknown kernel");
}

}  // namespace asc::cuda::train
