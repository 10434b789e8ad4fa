#pragma once
// How well one quantizer fits the values it sees, accumulated over batches. The fields are sums
// and counts, so diagnostics of different batches (or processes) merge by adding.
//
// - clipped fraction: share of values the clamp changed, i.e. whose integer code before the clamp
//   (round(x/Δ) + z, or round(w/Δ)) lies outside the grid: more than Δ/2 beyond the representable
//   range [Δ·(0 - z), Δ·(2^b - 1 - z)] (activations) or [-2^(b-1)·Δ, (2^(b-1) - 1)·Δ] (weights).
//   This is the mask of torch's fake_quantize_*_cachemask; rounding error alone is not clipping,
//   so a min-max range never reports clipping on the data it was calibrated on.
// - SQNR in dB = 10·log10(Σx² / Σ(x - q)²); +infinity when Σ(x - q)² = 0 (exact), -infinity when
//   only the signal is 0, NaN before any value. JSON writers must map ±inf (e.g. to null or a cap).
// - levels_99: the fewest integer levels of the 2^b grid that together hold at least 99% of the
//   values (the most populated levels first).
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "hopscope/quantization_study.h"
#include "hopscope/quantizer.h"

namespace hopscope {

struct QuantizerDiagnostics {
  int bits = 0;                      // 0 until the first diagnose() result is merged in
  int64_t count = 0;                 // values seen
  int64_t clipped = 0;               // values the clamp changed
  double signalEnergy = 0.0;         // Σ x²
  double noiseEnergy = 0.0;          // Σ (x - q)²
  std::vector<int64_t> levelCounts;  // 2^bits counts, index = code - smallest code

  // Throws Error when both sides have values but different bit widths.
  void merge(const QuantizerDiagnostics& other);
  double clippedFraction() const;  // 0 before any value
  double sqnrDb() const;
  int64_t levels99() const;  // 0 before any value
};

// The summary's figures from diagnostics: clipped fraction, SQNR, levels_99 and values seen.
void setDiagnosticFigures(QuantizerSummary& summary, const QuantizerDiagnostics& diagnostics);

// x: the activation batch, quantized: fakeQuantizeActivation(x, grid). Same shapes; any floating dtype.
QuantizerDiagnostics diagnose(const at::Tensor& x, const at::Tensor& quantized, const ActivationGrid& grid);
// fakeQuantizeActivation(x, grid), with diagnose(x, result, grid) merged into `into`: the same
// numbers in one sweep over x instead of a dozen (this runs on every activation of a quantized
// forward). Throws Error as those two do.
at::Tensor fakeQuantizeAndDiagnose(const at::Tensor& x, const ActivationGrid& grid, QuantizerDiagnostics& into);
// w: the weight that quantizeWeight() turned into `quantized`.
QuantizerDiagnostics diagnose(const at::Tensor& w, const QuantizedWeight& quantized);

}  // namespace hopscope
