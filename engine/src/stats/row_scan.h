#pragma once
// One sweep over rows of an activation that yields every per-row and per-channel figure the
// outlier statistics need: row sum and largest |x| (first pass), then the row's central sums of
// powers 2..4, the per-channel largest |x| and the symlog histogram bins (second pass, one token
// at a time while it is in cache). Plain C++ on raw pointers, compiled with -O3 and an AVX2 clone
// chosen at load time: the ATen equivalent is a dozen passes and temporaries per module.
#include <cstdint>
#include <vector>

namespace hopscope {

class SymlogBinner;

// A row: tokensPerRow x channels contiguous values.
struct RowFigures {
  int64_t nonFinite = 0;  // NaN or Inf values; when > 0 the figures below are not set
  double mean = 0;
  double m2 = 0, m3 = 0, m4 = 0;  // sums of the 2nd, 3rd, 4th powers of deviations from the mean
  double maxAbs = 0;
};

// What the rows of one thread add up to; merged across threads.
struct ScanTotals {
  ScanTotals(int64_t channels, int64_t binCount);
  void merge(const ScanTotals& other);

  std::vector<double> channelMaxAbs;  // over finite rows
  std::vector<int64_t> bins;          // symlog histogram counts over finite rows' values
  int64_t binned = 0;
  int64_t overflow = 0;               // values beyond the histogram's largest magnitude
};

// Scans rows [rowBegin, rowEnd) of data laid out [rows, tokensPerRow, channels], writing figures[r]
// for each and adding to totals. Rows holding NaN or Inf only count them.
void scanRows(const float* data, int64_t rowBegin, int64_t rowEnd, int64_t tokensPerRow, int64_t channels,
              const SymlogBinner& binner, RowFigures* figures, ScanTotals& totals);
void scanRows(const double* data, int64_t rowBegin, int64_t rowEnd, int64_t tokensPerRow, int64_t channels,
              const SymlogBinner& binner, RowFigures* figures, ScanTotals& totals);

}  // namespace hopscope
