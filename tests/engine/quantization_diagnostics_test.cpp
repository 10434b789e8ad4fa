// Quantizer diagnostics: clipped fraction, SQNR and levels_99 by hand, agreement of the clipping
// count with torch's fake-quantize mask, 16-bit SQNR, and merging batches equals the whole.
#include "hopscope/quantization_diagnostics.h"

#include "hopscope/error.h"
#include "hopscope/quantizer.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace hopscope {
namespace {

at::Tensor floats(const std::vector<float>& values) { return at::tensor(values); }

QuantizerDiagnostics diagnoseActivation(const at::Tensor& x, const ActivationGrid& grid) {
  return diagnose(x, fakeQuantizeActivation(x, grid), grid);
}

TEST(QuantizationDiagnostics, ActivationByHand) {
  // 2 bits, Δ = 1, z = 1 (see the quantizer test): codes before the clamp -2, -1, 1, 1, 3, 3, 8,
  // so -3, -1.5 and 7 are clipped (3 of 7); 2.5 rounds to code 3 and is not.
  // q = -1, -1, 0, 0, 2, 2, 2. Σx² = 9 + 2.25 + 0.25 + 0.25 + 2.25 + 6.25 + 49 = 69.25;
  // Σ(x-q)² = 4 + 0.25 + 0.25 + 0.25 + 0.25 + 0.25 + 25 = 30.25.
  // Clamped codes 0, 0, 1, 1, 3, 3, 3: counts {2, 2, 0, 3}; 99% of 7 needs all 7: 3 levels.
  ActivationGrid grid = gridFor(-1.0, 2.0, 2);
  QuantizerDiagnostics d = diagnoseActivation(floats({-3.0f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f, 7.0f}), grid);
  EXPECT_EQ(d.bits, 2);
  EXPECT_EQ(d.count, 7);
  EXPECT_EQ(d.clipped, 3);
  EXPECT_DOUBLE_EQ(d.clippedFraction(), 3.0 / 7.0);
  EXPECT_DOUBLE_EQ(d.signalEnergy, 69.25);
  EXPECT_DOUBLE_EQ(d.noiseEnergy, 30.25);
  EXPECT_DOUBLE_EQ(d.sqnrDb(), 10.0 * std::log10(69.25 / 30.25));
  EXPECT_EQ(d.levelCounts, (std::vector<int64_t>{2, 2, 0, 3}));
  EXPECT_EQ(d.levels99(), 3);
}

TEST(QuantizationDiagnostics, ClippingCountMatchesTorchMask) {
  at::manual_seed(3);
  at::Tensor x = at::randn({4096});
  ActivationGrid grid = gridFor(-1.0, 1.5, 8);
  QuantizerDiagnostics d = diagnoseActivation(x, grid);
  auto torch = at::fake_quantize_per_tensor_affine_cachemask(x, grid.scale, grid.zeroPoint, 0, 255);
  EXPECT_EQ(d.clipped, (~std::get<1>(torch)).sum().item<int64_t>());
  EXPECT_GT(d.clipped, 0);
}

TEST(QuantizationDiagnostics, MinMaxWeightNeverClipsButMseDoes) {
  // 4 bits, Δ = 0.5: codes -4, 1, 2, 7 -> level indices (code + 8) 4, 9, 10, 15.
  at::Tensor w = floats({-2.1f, 0.5f, 1.25f, 3.5f});
  QuantizedWeight q = quantizeWeight(w, 4, Granularity::PerTensor, WeightRange::MinMax);
  QuantizerDiagnostics d = diagnose(w, q);
  EXPECT_EQ(d.clipped, 0);
  std::vector<int64_t> expected(16, 0);
  expected[4] = expected[9] = expected[10] = expected[15] = 1;
  EXPECT_EQ(d.levelCounts, expected);
  // Noise (−2.1 + 2)² + (1.25 − 1)² = 0.01 + 0.0625, up to float rounding of −2.1.
  EXPECT_NEAR(d.noiseEnergy, 0.0725, 1e-6);

  // 100 ones and a 10 at 2 bits: MSE picks Δ = 1.1 (quantizer test), 10/1.1 -> code 9 > 1: one
  // value of 101 clipped; every value lands on code 1 (index 3), so one level holds them all.
  std::vector<float> values(100, 1.0f);
  values.push_back(10.0f);
  at::Tensor outlier = floats(values);
  QuantizerDiagnostics mse = diagnose(outlier, quantizeWeight(outlier, 2, Granularity::PerTensor, WeightRange::Mse));
  EXPECT_EQ(mse.clipped, 1);
  EXPECT_EQ(mse.levelCounts, (std::vector<int64_t>{0, 0, 0, 101}));
  EXPECT_EQ(mse.levels99(), 1);
}

TEST(QuantizationDiagnostics, UnsignedWeightGridCountsLevelsFromCodeZero) {
  // 4 bits unsigned, Δ = 0.2 (quantizer test): codes 0, 2, 7, 15 are the level indices themselves.
  const at::Tensor w = floats({0.0f, 0.5f, 1.45f, 3.0f});
  QuantizerDiagnostics d = diagnose(w, quantizeWeight(w, 4, Granularity::PerTensor, WeightRange::MinMax,
                                                      WeightGrid::UnsignedWhenNonNegative));
  std::vector<int64_t> expected(16, 0);
  expected[0] = expected[2] = expected[7] = expected[15] = 1;
  EXPECT_EQ(d.levelCounts, expected);
  EXPECT_EQ(d.clipped, 0);
  EXPECT_EQ(d.levels99(), 4);
}

TEST(QuantizationDiagnostics, PerChannelWeightUsesEachRowsScale) {
  // Row scales 1 and 2 (quantizer test): codes 3, -2, 0 and -3, 0, 2 -> indices (code + 4)
  // 7, 2, 4 and 1, 4, 6 at 3 bits.
  at::Tensor w = floats({3.0f, -1.5f, 0.5f, -6.0f, 1.0f, 5.0f}).reshape({2, 3});
  QuantizerDiagnostics d = diagnose(w, quantizeWeight(w, 3, Granularity::PerChannel, WeightRange::MinMax));
  EXPECT_EQ(d.levelCounts, (std::vector<int64_t>{0, 1, 1, 0, 2, 0, 1, 1}));
  EXPECT_EQ(d.clipped, 0);
}

TEST(QuantizationDiagnostics, Levels99OnAKnownDistribution) {
  // Δ = 1, z = 0 on [0, 255]. 900 at level 10, 60 at 20, 30 at 30, 9 at 40, 1 at 50: the top three
  // levels hold 990 of 1000 = exactly 99%, so 3. Moving one value from 30 to 40 leaves the top
  // three at 989 < 990: 4.
  ActivationGrid grid = gridFor(0.0, 255.0, 8);
  auto sample = [](int at30, int at40) {
    std::vector<float> values;
    values.insert(values.end(), 900, 10.0f);
    values.insert(values.end(), 60, 20.0f);
    values.insert(values.end(), at30, 30.0f);
    values.insert(values.end(), at40, 40.0f);
    values.insert(values.end(), 1, 50.0f);
    return floats(values);
  };
  EXPECT_EQ(diagnoseActivation(sample(30, 9), grid).levels99(), 3);
  EXPECT_EQ(diagnoseActivation(sample(29, 10), grid).levels99(), 4);
}

TEST(QuantizationDiagnostics, SixteenBitsIsAbove80Decibels) {
  at::manual_seed(5);
  at::Tensor x = at::randn({100000});
  QuantizerDiagnostics activation =
      diagnoseActivation(x, gridFor(x.min().item<double>(), x.max().item<double>(), 16));
  EXPECT_GT(activation.sqnrDb(), 80.0);
  EXPECT_EQ(activation.clipped, 0);
  QuantizedWeight q = quantizeWeight(x.reshape({100, 1000}), 16, Granularity::PerTensor, WeightRange::MinMax);
  EXPECT_GT(diagnose(x.reshape({100, 1000}), q).sqnrDb(), 80.0);
  // 8 bits is about 48 dB lower (6 dB per bit), far below.
  EXPECT_LT(diagnoseActivation(x, gridFor(x.min().item<double>(), x.max().item<double>(), 8)).sqnrDb(),
            50.0);
}

TEST(QuantizationDiagnostics, ExactQuantizationIsInfiniteSqnr) {
  QuantizerDiagnostics d = diagnoseActivation(floats({-1.0f, 0.0f, 1.0f, 2.0f}), gridFor(-1.0, 2.0, 2));
  EXPECT_EQ(d.noiseEnergy, 0.0);
  EXPECT_TRUE(std::isinf(d.sqnrDb()) && d.sqnrDb() > 0);
  QuantizerDiagnostics empty;
  EXPECT_TRUE(std::isnan(empty.sqnrDb()));
  EXPECT_EQ(empty.levels99(), 0);
  EXPECT_EQ(empty.clippedFraction(), 0.0);
}

TEST(QuantizationDiagnostics, MergedBatchesEqualTheWhole) {
  at::manual_seed(9);
  at::Tensor x = at::randn({3000}) * 2;
  ActivationGrid grid = gridFor(-2.5, 3.0, 8);  // narrower than the data: some clipping
  QuantizerDiagnostics whole = diagnoseActivation(x, grid);
  QuantizerDiagnostics merged;
  for (int64_t b = 0; b < 3; ++b) merged.merge(diagnoseActivation(x.slice(0, b * 1000, (b + 1) * 1000), grid));
  EXPECT_EQ(merged.bits, whole.bits);
  EXPECT_EQ(merged.count, whole.count);
  EXPECT_EQ(merged.clipped, whole.clipped);
  EXPECT_GT(merged.clipped, 0);
  EXPECT_EQ(merged.levelCounts, whole.levelCounts);
  EXPECT_NEAR(merged.signalEnergy, whole.signalEnergy, 1e-9 * whole.signalEnergy);
  EXPECT_NEAR(merged.noiseEnergy, whole.noiseEnergy, 1e-9 * whole.noiseEnergy);
  EXPECT_EQ(merged.levels99(), whole.levels99());
}

TEST(QuantizationDiagnostics, RejectsMismatches) {
  QuantizerDiagnostics eightBit = diagnoseActivation(floats({1.0f}), gridFor(0.0, 1.0, 8));
  QuantizerDiagnostics fourBit = diagnoseActivation(floats({1.0f}), gridFor(0.0, 1.0, 4));
  EXPECT_THROW(eightBit.merge(fourBit), Error);
  ActivationGrid grid = gridFor(0.0, 1.0, 8);
  EXPECT_THROW(diagnose(floats({1.0f, 2.0f}), floats({1.0f}), grid), Error);
}

}  // namespace
}  // namespace hopscope

namespace hopscope {
namespace {

// The fused sweep against the two-step ATen path: bit-identical values, equal counts, energies
// equal up to summation order.
void expectFusedEqualsTwoStep(const at::Tensor& x, const ActivationGrid& grid) {
  const at::Tensor reference = fakeQuantizeActivation(x, grid);
  const QuantizerDiagnostics expected = diagnose(x, reference, grid);
  QuantizerDiagnostics fused;
  const at::Tensor quantized = fakeQuantizeAndDiagnose(x, grid, fused);
  ASSERT_EQ(quantized.sizes(), x.sizes());
  ASSERT_EQ(quantized.scalar_type(), x.scalar_type());
  EXPECT_TRUE(at::equal(quantized, reference)) << "bits " << grid.bits;
  EXPECT_EQ(fused.count, expected.count);
  EXPECT_EQ(fused.clipped, expected.clipped);
  EXPECT_EQ(fused.levelCounts, expected.levelCounts);
  EXPECT_NEAR(fused.signalEnergy, expected.signalEnergy, 1e-10 * expected.signalEnergy);
  EXPECT_NEAR(fused.noiseEnergy, expected.noiseEnergy, 1e-9 * expected.noiseEnergy);
}

TEST(FakeQuantizeAndDiagnose, EqualsQuantizingThenDiagnosing) {
  at::manual_seed(3);
  for (const at::ScalarType dtype : {at::kFloat, at::kDouble}) {
    for (const int bits : {2, 4, 8, 16}) {
      const ActivationGrid grid = gridFor(-1.5, 4.0, bits);
      // Gaussian bulk, values beyond both ends of the range, and exact ties k.5 * scale.
      at::Tensor x = (at::randn({3, 50000}, dtype) * 1.5).contiguous();
      x[0].narrow(0, 0, 2000).copy_((at::arange(2000, dtype) - 1000.5) * grid.scale);
      x[1].narrow(0, 0, 10).fill_(100.0);
      x[1].narrow(0, 10, 10).fill_(-100.0);
      expectFusedEqualsTwoStep(x, grid);
      expectFusedEqualsTwoStep(x.t(), grid);  // not contiguous
    }
  }
}

TEST(FakeQuantizeAndDiagnose, MergesAcrossBatchesAndRefusesABadGrid) {
  const ActivationGrid grid = gridFor(-1.0, 1.0, 8);
  const at::Tensor x = at::linspace(-2.0, 2.0, 1001, at::kFloat);
  QuantizerDiagnostics twice;
  fakeQuantizeAndDiagnose(x, grid, twice);
  fakeQuantizeAndDiagnose(x, grid, twice);
  QuantizerDiagnostics once = diagnose(x, fakeQuantizeActivation(x, grid), grid);
  EXPECT_EQ(twice.count, 2 * once.count);
  EXPECT_EQ(twice.clipped, 2 * once.clipped);
  ActivationGrid bad = grid;
  bad.scale = 0.0;
  QuantizerDiagnostics untouched;
  EXPECT_THROW(fakeQuantizeAndDiagnose(x, bad, untouched), Error);
  EXPECT_EQ(untouched.count, 0);
  EXPECT_THROW(fakeQuantizeAndDiagnose(at::arange(4), grid, untouched), Error);  // integer input
}

}  // namespace
}  // namespace hopscope
