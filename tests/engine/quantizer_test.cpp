// Fake quantization (science.md section 6): weights symmetric per tensor and per channel (min-max
// and MSE), activations asymmetric per tensor; hand-computed grids and agreement with torch's own
// fake_quantize kernels.
#include "hopscope/quantizer.h"

#include "hopscope/error.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <vector>

namespace hopscope {
namespace {

at::Tensor floats(const std::vector<float>& values) { return at::tensor(values); }

void expectValues(const at::Tensor& actual, const std::vector<float>& expected) {
  ASSERT_EQ(actual.numel(), static_cast<int64_t>(expected.size()));
  at::Tensor flat = actual.reshape({-1}).contiguous();
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_FLOAT_EQ(flat[static_cast<int64_t>(i)].item<float>(), expected[i]) << "at index " << i;
}

TEST(QuantizerWeight, PerTensorMinMaxByHand) {
  // 4 bits: codes -8..7. max|w| = 3.5, Δ = 3.5/7 = 0.5. w/Δ = -4.2, 1, 2.5, 7 -> round (half to
  // even) -4, 1, 2, 7 -> q = -2, 0.5, 1, 3.5.
  QuantizedWeight q = quantizeWeight(floats({-2.1f, 0.5f, 1.25f, 3.5f}), 4, Granularity::PerTensor,
                                     WeightRange::MinMax);
  expectValues(q.values, {-2.0f, 0.5f, 1.0f, 3.5f});
  expectValues(q.scales, {0.5f});
  EXPECT_EQ(q.values.scalar_type(), at::kFloat);
}

TEST(QuantizerWeight, PerChannelMinMaxByHand) {
  // 3 bits: codes -4..3. Row 0: Δ = 3/3 = 1, w/Δ = 3, -1.5, 0.5 -> 3, -2, 0.
  // Row 1: Δ = 6/3 = 2, w/Δ = -3, 0.5, 2.5 -> -3, 0, 2 -> q = -6, 0, 4.
  at::Tensor w = floats({3.0f, -1.5f, 0.5f, -6.0f, 1.0f, 5.0f}).reshape({2, 3});
  QuantizedWeight q = quantizeWeight(w, 3, Granularity::PerChannel, WeightRange::MinMax);
  EXPECT_EQ(q.values.sizes(), w.sizes());
  expectValues(q.values, {3.0f, -2.0f, 0.0f, -6.0f, 0.0f, 4.0f});
  expectValues(q.scales, {1.0f, 2.0f});
}

// 100 ones and one 10. With 2 bits (codes -2..1) the clip c is also Δ. For c in (2/3, 2) the ones
// keep code 1 and the 10 is clamped to c: error 100(1 - c)² + (10 - c)², smallest at c = 220/202
// = 1.089; among the candidates c = 10α: α = 0.10 -> 81, α = 0.11 -> 1 + 79.21 = 80.21,
// α = 0.12 -> 4 + 77.44 = 81.44. c > 2 rounds the ones to 0 (error >= 100, min-max gives 100);
// c < 2/3 clamps them too. So MSE picks c = 1.1.
at::Tensor onesAndAnOutlier() {
  std::vector<float> values(100, 1.0f);
  values.push_back(10.0f);
  return floats(values);
}

TEST(QuantizerWeight, MseShrinksTheRangeAroundAnOutlier) {
  QuantizedWeight q = quantizeWeight(onesAndAnOutlier(), 2, Granularity::PerTensor, WeightRange::Mse);
  expectValues(q.scales, {1.1f});
  EXPECT_FLOAT_EQ(q.values[0].item<float>(), 1.1f);
  EXPECT_FLOAT_EQ(q.values[100].item<float>(), 1.1f);  // the outlier, clamped to code 1

  QuantizedWeight minMax =
      quantizeWeight(onesAndAnOutlier(), 2, Granularity::PerTensor, WeightRange::MinMax);
  expectValues(minMax.scales, {10.0f});
}

TEST(QuantizerWeight, MsePerChannelSearchesEachRow) {
  // Row 1 is row 0 times 10: the same α wins, so Δ = 1.1 and 11.
  at::Tensor row = onesAndAnOutlier();
  at::Tensor w = at::stack({row, row * 10});
  QuantizedWeight q = quantizeWeight(w, 2, Granularity::PerChannel, WeightRange::Mse);
  expectValues(q.scales, {1.1f, 11.0f});
}

TEST(QuantizerWeight, AllZeroWeightStaysZeroWithoutNaN) {
  at::Tensor zeros = at::zeros({3, 4});
  for (Granularity g : {Granularity::PerTensor, Granularity::PerChannel})
    for (WeightRange r : {WeightRange::MinMax, WeightRange::Mse}) {
      QuantizedWeight q = quantizeWeight(zeros, 8, g, r);
      EXPECT_TRUE(at::equal(q.values, zeros));
      // The scale floor of the reference quantizers, 1e-8.
      EXPECT_FLOAT_EQ(q.scales[0].item<float>(), 1e-8f);
    }
}

TEST(QuantizerWeight, MatchesTorchFakeQuantizeAt8Bits) {
  at::manual_seed(7);
  at::Tensor w = at::randn({64, 48}) * 0.05;
  QuantizedWeight perTensor = quantizeWeight(w, 8, Granularity::PerTensor, WeightRange::MinMax);
  at::Tensor torchPerTensor =
      at::fake_quantize_per_tensor_affine(w, perTensor.scales[0].item<double>(), 0, -128, 127);
  EXPECT_TRUE(at::equal(perTensor.values, torchPerTensor));

  QuantizedWeight perChannel = quantizeWeight(w, 8, Granularity::PerChannel, WeightRange::MinMax);
  at::Tensor zeroPoints = at::zeros({64}, at::kInt);
  at::Tensor torchPerChannel =
      at::fake_quantize_per_channel_affine(w, perChannel.scales, zeroPoints, 0, -128, 127);
  EXPECT_TRUE(at::equal(perChannel.values, torchPerChannel));
  // Per channel is never worse than per tensor on the same weight.
  EXPECT_LE((w - perChannel.values).square().sum().item<double>(),
            (w - perTensor.values).square().sum().item<double>());
}

TEST(QuantizerWeight, UnsignedGridForATensorWithoutNegativeValuesByHand) {
  // 4 bits, no negative value: codes 0..15, Δ = 3/15 = 0.2. w/Δ = 0, 2.5, 7.25, 15 -> round (half to
  // even) 0, 2, 7, 15 -> q = 0, 0.4, 1.4, 3. The signed grid would use Δ = 3/7.
  const at::Tensor w = floats({0.0f, 0.5f, 1.45f, 3.0f});
  QuantizedWeight q = quantizeWeight(w, 4, Granularity::PerTensor, WeightRange::MinMax,
                                     WeightGrid::UnsignedWhenNonNegative);
  EXPECT_TRUE(q.unsignedGrid);
  EXPECT_FLOAT_EQ(q.scales[0].item<float>(), 0.2f);
  expectValues(q.values, {0.0f, 0.4f, 1.4f, 3.0f});
  // One negative value anywhere keeps the tensor on the signed grid, as in the reference code.
  const at::Tensor mixed = floats({-0.01f, 0.5f, 1.45f, 3.0f});
  QuantizedWeight signedQ = quantizeWeight(mixed, 4, Granularity::PerTensor, WeightRange::MinMax,
                                           WeightGrid::UnsignedWhenNonNegative);
  EXPECT_FALSE(signedQ.unsignedGrid);
  EXPECT_TRUE(at::equal(signedQ.values,
                        quantizeWeight(mixed, 4, Granularity::PerTensor, WeightRange::MinMax).values));
  // The default grid is signed whatever the values.
  EXPECT_FALSE(quantizeWeight(w, 4, Granularity::PerTensor, WeightRange::MinMax).unsignedGrid);
}

TEST(QuantizerWeight, UnsignedGridMatchesTorchFakeQuantizeAt8Bits) {
  at::manual_seed(5);
  const at::Tensor gain = at::rand({768}) + 0.5;  // LayerNorm-gain-like: all positive
  QuantizedWeight q = quantizeWeight(gain, 8, Granularity::PerTensor, WeightRange::MinMax,
                                     WeightGrid::UnsignedWhenNonNegative);
  const double scale = q.scales[0].item<double>();
  EXPECT_NEAR(scale, gain.max().item<double>() / 255.0, 1e-9);
  EXPECT_TRUE(at::allclose(q.values, at::fake_quantize_per_tensor_affine(gain, scale, 0, 0, 255), 0, 1e-7));
  // Per channel: every row its own Δ = max / 255.
  const at::Tensor rows = at::rand({4, 16}) + 0.1;
  QuantizedWeight perRow = quantizeWeight(rows, 8, Granularity::PerChannel, WeightRange::MinMax,
                                          WeightGrid::UnsignedWhenNonNegative);
  const at::Tensor scales = perRow.scales.to(at::kDouble);
  EXPECT_TRUE(at::allclose(scales, std::get<0>(rows.max(1)).to(at::kDouble) / 255.0, 0, 1e-9));
  EXPECT_TRUE(at::allclose(perRow.values,
                           at::fake_quantize_per_channel_affine(rows, perRow.scales, at::zeros({4}, at::kInt), 0, 0, 255),
                           0, 1e-7));
}

TEST(QuantizerWeight, RejectsBadInput) {
  at::Tensor w = floats({1.0f, -2.0f});
  EXPECT_THROW(quantizeWeight(w, 1, Granularity::PerTensor, WeightRange::MinMax), Error);
  EXPECT_THROW(quantizeWeight(w, 17, Granularity::PerTensor, WeightRange::MinMax), Error);
  EXPECT_NO_THROW(quantizeWeight(w, 2, Granularity::PerTensor, WeightRange::MinMax));
  EXPECT_NO_THROW(quantizeWeight(w, 16, Granularity::PerTensor, WeightRange::MinMax));
  EXPECT_THROW(quantizeWeight(at::tensor({1, 2}), 8, Granularity::PerTensor, WeightRange::MinMax), Error);
  EXPECT_THROW(quantizeWeight(at::zeros({0}), 8, Granularity::PerTensor, WeightRange::MinMax), Error);
  EXPECT_THROW(quantizeWeight(at::scalar_tensor(1.0), 8, Granularity::PerChannel, WeightRange::MinMax),
               Error);
  EXPECT_THROW(quantizeWeight(floats({1.0f, NAN}), 8, Granularity::PerTensor, WeightRange::MinMax),
               Error);
}

TEST(QuantizerActivation, GridByHand) {
  // Δ = (1 + 0.5)/255, z = round(0.5/Δ) = round(85) = 85.
  ActivationGrid grid = gridFor(-0.5, 1.0, 8);
  EXPECT_DOUBLE_EQ(grid.scale, 1.5 / 255);
  EXPECT_EQ(grid.zeroPoint, 85);
  EXPECT_EQ(grid.bits, 8);
  // min forced to 0: Δ = 0.9/255, z = 0.
  grid = gridFor(0.2, 0.9, 8);
  EXPECT_DOUBLE_EQ(grid.min, 0.0);
  EXPECT_DOUBLE_EQ(grid.scale, 0.9 / 255);
  EXPECT_EQ(grid.zeroPoint, 0);
  // max forced to 1e-8: Δ = (2 + 1e-8)/255, z = round(2·255/(2 + 1e-8)) = round(254.9999987) = 255.
  grid = gridFor(-2.0, -1.0, 8);
  EXPECT_DOUBLE_EQ(grid.max, 1e-8);
  EXPECT_DOUBLE_EQ(grid.scale, (2.0 + 1e-8) / 255);
  EXPECT_EQ(grid.zeroPoint, 255);
  // A zero range: Δ = 1e-8/255 is floored to 1e-8, z = 0; zeros stay zeros.
  grid = gridFor(0.0, 0.0, 8);
  EXPECT_DOUBLE_EQ(grid.scale, 1e-8);
  EXPECT_EQ(grid.zeroPoint, 0);
  EXPECT_TRUE(at::equal(fakeQuantizeActivation(at::zeros({5}), grid), at::zeros({5})));
}

TEST(QuantizerActivation, FakeQuantizeByHandRoundsBeforeAddingTheZeroPoint) {
  // 2 bits, range [-1, 2]: Δ = 3/3 = 1, z = round(1) = 1 (odd), codes 0..3, values -1..2.
  ActivationGrid grid = gridFor(-1.0, 2.0, 2);
  ASSERT_DOUBLE_EQ(grid.scale, 1.0);
  ASSERT_EQ(grid.zeroPoint, 1);
  // round(x) + 1 = -2, -1 (-1.5 -> -2), 1 (-0.5 -> -0), 1 (0.5 -> 0), 3 (1.5 -> 2), 3 (2.5 -> 2), 8
  // clamp to 0..3 then minus z: -1, -1, 0, 0, 2, 2, 2.
  // round(x + z) would give 0.5 -> round(1.5) = 2 -> 1 and 1.5 -> round(2.5) = 2 -> 1: the orders
  // differ at ties when z is odd, and the reference and torch both round first.
  at::Tensor x = floats({-3.0f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 7.0f});
  at::Tensor q = fakeQuantizeActivation(x, grid);
  expectValues(q, {-1.0f, -1.0f, 0.0f, 0.0f, 2.0f, 2.0f, 2.0f});
  expectValues(activationCodes(x, grid), {-2.0f, -1.0f, 1.0f, 1.0f, 3.0f, 3.0f, 8.0f});
  EXPECT_TRUE(at::equal(q, at::fake_quantize_per_tensor_affine(x, 1.0, 1, 0, 3)));
  at::Tensor addedFirst = (at::round(x + 1.0).clamp(0, 3) - 1.0);
  EXPECT_FALSE(at::equal(q, addedFirst));
}

TEST(QuantizerActivation, MatchesTorchFakeQuantizeAt8Bits) {
  at::manual_seed(11);
  at::Tensor x = at::randn({32, 257}) * 3 + 1;
  const double min = x.min().item<double>(), max = x.max().item<double>();
  // The full range, and a narrower one so that the clamp is exercised on both sides.
  for (const ActivationGrid& grid : {gridFor(min, max, 8), gridFor(0.5 * min, 0.5 * max, 8)}) {
    at::Tensor ours = fakeQuantizeActivation(x, grid);
    at::Tensor torch = at::fake_quantize_per_tensor_affine(x, grid.scale, grid.zeroPoint, 0, 255);
    EXPECT_TRUE(at::equal(ours, torch)) << "max difference " << (ours - torch).abs().max().item<double>();
    EXPECT_EQ(ours.scalar_type(), at::kFloat);
  }
}

TEST(QuantizerActivation, RejectsBadGridsAndInputs) {
  EXPECT_THROW(gridFor(-1.0, 1.0, 1), Error);
  EXPECT_THROW(gridFor(-1.0, 1.0, 17), Error);
  EXPECT_THROW(gridFor(2.0, 1.0, 8), Error);
  EXPECT_THROW(gridFor(-INFINITY, 1.0, 8), Error);
  EXPECT_THROW(gridFor(NAN, 1.0, 8), Error);
  ActivationGrid bad = gridFor(-1.0, 1.0, 8);
  bad.zeroPoint = 256;
  EXPECT_THROW(fakeQuantizeActivation(floats({0.0f}), bad), Error);
  EXPECT_THROW(fakeQuantizeActivation(at::tensor({1, 2}), gridFor(-1.0, 1.0, 8)), Error);
}

}  // namespace
}  // namespace hopscope
