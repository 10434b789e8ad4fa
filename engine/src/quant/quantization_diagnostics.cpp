#include "hopscope/quantization_diagnostics.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>

#include "hopscope/error.h"
#include "quant/activation_quant_scan.h"

namespace hopscope {
namespace {

// Sums of one batch, given the integer codes before the clamp and the grid's code bounds.
QuantizerDiagnostics summarize(const at::Tensor& x, const at::Tensor& quantized,
                               const at::Tensor& codes, int bits, int64_t smallestCode) {
  if (!quantized.defined() || quantized.sizes() != x.sizes())
    throw Error("quantization diagnostics: the quantized tensor does not have the shape of the input");
  const int64_t levels = int64_t(1) << bits;
  const int64_t largestCode = smallestCode + levels - 1;
  QuantizerDiagnostics result;
  result.bits = bits;
  result.count = x.numel();
  result.levelCounts.assign(static_cast<size_t>(levels), 0);
  if (result.count == 0) return result;

  at::Tensor xd = x.detach().to(at::kDouble).reshape({-1});
  at::Tensor qd = quantized.detach().to(at::kDouble).reshape({-1});
  result.signalEnergy = xd.square().sum().item<double>();
  result.noiseEnergy = (xd - qd).square_().sum().item<double>();

  at::Tensor flatCodes = codes.reshape({-1});
  result.clipped =
      ((flatCodes < static_cast<double>(smallestCode)) | (flatCodes > static_cast<double>(largestCode)))
          .sum()
          .item<int64_t>();
  at::Tensor index = flatCodes.clamp(static_cast<double>(smallestCode), static_cast<double>(largestCode))
                         .to(at::kLong)
                         .sub_(smallestCode);
  at::Tensor counts = at::bincount(index, {}, levels).cpu().contiguous();
  const int64_t* added = counts.data_ptr<int64_t>();
  std::copy(added, added + levels, result.levelCounts.begin());
  return result;
}

}  // namespace

void QuantizerDiagnostics::merge(const QuantizerDiagnostics& other) {
  if (other.bits == 0) return;
  if (bits == 0) {
    *this = other;
    return;
  }
  if (other.bits != bits)
    throw Error("quantization diagnostics: cannot merge " + std::to_string(other.bits) +
                "-bit results into " + std::to_string(bits) + "-bit results");
  count += other.count;
  clipped += other.clipped;
  signalEnergy += other.signalEnergy;
  noiseEnergy += other.noiseEnergy;
  for (size_t i = 0; i < levelCounts.size(); ++i) levelCounts[i] += other.levelCounts[i];
}

void setDiagnosticFigures(QuantizerSummary& summary, const QuantizerDiagnostics& diagnostics) {
  summary.clippedFraction = diagnostics.clippedFraction();
  summary.sqnrDb = diagnostics.sqnrDb();
  summary.levels99 = diagnostics.levels99();
  summary.values = diagnostics.count;
}

double QuantizerDiagnostics::clippedFraction() const {
  return count == 0 ? 0.0 : static_cast<double>(clipped) / static_cast<double>(count);
}

double QuantizerDiagnostics::sqnrDb() const {
  if (count == 0) return std::numeric_limits<double>::quiet_NaN();
  if (noiseEnergy == 0.0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(signalEnergy / noiseEnergy);
}

int64_t QuantizerDiagnostics::levels99() const {
  if (count == 0) return 0;
  std::vector<int64_t> sorted = levelCounts;
  std::sort(sorted.begin(), sorted.end(), std::greater<int64_t>());
  // Integer test of covered / count >= 0.99, so an exact 99% counts as covered.
  int64_t covered = 0, used = 0;
  for (int64_t c : sorted) {
    if (covered * 100 >= count * 99) break;
    covered += c;
    ++used;
  }
  return used;
}

QuantizerDiagnostics diagnose(const at::Tensor& x, const at::Tensor& quantized, const ActivationGrid& grid) {
  return summarize(x, quantized, activationCodes(x, grid), grid.bits, 0);
}

at::Tensor fakeQuantizeAndDiagnose(const at::Tensor& x, const ActivationGrid& grid, QuantizerDiagnostics& into) {
  const bool fused =
      x.defined() && x.is_cpu() && (x.scalar_type() == at::kFloat || x.scalar_type() == at::kDouble);
  if (!fused) {  // other dtypes and devices (and the errors for non-floating input) take the ATen path
    at::Tensor quantized = fakeQuantizeActivation(x, grid);
    into.merge(diagnose(x, quantized, grid));
    return quantized;
  }
  checkActivationGrid(grid);
  const at::Tensor values = x.detach().contiguous();
  at::Tensor quantized = at::empty_like(values);
  const int64_t levels = int64_t(1) << grid.bits;
  std::vector<QuantScanTotals> totals(static_cast<size_t>(at::get_num_threads()), QuantScanTotals(levels));
  at::parallel_for(0, values.numel(), 1 << 15, [&](int64_t begin, int64_t end) {
    QuantScanTotals& mine = totals[static_cast<size_t>(at::get_thread_num())];
    if (values.scalar_type() == at::kFloat)
      fakeQuantizeScan(values.data_ptr<float>(), quantized.data_ptr<float>(), begin, end,
                       static_cast<float>(grid.scale), static_cast<float>(grid.zeroPoint),
                       static_cast<float>(levels - 1), mine);
    else
      fakeQuantizeScan(values.data_ptr<double>(), quantized.data_ptr<double>(), begin, end, grid.scale,
                       static_cast<double>(grid.zeroPoint), static_cast<double>(levels - 1), mine);
  });
  QuantizerDiagnostics batch;
  batch.bits = grid.bits;
  batch.count = values.numel();
  batch.levelCounts.assign(static_cast<size_t>(levels), 0);
  for (const QuantScanTotals& part : totals) {
    batch.clipped += part.clipped;
    batch.signalEnergy += part.signalEnergy;
    batch.noiseEnergy += part.noiseEnergy;
    for (size_t i = 0; i < batch.levelCounts.size(); ++i) batch.levelCounts[i] += part.levelCounts[i];
  }
  into.merge(batch);
  return quantized;
}

QuantizerDiagnostics diagnose(const at::Tensor& w, const QuantizedWeight& quantized) {
  return summarize(w, quantized.values, weightCodes(w, quantized), quantized.bits,
                   quantized.unsignedGrid ? 0 : -(int64_t(1) << (quantized.bits - 1)));
}

}  // namespace hopscope
