#include "hopscope/quantizer.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "hopscope/error.h"

namespace hopscope {
namespace {

constexpr int kMseCandidates = 100;

void checkBits(int bits, const std::string& what) {
  if (bits < 2 || bits > 16)
    throw Error(what + ": the bit width must be between 2 and 16, got " + std::to_string(bits));
}

void checkFloating(const at::Tensor& t, const std::string& what) {
  if (!t.defined()) throw Error(what + ": the tensor is undefined");
  if (!at::isFloatingType(t.scalar_type()))
    throw Error(what + ": expected a floating-point tensor, got " +
                std::string(c10::toString(t.scalar_type())));
}

double largestSignedCode(int bits) { return static_cast<double>((int64_t(1) << (bits - 1)) - 1); }
double smallestSignedCode(int bits) { return -static_cast<double>(int64_t(1) << (bits - 1)); }
double largestUnsignedCode(int bits) { return static_cast<double>((int64_t(1) << bits) - 1); }

// The weight as [groups, values per group]: one group per tensor, or one per output channel.
at::Tensor asGroups(const at::Tensor& w, Granularity granularity) {
  if (granularity == Granularity::PerChannel) return w.reshape({w.size(0), -1});
  return w.reshape({1, -1});
}

// The integer codes a weight may take.
struct CodeRange {
  double smallest, largest;
};

CodeRange codeRangeOf(int bits, bool unsignedGrid) {
  return unsignedGrid ? CodeRange{0.0, largestUnsignedCode(bits)}
                      : CodeRange{smallestSignedCode(bits), largestSignedCode(bits)};
}

// Δ for a symmetric clipping range c (a [groups, 1] column), as the reference computes it.
at::Tensor scaleForClip(const at::Tensor& clip, const CodeRange& codes) {
  return (clip / codes.largest).clamp_min_(kMinimumQuantizationScale);
}

at::Tensor quantizeGroups(const at::Tensor& groups, const at::Tensor& scale, const CodeRange& codes) {
  return at::round(groups / scale).clamp_(codes.smallest, codes.largest).mul_(scale);
}

at::Tensor squaredErrorPerGroup(const at::Tensor& groups, const at::Tensor& scale, const CodeRange& codes) {
  return (groups - quantizeGroups(groups, scale, codes)).pow_(2).sum({1}, true, at::kDouble);
}

// Grid search over α = i/100: keep, per group, the clip α·max|w| with the smallest squared error.
// Candidates run from α = 1 downwards and only a strictly smaller error replaces the best, so
// ties keep the wider range.
at::Tensor mseScale(const at::Tensor& groups, const at::Tensor& absMax, const CodeRange& codes) {
  at::Tensor bestScale = scaleForClip(absMax, codes);
  at::Tensor bestError = squaredErrorPerGroup(groups, bestScale, codes);
  for (int i = kMseCandidates - 1; i >= 1; --i) {
    at::Tensor scale = scaleForClip(absMax * (static_cast<double>(i) / kMseCandidates), codes);
    at::Tensor error = squaredErrorPerGroup(groups, scale, codes);
    at::Tensor better = error < bestError;
    bestScale = at::where(better, scale, bestScale);
    bestError = at::where(better, error, bestError);
  }
  return bestScale;
}

}  // namespace

void checkActivationGrid(const ActivationGrid& grid) {
  checkBits(grid.bits, "activation quantization");
  if (!(std::isfinite(grid.scale) && grid.scale > 0))
    throw Error("activation quantization: the scale must be a positive number, got " +
                std::to_string(grid.scale));
  if (grid.zeroPoint < 0 || static_cast<double>(grid.zeroPoint) > largestUnsignedCode(grid.bits))
    throw Error("activation quantization: the zero point " + std::to_string(grid.zeroPoint) +
                " is outside [0, " + std::to_string((int64_t(1) << grid.bits) - 1) + "]");
}

QuantizedWeight quantizeWeight(const at::Tensor& w, int bits, Granularity granularity,
                               WeightRange range, WeightGrid grid) {
  const std::string what = "weight quantization";
  checkBits(bits, what);
  checkFloating(w, what);
  if (w.numel() == 0) throw Error(what + ": the weight tensor is empty");
  if (granularity == Granularity::PerChannel && w.dim() == 0)
    throw Error(what + ": per-channel quantization needs a tensor with at least one dimension");
  if (!at::isfinite(w).all().item<bool>())
    throw Error(what + ": the weight tensor holds NaN or infinite values");

  at::Tensor groups = asGroups(w.detach(), granularity);
  at::Tensor absMax = groups.abs().amax({1}, true);
  // The reference code's symmetric quantizer decides once per tensor: no negative value, no sign.
  const bool unsignedGrid = grid == WeightGrid::UnsignedWhenNonNegative && !(w.min().item<double>() < 0);
  const CodeRange codes = codeRangeOf(bits, unsignedGrid);
  at::Tensor scale =
      range == WeightRange::Mse ? mseScale(groups, absMax, codes) : scaleForClip(absMax, codes);

  QuantizedWeight quantized;
  quantized.values = quantizeGroups(groups, scale, codes).reshape(w.sizes());
  quantized.unsignedGrid = unsignedGrid;
  quantized.scales = scale.reshape({-1});
  quantized.bits = bits;
  quantized.granularity = granularity;
  quantized.range = range;
  return quantized;
}

at::Tensor weightCodes(const at::Tensor& w, const QuantizedWeight& quantized) {
  checkFloating(w, "weight codes");
  at::Tensor groups = asGroups(w.detach(), quantized.granularity);
  if (quantized.scales.numel() != groups.size(0))
    throw Error("weight codes: " + std::to_string(quantized.scales.numel()) +
                " scales do not match " + std::to_string(groups.size(0)) + " channel group(s)");
  return at::round(groups / quantized.scales.reshape({-1, 1})).reshape(w.sizes());
}

ActivationGrid gridFor(double min, double max, int bits) {
  checkBits(bits, "activation quantization");
  if (!(std::isfinite(min) && std::isfinite(max)))
    throw Error("activation quantization: the range [" + std::to_string(min) + ", " +
                std::to_string(max) + "] is not finite");
  if (min > max)
    throw Error("activation quantization: the range minimum " + std::to_string(min) +
                " is above its maximum " + std::to_string(max));
  ActivationGrid grid;
  grid.bits = bits;
  grid.min = std::min(min, 0.0);
  grid.max = std::max(max, 1e-8);
  const double levels = largestUnsignedCode(bits);
  const double delta = (grid.max - grid.min) / levels;
  // The reference derives z from the unclamped Δ and then clamps Δ to at least 1e-8.
  grid.zeroPoint = static_cast<int64_t>(std::clamp(std::nearbyint(-grid.min / delta), 0.0, levels));
  grid.scale = std::max(delta, kMinimumQuantizationScale);
  return grid;
}

at::Tensor activationCodes(const at::Tensor& x, const ActivationGrid& grid) {
  checkFloating(x, "activation quantization");
  checkActivationGrid(grid);
  return at::round(x.detach() / grid.scale).add_(static_cast<double>(grid.zeroPoint));
}

at::Tensor fakeQuantizeActivation(const at::Tensor& x, const ActivationGrid& grid) {
  return activationCodes(x, grid)
      .clamp_(0.0, largestUnsignedCode(grid.bits))
      .sub_(static_cast<double>(grid.zeroPoint))
      .mul_(grid.scale);
}

}  // namespace hopscope
