// The first-order Morlet filter bank of Kymatio 0.2 (docs/scalogram.md), designed in
// double precision. Pure functions: no state, no N-API, no FFTW.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <vector>

namespace asc::features {

struct MorletBank {
  int bands = 0;                // rows: low-pass first, then band-pass in ascending centre
  int bins = 0;                 // columns: Fourier bins 0 .. nFft/2
  std::vector<double> xi;       // centre frequency of each row, cycles per sample
  std::vector<double> sigma;    // width of each row, cycles per sample
  std::vector<double> weights;  // bands x bins, row-major
};

// Centre frequencies and widths of the band-pass filters in Kymatio's generation order
// (highest first), and the low-pass width.
struct MorletParams {
  std::vector<double> xi;
  std::vector<double> sigma;
  double sigmaLow = 0;
};
MorletParams morletParams(int J, int Q);

// The whole bank on an nFft-point grid. Throws std::invalid_argument for nFft < 2,
// J < 0 or Q < 1.
MorletBank morletFilterbank(int nFft, int J, int Q);

}  // namespace asc::features
