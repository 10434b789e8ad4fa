// The table-driven bin lookup against the definition computed in float64 with a logarithm:
// bin = floor(half + sign(v) * log10(1 + |v| / t) * half / umax), clamped.
#include "stats/symlog_binner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

using hopscope::SymlogBinner;

namespace {

struct Binning {
  int64_t bins;
  double threshold, maxMagnitude;
};

// The bin by the formula, and how far the position is from a bin boundary (in bins).
int64_t binByFormula(const Binning& b, double v, double* distanceToEdge) {
  const double half = 0.5 * static_cast<double>(b.bins);
  const double uMax = std::log10(1.0 + b.maxMagnitude / b.threshold);
  const double p = std::log10(1.0 + std::fabs(v) / b.threshold) * half / uMax;
  const double position = v < 0 ? half - p : half + p;
  // Clamped positions are far from any boundary that matters.
  const bool clamped = position < 1.0 || position >= static_cast<double>(b.bins - 1);
  *distanceToEdge = clamped ? 1.0 : std::fabs(position - std::round(position));
  return std::clamp<int64_t>(static_cast<int64_t>(std::floor(position)), 0, b.bins - 1);
}

class SymlogBinnerTest : public ::testing::TestWithParam<Binning> {};

TEST_P(SymlogBinnerTest, MatchesTheLogarithmicDefinition) {
  const Binning b = GetParam();
  const SymlogBinner binner(b.bins, b.threshold, b.maxMagnitude);
  std::mt19937_64 random(7);
  std::uniform_real_distribution<double> exponent(std::log10(b.threshold) - 3, std::log10(b.maxMagnitude) + 2);
  int64_t checked = 0;
  for (int i = 0; i < 200000; ++i) {
    // Values from well below the linear threshold to beyond the range, both signs, float32 like
    // the activations.
    const float value = static_cast<float>((i % 2 ? -1.0 : 1.0) * std::pow(10.0, exponent(random)));
    double distance;
    const int64_t expected = binByFormula(b, value, &distance);
    // float32 y = 1 + |v|/t resolves the position only to ~1e-6 of a decade (and |v| below ~6e-8 t
    // as zero): skip values that close to a boundary.
    if (distance < 1e-4) continue;
    ASSERT_EQ(binner.bin(value), expected) << "value " << value << " binning " << b.bins;
    ++checked;
  }
  EXPECT_GT(checked, 150000);
}

// binAll (eight lanes at a time with AVX2 where the CPU has it) is bin() value for value.
TEST_P(SymlogBinnerTest, BinAllEqualsBinForEveryValue) {
  const Binning b = GetParam();
  const SymlogBinner binner(b.bins, b.threshold, b.maxMagnitude);
  std::mt19937_64 random(11);
  std::uniform_real_distribution<double> exponent(std::log10(b.threshold) - 3, std::log10(b.maxMagnitude) + 2);
  std::vector<float> values(100003);  // not a multiple of 8: the tail goes one by one
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = static_cast<float>((i % 3 ? -1.0 : 1.0) * std::pow(10.0, exponent(random)));
  values[0] = 0.0f;
  values[1] = -0.0f;
  values[2] = std::numeric_limits<float>::infinity();
  values[3] = -std::numeric_limits<float>::max();
  std::vector<int32_t> bins(values.size(), -1);
  binner.binAll(values.data(), bins.data(), static_cast<int64_t>(values.size()));
  for (size_t i = 0; i < values.size(); ++i) ASSERT_EQ(bins[i], binner.bin(values[i])) << "value " << values[i];
}

TEST_P(SymlogBinnerTest, ZeroAndExtremesLandInTheCentreAndEndBins) {
  const Binning b = GetParam();
  const SymlogBinner binner(b.bins, b.threshold, b.maxMagnitude);
  EXPECT_EQ(binner.bin(0.0f), b.bins / 2);
  EXPECT_EQ(binner.bin(-0.0f), b.bins / 2);
  EXPECT_EQ(binner.bin(std::numeric_limits<float>::max()), b.bins - 1);
  EXPECT_EQ(binner.bin(std::numeric_limits<float>::infinity()), b.bins - 1);
  EXPECT_EQ(binner.bin(-std::numeric_limits<float>::infinity()), 0);
  EXPECT_EQ(binner.bin(std::numeric_limits<float>::denorm_min()), b.bins / 2);
}

INSTANTIATE_TEST_SUITE_P(Binnings, SymlogBinnerTest,
                         ::testing::Values(Binning{400, 1e-3, 1e6}, Binning{4, 1.0, 99.0}, Binning{5, 1.0, 99.0},
                                           Binning{1, 1.0, 10.0}, Binning{20000, 1e-3, 1e6},
                                           Binning{65536, 1e-6, 1e30}));

TEST(SymlogBinner, ValuesExactlyOnAnEdgeGoToTheBinAbove) {
  // 4 bins, t = 1, umax = 2: edges at |v| = 9 (u = 1) and 99.
  const SymlogBinner binner(4, 1.0, 99.0);
  EXPECT_EQ(binner.bin(9.0f), 3);
  EXPECT_EQ(binner.bin(-9.0f), 1);  // [-9, 0) is bin 1: -9 is its lower edge
  EXPECT_EQ(binner.bin(std::nextafter(9.0f, 0.0f)), 2);
  EXPECT_EQ(binner.bin(-std::nextafter(9.0f, 0.0f)), 1);
  EXPECT_EQ(binner.bin(-std::nextafter(9.0f, 10.0f)), 0);
}

}  // namespace
