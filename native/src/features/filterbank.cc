#include "features/filterbank.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <string>

namespace asc::features {

namespace {

constexpr double kSigma0 = 0.1;
constexpr double kPMax = 5;
constexpr double kEps = 1e-7;
const double kRPsi = std::sqrt(0.5);
const double kPi = std::acos(-1.0);

double sigmaOf(double xi, int Q) {
  const double f = 1.0 / std::pow(2.0, 1.0 / Q);
  return xi * ((1.0 - f) / (1.0 + f)) / std::sqrt(2.0 * std::log(1.0 / kRPsi));
}

int periods(double sigma) {
  const double p = std::ceil(std::sqrt(-2.0 * sigma * sigma * std::log(kEps)) + 1.0);
  return static_cast<int>(std::min(p, kPMax));
}

// g[k] = mean over l in -(P-1)..(P-1) of exp(-((k/N + l) - centre)^2 / (2 sigma^2)).
std::vector<double> periodizedGaussian(int n, double centre, double sigma, int p) {
  std::vector<double> g(n, 0.0);
  const double denom = 2.0 * sigma * sigma;
  for (int k = 0; k < n; ++k) {
    double sum = 0;
    for (int l = 1 - p; l <= p - 1; ++l) {
      const double d = (static_cast<double>(k) / n + l) - centre;
      sum += std::exp(-d * d / denom);
    }
    g[k] = sum / (2 * p - 1);
  }
  return g;
}

// In-place iterative radix-2 FFT (sign -1 forward, +1 inverse, unscaled).
void fftRadix2(std::vector<std::complex<double>>& a, int sign) {
  const std::size_t n = a.size();
  for (std::size_t i = 1, j = 0; i < n; ++i) {
    std::size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) std::swap(a[i], a[j]);
  }
  for (std::size_t len = 2; len <= n; len <<= 1) {
    const double ang = sign * 2.0 * kPi / static_cast<double>(len);
    for (std::size_t i = 0; i < n; i += len) {
      for (std::size_t k = 0; k < len / 2; ++k) {
        const std::complex<double> w(std::cos(ang * k), std::sin(ang * k));
        const std::complex<double> u = a[i + k];
        const std::complex<double> v = a[i + k + len / 2] * w;
        a[i + k] = u + v;
        a[i + k + len / 2] = u - v;
      }
    }
  }
}

// sum_n |h[n]| with h = IDFT(raw) including the 1/N factor.
double l1TimeNorm(const std::vector<double>& raw) {
  const std::size_t n = raw.size();
  std::vector<std::complex<double>> h(raw.begin(), raw.end());
  if ((n & (n - 1)) == 0) {
    fftRadix2(h, +1);
  } else {
    // Direct IDFT for the rare non-power-of-two grid; O(N^2) is fine at design time.
    std::vector<std::complex<double>> t(n);
    for (std::size_t m = 0; m < n; ++m) {
      std::complex<double> s = 0;
      for (std::size_t k = 0; k < n; ++k)
        s += raw[k] * std::polar(1.0, 2.0 * kPi * static_cast<double>((k * m) % n) / n);
      t[m] = s;
    }
    h.swap(t);
  }
  double sum = 0;
  for (const auto& v : h) sum += std::abs(v);
  return sum / static_cast<double>(n);
}

std::vector<double> morlet(int n, double xi, double sigma) {
  const int p = periods(sigma);
  std::vector<double> g = periodizedGaussian(n, xi, sigma, p);
  const std::vector<double> low = periodizedGaussian(n, 0.0, sigma, p);
  const double kappa = g[0] / low[0];
  for (int k = 0; k < n; ++k) g[k] -= kappa * low[k];
  const double norm = l1TimeNorm(g);
  for (double& v : g) v /= norm;
  return g;
}

std::vector<double> gaussianLowPass(int n, double sigma) {
  std::vector<double> g = periodizedGaussian(n, 0.0, sigma, periods(sigma));
  const double norm = l1TimeNorm(g);
  for (double& v : g) v /= norm;
  return g;
}

}  // namespace

MorletParams morletParams(int J, int Q) {
  MorletParams out;
  out.sigmaLow = kSigma0 / std::pow(2.0, J);
  double xi = std::max(1.0 / (1.0 + std::pow(2.0, 3.0 / Q)), 0.35);
  double s = sigmaOf(xi, Q);
  double lastXi;
  if (s <= out.sigmaLow) {
    lastXi = s;  // Kymatio's rule when no constant-Q filter fits
  } else {
    const double step = 1.0 / std::pow(2.0, 1.0 / Q);
    while (s > out.sigmaLow) {
      out.xi.push_back(xi);
      out.sigma.push_back(s);
      xi *= step;
      s *= step;
    }
    lastXi = out.xi.back();
  }
  for (int q = 1; q < Q; ++q) {
    out.xi.push_back(static_cast<double>(Q - q) / Q * lastXi);
    out.sigma.push_back(out.sigmaLow);
  }
  return out;
}

MorletBank morletFilterbank(int nFft, int J, int Q) {
  if (nFft < 2) throw std::invalid_argument("nFft must be at least 2, got " + std::to_string(nFft));
  if (J < 0 || J > 30) throw std::invalid_argument("J must be in 0..30, got " + std::to_string(J));
  if (Q < 1 || Q > 64) throw std::invalid_argument("Q must be in 1..64, got " + std::to_string(Q));
  const MorletParams params = morletParams(J, Q);
  MorletBank bank;
  bank.bins = nFft / 2 + 1;
  bank.bands = static_cast<int>(params.xi.size()) + 1;
  bank.weights.resize(static_cast<std::size_t>(bank.bands) * bank.bins);
  auto putRow = [&](int row, const std::vector<double>& full) {
    std::copy(full.begin(), full.begin() + bank.bins,
              bank.weights.begin() + static_cast<std::size_t>(row) * bank.bins);
  };
  bank.xi.push_back(0.0);
  bank.sigma.push_back(params.sigmaLow);
  putRow(0, gaussianLowPass(nFft, params.sigmaLow));
  // Kymatio generates the band-pass filters from the highest down; rows ascend.
  const int psi = static_cast<int>(params.xi.size());
  for (int i = psi - 1, row = 1; i >= 0; --i, ++row) {
    bank.xi.push_back(params.xi[i]);
    bank.sigma.push_back(params.sigma[i]);
    putRow(row, morlet(nFft, params.xi[i], params.sigma[i]));
  }
  return bank;
}

}  // namespace asc::features
