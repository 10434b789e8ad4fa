#pragma once
// Fake quantization of the W8A8 reference protocol (science.md section 6), for any bit width.
//
// Weights: symmetric, Δ = max|w| / (2^(b-1) - 1) per tensor or per output row,
//   q = Δ·clamp(round(w/Δ), -2^(b-1), 2^(b-1) - 1).
// Activations: asymmetric per tensor, range forced to min <= 0 < max,
//   Δ = (max - min)/(2^b - 1), z = clamp(round(-min/Δ), 0, 2^b - 1),
//   q = Δ·(clamp(round(x/Δ) + z, 0, 2^b - 1) - z).
// round is half to even (torch.round). z is added after rounding, as in the reference code and in
// at::fake_quantize_per_tensor_affine; round(x/Δ + z) would differ at exact ties when z is odd.
// As in the reference quantizers, the scale used is max(Δ, 1e-8), so an all-zero tensor or range
// gives zeros, never NaN. Arithmetic runs in the tensor's own floating dtype (Δ rounded to it once).
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace hopscope {

enum class Granularity { PerTensor, PerChannel /* one Δ per index of dim 0, the output channel */ };
enum class WeightRange { MinMax, Mse };
// Signed: codes in [-2^(b-1), 2^(b-1) - 1] always (science.md section 6). UnsignedWhenNonNegative:
// as the reference code's symmetric quantizer, a tensor without negative values (e.g. most
// LayerNorm gains) uses codes in [0, 2^b - 1] and Δ = max|w| / (2^b - 1), twice as fine.
enum class WeightGrid { Signed, UnsignedWhenNonNegative };

// The smallest scale any quantizer uses (the `eps` of the reference quantizers).
constexpr double kMinimumQuantizationScale = 1e-8;

struct QuantizedWeight {
  at::Tensor values;  // fake-quantized, same shape and dtype as the input
  at::Tensor scales;  // Δ, 1-D, in the input dtype: 1 entry per tensor, or one per output channel
  int bits = 8;
  Granularity granularity = Granularity::PerTensor;
  WeightRange range = WeightRange::MinMax;
  bool unsignedGrid = false;  // codes in [0, 2^b - 1] rather than [-2^(b-1), 2^(b-1) - 1]
};

// bits in [2, 16]; w floating, non-empty, finite (PerChannel: at least 1-D). Throws Error otherwise.
// Mse: the clipping range c = α·max|w| (per tensor or per row) with α in {0.01, 0.02, ..., 1} that
// minimises Σ(w - q)²; on ties the wider range wins.
QuantizedWeight quantizeWeight(const at::Tensor& w, int bits, Granularity granularity,
                               WeightRange range, WeightGrid grid = WeightGrid::Signed);

// round(w/Δ) before the clamp, Δ broadcast per row when per channel; same dtype as w.
at::Tensor weightCodes(const at::Tensor& w, const QuantizedWeight& quantized);

struct ActivationGrid {
  double scale = 1.0;     // Δ (already at least kMinimumQuantizationScale)
  int64_t zeroPoint = 0;  // z in [0, 2^bits - 1]
  int bits = 8;
  double min = 0.0;  // the range after forcing min <= 0
  double max = 0.0;  // and max >= 1e-8
};

// bits in [2, 16]; min, max finite with min <= max. Throws Error otherwise.
ActivationGrid gridFor(double min, double max, int bits);

// Throws Error unless bits is in [2, 16], the scale positive and finite, the zero point on the grid.
void checkActivationGrid(const ActivationGrid& grid);

// Fake-quantized x, same shape and dtype (x floating, any shape).
at::Tensor fakeQuantizeActivation(const at::Tensor& x, const ActivationGrid& grid);

// round(x/Δ) + z before the clamp, same dtype as x.
at::Tensor activationCodes(const at::Tensor& x, const ActivationGrid& grid);

}  // namespace hopscope
