// Activation statistics: moments and the protocol's per-row kurtosis against plain loops over
// std::vector, merging against accumulating the whole, non-finite rows, and max locations.
#include "hopscope/activation_statistics.h"

#include "hopscope/error.h"
#include "hopscope/symlog_histogram.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace hopscope {
namespace {

std::vector<double> gaussian(size_t count, unsigned seed) {
  std::mt19937_64 engine(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::vector<double> values(count);
  for (double& value : values) value = normal(engine);
  return values;
}

// Gaussian float32 values with a few planted outliers, as [B, T, C].
std::vector<float> activationValues(int64_t batch, int64_t tokens, int64_t channels, unsigned seed) {
  const std::vector<double> normal = gaussian(static_cast<size_t>(batch * tokens * channels), seed);
  std::vector<float> values(normal.begin(), normal.end());
  values[7] = 60.0f;
  values[values.size() / 2] = -250.0f;
  values[values.size() - 3] = 120.0f;
  return values;
}

at::Tensor floats(const std::vector<float>& values, at::IntArrayRef shape) {
  return at::tensor(values).reshape(shape);
}

// Two-pass sums of centred powers in long double.
struct ReferenceMoments {
  explicit ReferenceMoments(const std::vector<double>& values) {
    long double sum = 0;
    for (double value : values) sum += value;
    mean = sum / values.size();
    for (double value : values) {
      const long double d = value - mean;
      m2 += d * d;
      m3 += d * d * d;
      m4 += d * d * d * d;
    }
  }
  long double mean = 0, m2 = 0, m3 = 0, m4 = 0;
};

// science.md 5: mean((x - mu)^4) / (s^4 + 1e-6), s the unbiased standard deviation.
double protocolKurtosis(const std::vector<double>& row) {
  const ReferenceMoments moments(row);
  const long double n = row.size();
  const long double variance = moments.m2 / (n - 1);
  return static_cast<double>(moments.m4 / n / (variance * variance + 1e-6L));
}

// Rows of a [B, T, C] value list: a whole batch item, or one token.
std::vector<std::vector<double>> rowsOf(const std::vector<float>& values, int64_t rowLength) {
  std::vector<std::vector<double>> rows;
  for (size_t start = 0; start < values.size(); start += static_cast<size_t>(rowLength))
    rows.emplace_back(values.begin() + start, values.begin() + start + rowLength);
  return rows;
}

void expectRelativelyNear(double actual, double expected, double tolerance) {
  EXPECT_NEAR(actual, expected, tolerance * std::max(1.0, std::fabs(expected)));
}

// ModuleStatistics computes per-row moments of float32 activations in float32 (cascaded sums,
// ~1e-7 relative) before carrying them in float64; MomentAccumulator alone is float64 throughout.
constexpr double kFloat32Moments = 1e-5;

void expectMomentsEqual(const MomentAccumulator& actual, const MomentAccumulator& expected,
                        double tolerance = 1e-12) {
  EXPECT_EQ(actual.count, expected.count);
  expectRelativelyNear(actual.mean, expected.mean, tolerance);
  expectRelativelyNear(actual.m2, expected.m2, tolerance);
  expectRelativelyNear(actual.m3, expected.m3, tolerance);
  expectRelativelyNear(actual.m4, expected.m4, tolerance);
}

std::vector<double> withOutliers() {
  std::vector<double> values = gaussian(100000, 11);
  values[10] = values[50000] = values[99990] = 500.0;
  return values;
}

TEST(MomentAccumulator, MatchesTwoPassLoopsWithPlantedOutliers) {
  const std::vector<double> values = withOutliers();
  MomentAccumulator moments;
  moments.add(at::tensor(values).reshape({100, 1000}));
  const ReferenceMoments reference(values);
  const long double n = values.size();
  EXPECT_EQ(moments.count, 100000);
  expectRelativelyNear(moments.mean, static_cast<double>(reference.mean), 1e-12);
  expectRelativelyNear(moments.m2, static_cast<double>(reference.m2), 1e-12);
  expectRelativelyNear(moments.m3, static_cast<double>(reference.m3), 1e-12);
  expectRelativelyNear(moments.m4, static_cast<double>(reference.m4), 1e-12);
  expectRelativelyNear(moments.variance(true), static_cast<double>(reference.m2 / (n - 1)), 1e-12);
  expectRelativelyNear(moments.variance(false), static_cast<double>(reference.m2 / n), 1e-12);
  const double kurtosis = static_cast<double>(n * reference.m4 / (reference.m2 * reference.m2));
  EXPECT_GT(kurtosis, 100.0);  // the outliers dominate
  expectRelativelyNear(moments.pearsonKurtosis(), kurtosis, 1e-12);
}

TEST(MomentAccumulator, MergedPartsEqualTheWhole) {
  const std::vector<double> values = withOutliers();
  MomentAccumulator whole, first, second, third;
  whole.add(at::tensor(values));
  const at::Tensor all = at::tensor(values);
  first.add(all.slice(0, 0, 37));
  second.add(all.slice(0, 37, 60000));
  third.add(all.slice(0, 60000));
  second.merge(third);
  first.merge(second);
  expectMomentsEqual(first, whole);
  MomentAccumulator empty;
  empty.merge(whole);
  expectMomentsEqual(empty, whole);
}

TEST(MomentAccumulator, GaussianKurtosisIsThree) {
  MomentAccumulator moments;
  moments.add(at::tensor(gaussian(1000000, 3)));
  EXPECT_NEAR(moments.pearsonKurtosis(), 3.0, 0.05);
  EXPECT_NEAR(moments.variance(true), 1.0, 0.01);
}

TEST(MomentAccumulator, SmallCaseByHand) {
  // 1, 2, 3, 4: mean 2.5, deviations +-1.5, +-0.5: M2 = 5, M3 = 0, M4 = 10.25, kurtosis 4*10.25/25.
  MomentAccumulator moments;
  moments.add(at::tensor(std::vector<double>{1, 2, 3, 4}));
  EXPECT_EQ(moments.count, 4);
  EXPECT_DOUBLE_EQ(moments.mean, 2.5);
  EXPECT_DOUBLE_EQ(moments.m2, 5.0);
  EXPECT_NEAR(moments.m3, 0.0, 1e-15);
  EXPECT_DOUBLE_EQ(moments.m4, 10.25);
  EXPECT_DOUBLE_EQ(moments.pearsonKurtosis(), 1.64);
  EXPECT_DOUBLE_EQ(moments.variance(true), 5.0 / 3.0);
  EXPECT_TRUE(std::isnan(MomentAccumulator().pearsonKurtosis()));
  EXPECT_TRUE(std::isnan(MomentAccumulator().variance(true)));
}

TEST(ModuleStatistics, ProtocolKurtosisSmallCasesByHand) {
  // Token 0 = 1, 2, 3, 4: mean((x-mu)^4) = 10.25/4, s^2 = 5/3.
  // Token 1 = +-2^-6 alternating: mean((x-mu)^4) = 2^-24, s^2 = (4/3) 2^-12: here eps dominates.
  const float a = 1.0f / 64.0f;
  ModuleStatistics statistics(RowMode::PerToken);
  statistics.add(floats({1, 2, 3, 4, -a, a, -a, a}, {1, 2, 4}), 0);
  const double first = 2.5625 / (25.0 / 9.0 + 1e-6);
  const double second = std::ldexp(1.0, -24) / (16.0 / 9.0 * std::ldexp(1.0, -24) + 1e-6);
  EXPECT_NEAR(second, 0.05389, 1e-5);  // eps matters here
  EXPECT_EQ(statistics.rows(), 2);
  EXPECT_NEAR(statistics.meanKurtosis(), (first + second) / 2, 1e-12);
  EXPECT_NEAR(statistics.maxKurtosis(), first, 1e-12);
  EXPECT_NEAR(statistics.meanInfNorm(), (4.0 + a) / 2, 1e-12);
}

TEST(ModuleStatistics, GaussianRowKurtosisIsNearThree) {
  const std::vector<double> normal = gaussian(1000000, 5);
  ModuleStatistics statistics(RowMode::PerSample);
  statistics.add(floats(std::vector<float>(normal.begin(), normal.end()), {1, 1000, 1000}), 0);
  EXPECT_EQ(statistics.rows(), 1);
  EXPECT_NEAR(statistics.meanKurtosis(), 3.0, 0.05);
}

// Histogram counts by the symlog formula in float64, and how many values sit so close to a bin
// boundary (1e-4 of a bin) that float32 rounding may put them on either side.
std::vector<int64_t> countsByFormula(const std::vector<float>& values, int64_t* uncertain) {
  const SymlogHistogram binning;
  const double half = 0.5 * static_cast<double>(binning.binCount());
  const double uMax = std::log10(1.0 + binning.maxMagnitude() / binning.linearThreshold());
  std::vector<int64_t> counts(static_cast<size_t>(binning.binCount()), 0);
  *uncertain = 0;
  for (float value : values) {
    const double p = std::log10(1.0 + std::fabs(double(value)) / binning.linearThreshold()) * half / uMax;
    const double position = value < 0 ? half - p : half + p;
    if (std::fabs(position - std::round(position)) < 1e-4) ++*uncertain;
    const int64_t bin = std::clamp<int64_t>(int64_t(std::floor(position)), 0, binning.binCount() - 1);
    ++counts[static_cast<size_t>(bin)];
  }
  return counts;
}

// Every figure of one [B, T, C] batch against loops, in one row mode; outlierScale multiplies the
// planted outliers (past ~1e8 the row sums switch to float64 accumulators).
void expectMatchesLoops(RowMode mode, int64_t batch, int64_t tokens, int64_t channels, float outlierScale) {
  std::vector<float> values = activationValues(batch, tokens, channels, 21);
  for (float& value : values)
    if (std::fabs(value) >= 60.0f) value *= outlierScale;
  ModuleStatistics statistics(mode);
  statistics.add(floats(values, {batch, tokens, channels}), 10);

  const auto rows = rowsOf(values, mode == RowMode::PerSample ? tokens * channels : channels);
  double kurtosisSum = 0, maxKurtosis = 0, infNormSum = 0;
  for (const auto& row : rows) {
    const double kurtosis = protocolKurtosis(row);
    kurtosisSum += kurtosis;
    maxKurtosis = std::max(maxKurtosis, kurtosis);
    double infNorm = 0;
    for (double value : row) infNorm = std::max(infNorm, std::fabs(value));
    infNormSum += infNorm;
  }
  EXPECT_EQ(statistics.rows(), static_cast<int64_t>(rows.size()));
  expectRelativelyNear(statistics.meanKurtosis(), kurtosisSum / rows.size(), kFloat32Moments);
  expectRelativelyNear(statistics.maxKurtosis(), maxKurtosis, kFloat32Moments);
  expectRelativelyNear(statistics.meanInfNorm(), infNormSum / rows.size(), kFloat32Moments);

  std::vector<double> channelMax(channels, 0.0);
  size_t largestAt = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    channelMax[i % channels] = std::max(channelMax[i % channels], std::fabs(double(values[i])));
    if (std::fabs(values[i]) > std::fabs(values[largestAt])) largestAt = i;
  }
  EXPECT_EQ(statistics.channelMaxAbs(), channelMax);

  // -250 (times the scale) was planted in the middle of the batch.
  const MaxAbsLocation location = statistics.maxAbs();
  EXPECT_EQ(location.value, std::fabs(double(values[largestAt])));
  EXPECT_EQ(location.sample, 10 + int64_t(largestAt) / (tokens * channels));
  EXPECT_EQ(location.token, int64_t(largestAt) / channels % tokens);
  EXPECT_EQ(location.channel, int64_t(largestAt) % channels);

  const ReferenceMoments reference(std::vector<double>(values.begin(), values.end()));
  EXPECT_EQ(statistics.moments().count, batch * tokens * channels);
  expectRelativelyNear(statistics.moments().mean, static_cast<double>(reference.mean), kFloat32Moments);
  expectRelativelyNear(statistics.moments().m2, static_cast<double>(reference.m2), kFloat32Moments);
  expectRelativelyNear(statistics.moments().m3, static_cast<double>(reference.m3), kFloat32Moments);
  expectRelativelyNear(statistics.moments().m4, static_cast<double>(reference.m4), kFloat32Moments);

  EXPECT_EQ(statistics.histogram().total(), batch * tokens * channels);
  int64_t uncertain = 0;
  const std::vector<int64_t> expectedCounts = countsByFormula(values, &uncertain);
  int64_t misplaced = 0;
  for (size_t b = 0; b < expectedCounts.size(); ++b)
    misplaced += std::abs(statistics.histogram().counts()[b] - expectedCounts[b]);
  EXPECT_LE(misplaced, 2 * uncertain);
}

TEST(ModuleStatistics, PerSampleRowsMatchLoops) { expectMatchesLoops(RowMode::PerSample, 3, 5, 8, 1.0f); }
TEST(ModuleStatistics, PerTokenRowsMatchLoops) { expectMatchesLoops(RowMode::PerToken, 3, 5, 8, 1.0f); }
// Wide enough for the vectorised lanes, with a ragged channel tail, and many rows over the threads.
TEST(ModuleStatistics, WidePerSampleRowsMatchLoops) { expectMatchesLoops(RowMode::PerSample, 6, 37, 100, 1.0f); }
TEST(ModuleStatistics, WidePerTokenRowsMatchLoops) { expectMatchesLoops(RowMode::PerToken, 6, 37, 100, 1.0f); }
// Outliers of 1e10 and more: their fourth powers overflow float32 sums.
TEST(ModuleStatistics, HugeOutliersMatchLoops) {
  expectMatchesLoops(RowMode::PerSample, 4, 9, 50, 1e9f);
  expectMatchesLoops(RowMode::PerToken, 4, 9, 50, 1e9f);
}

void expectMergeEqualsWhole(RowMode mode) {
  const int64_t batch = 6, tokens = 4, channels = 16;
  const at::Tensor all = floats(activationValues(batch, tokens, channels, 33), {batch, tokens, channels});
  ModuleStatistics whole(mode), first(mode), second(mode), third(mode);
  whole.add(all, 100);
  first.add(all.slice(0, 0, 2), 100);
  second.add(all.slice(0, 2, 3), 102);
  third.add(all.slice(0, 3), 103);
  second.merge(third);
  first.merge(second);
  EXPECT_EQ(first.rows(), whole.rows());
  expectRelativelyNear(first.meanKurtosis(), whole.meanKurtosis(), kFloat32Moments);
  EXPECT_EQ(first.maxKurtosis(), whole.maxKurtosis());
  expectRelativelyNear(first.meanInfNorm(), whole.meanInfNorm(), kFloat32Moments);
  EXPECT_EQ(first.channelMaxAbs(), whole.channelMaxAbs());
  EXPECT_EQ(first.maxAbs().value, whole.maxAbs().value);
  EXPECT_EQ(first.maxAbs().sample, whole.maxAbs().sample);
  EXPECT_EQ(first.maxAbs().token, whole.maxAbs().token);
  EXPECT_EQ(first.maxAbs().channel, whole.maxAbs().channel);
  EXPECT_EQ(whole.maxAbs().sample, 103);  // -250 at flat index 192 of 384
  expectMomentsEqual(first.moments(), whole.moments(), kFloat32Moments);
  EXPECT_EQ(first.histogram().counts(), whole.histogram().counts());
  EXPECT_EQ(first.histogram().total(), batch * tokens * channels);
}

TEST(ModuleStatistics, PerSampleMergeEqualsWhole) { expectMergeEqualsWhole(RowMode::PerSample); }
TEST(ModuleStatistics, PerTokenMergeEqualsWhole) { expectMergeEqualsWhole(RowMode::PerToken); }

TEST(ModuleStatistics, NonFiniteRowsAreCountedAndLeftOut) {
  // [4, 3, 5]: sample 1 holds a NaN; sample 3 holds +Inf and the largest finite value, 900.
  const int64_t batch = 4, tokens = 3, channels = 5, itemSize = tokens * channels;
  std::vector<float> values = activationValues(batch, tokens, channels, 44);
  values[1 * itemSize + 6] = std::numeric_limits<float>::quiet_NaN();
  values[3 * itemSize + 2] = std::numeric_limits<float>::infinity();
  values[3 * itemSize + 4] = 900.0f;
  const at::Tensor activation = floats(values, {batch, tokens, channels});

  ModuleStatistics perSample(RowMode::PerSample);
  perSample.add(activation, 0);
  EXPECT_EQ(perSample.rows(), 2);
  EXPECT_EQ(perSample.nonFiniteRows(), 2);
  EXPECT_EQ(perSample.nonFiniteValues(), 2);
  std::vector<double> kept(values.begin(), values.begin() + itemSize);
  kept.insert(kept.end(), values.begin() + 2 * itemSize, values.begin() + 3 * itemSize);
  EXPECT_EQ(perSample.moments().count, 2 * itemSize);
  expectRelativelyNear(perSample.moments().m2, static_cast<double>(ReferenceMoments(kept).m2), kFloat32Moments);
  EXPECT_EQ(perSample.histogram().total(), 2 * itemSize);
  // -250 sits at flat index 30 = sample 2, token 0, channel 0; 900 is in an excluded row.
  EXPECT_EQ(perSample.maxAbs().value, 250.0);
  EXPECT_EQ(perSample.maxAbs().sample, 2);
  EXPECT_LT(*std::max_element(perSample.channelMaxAbs().begin(), perSample.channelMaxAbs().end()),
            251.0);
  expectRelativelyNear(perSample.meanKurtosis(),
                       (protocolKurtosis(std::vector<double>(kept.begin(), kept.begin() + itemSize)) +
                        protocolKurtosis(std::vector<double>(kept.begin() + itemSize, kept.end()))) / 2,
                       kFloat32Moments);

  ModuleStatistics perToken(RowMode::PerToken);
  perToken.add(activation, 0);
  EXPECT_EQ(perToken.rows(), batch * tokens - 2);
  EXPECT_EQ(perToken.nonFiniteRows(), 2);
  EXPECT_EQ(perToken.nonFiniteValues(), 2);
  EXPECT_EQ(perToken.moments().count, (batch * tokens - 2) * channels);
  EXPECT_EQ(perToken.maxAbs().value, 250.0);  // 900 shares token 0 of sample 3 with the Inf
}

TEST(ModuleStatistics, HugeFiniteDoublesAreNotMistakenForNonFinite) {
  // The float64 sum of row 0 overflows, yet every value in it is finite; row 1 holds an Inf.
  const double inf = std::numeric_limits<double>::infinity();
  ModuleStatistics statistics(RowMode::PerToken);
  statistics.add(at::tensor(std::vector<double>{1e308, 1e308, 1, inf}).reshape({1, 2, 2}), 0);
  EXPECT_EQ(statistics.rows(), 1);
  EXPECT_EQ(statistics.nonFiniteRows(), 1);
  EXPECT_EQ(statistics.nonFiniteValues(), 1);
  EXPECT_EQ(statistics.maxAbs().value, 1e308);
  EXPECT_EQ(statistics.histogram().total(), 2);
}

TEST(ModuleStatistics, AllRowsNonFiniteLeaveNoFigures) {
  ModuleStatistics statistics(RowMode::PerSample);
  statistics.add(floats({1, std::numeric_limits<float>::quiet_NaN()}, {1, 2}), 0);
  EXPECT_EQ(statistics.rows(), 0);
  EXPECT_EQ(statistics.nonFiniteValues(), 1);
  EXPECT_TRUE(std::isnan(statistics.meanKurtosis()));
  EXPECT_TRUE(std::isnan(statistics.maxKurtosis()));
  EXPECT_EQ(statistics.maxAbs().sample, -1);
}

TEST(ModuleStatistics, MaxLocationOfTwoDimensionalActivationsAppliesTheSampleOffset) {
  std::vector<float> values(4 * 6, 0.5f);
  values[2 * 6 + 1] = -700.0f;  // sample 2, channel 1
  ModuleStatistics statistics(RowMode::PerSample);
  statistics.add(floats(values, {4, 6}), 40);
  EXPECT_EQ(statistics.maxAbs().value, 700.0);
  EXPECT_EQ(statistics.maxAbs().sample, 42);
  EXPECT_EQ(statistics.maxAbs().token, 0);
  EXPECT_EQ(statistics.maxAbs().channel, 1);
  EXPECT_EQ(statistics.channelMaxAbs(), (std::vector<double>{0.5, 700, 0.5, 0.5, 0.5, 0.5}));
}

TEST(ModuleStatistics, RefusesInconsistentInput) {
  ModuleStatistics statistics(RowMode::PerToken);
  EXPECT_THROW(statistics.add(at::zeros({2, 3, 4, 5}), 0), Error);
  EXPECT_THROW(statistics.add(at::zeros({2, 3}, at::kLong), 0), Error);
  EXPECT_THROW(statistics.add(at::zeros({2, 3, 1}), 0), Error);  // a token row of 1 value
  statistics.add(at::randn({2, 3, 4}), 0);
  EXPECT_THROW(statistics.add(at::randn({2, 3, 5}), 2), Error);
  ModuleStatistics perSample(RowMode::PerSample);
  EXPECT_THROW(statistics.merge(perSample), Error);
}

}  // namespace
}  // namespace hopscope
