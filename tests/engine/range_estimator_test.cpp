// Activation range estimators: min-max, running average, percentiles (numpy's linear
// interpolation) and MSE on a reservoir sample, each on hand-computed batches; the spec parser.
#include "hopscope/range_estimator.h"

#include "hopscope/error.h"
#include "hopscope/quantizer.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <vector>

namespace hopscope {
namespace {

at::Tensor floats(const std::vector<float>& values) { return at::tensor(values); }

TEST(RangeEstimator, MinMaxIsGlobalOverBatches) {
  MinMaxRangeEstimator estimator;
  estimator.observe(floats({-1.0f, 2.0f, 0.5f}));
  estimator.observe(floats({-3.0f, 1.0f}).reshape({1, 2}));
  estimator.observe(floats({}));  // ignored
  estimator.observe(floats({0.25f, 1.75f}));
  EXPECT_EQ(estimator.range(), (std::pair<double, double>(-3.0, 2.0)));
}

TEST(RangeEstimator, RunningAveragesThreeBatchesByHand) {
  // Batch ranges (-1, 2), (-3, 4), (-2, 0). First sets, then v <- 0.1·batch + 0.9·v:
  // min: -1 -> 0.1·(-3) + 0.9·(-1) = -1.2 -> 0.1·(-2) + 0.9·(-1.2) = -1.28
  // max:  2 -> 0.1·4 + 0.9·2 = 2.2       -> 0.1·0 + 0.9·2.2 = 1.98
  RunningRangeEstimator estimator;
  estimator.observe(floats({-1.0f, 0.0f, 2.0f}));
  EXPECT_EQ(estimator.range(), (std::pair<double, double>(-1.0, 2.0)));
  estimator.observe(floats({4.0f, -3.0f}));
  estimator.observe(floats({-2.0f, 0.0f, -0.5f}));
  EXPECT_NEAR(estimator.range().first, -1.28, 1e-12);
  EXPECT_NEAR(estimator.range().second, 1.98, 1e-12);

  // Momentum 0.5: (-1, 2) -> (-2, 3) -> (-2, 1.5), exact in binary.
  RunningRangeEstimator half(0.5);
  half.observe(floats({-1.0f, 2.0f}));
  half.observe(floats({-3.0f, 4.0f}));
  half.observe(floats({-2.0f, 0.0f}));
  EXPECT_EQ(half.range(), (std::pair<double, double>(-2.0, 1.5)));
}

TEST(RangeEstimator, PercentileOnAShuffledRamp) {
  // Ramp 0, 10, ..., 100 (11 values). P = 87.5: position 0.875·10 = 8.75 -> 80 + 0.75·10 = 87.5;
  // 100 - P = 12.5: position 1.25 -> 10 + 0.25·10 = 12.5 (numpy.percentile gives the same).
  PercentileRangeEstimator estimator(87.5);
  estimator.observe(floats({30, 100, 0, 70, 10, 90, 50, 20, 80, 40, 60}));
  EXPECT_DOUBLE_EQ(estimator.range().first, 12.5);
  EXPECT_DOUBLE_EQ(estimator.range().second, 87.5);
  // Doubled ramp: batch percentiles 25 and 175; running: 0.1·25 + 0.9·12.5 = 13.75 and
  // 0.1·175 + 0.9·87.5 = 96.25.
  estimator.observe(floats({0, 20, 40, 60, 80, 100, 120, 140, 160, 180, 200}));
  EXPECT_DOUBLE_EQ(estimator.range().first, 13.75);
  EXPECT_DOUBLE_EQ(estimator.range().second, 96.25);
}

TEST(RangeEstimator, PercentileOfTheOptProtocol) {
  // Ramp 0..100000: the 99.999th percentile sits at position 99999, the 0.001th at 1.
  PercentileRangeEstimator estimator(99.999);
  estimator.observe(at::arange(100001, at::kFloat));
  EXPECT_NEAR(estimator.range().first, 1.0, 1e-6);
  EXPECT_NEAR(estimator.range().second, 99999.0, 1e-6);
  EXPECT_EQ(estimator.spec(), "percentile:99.999");
  // P = 100 is the running min-max.
  PercentileRangeEstimator full(100.0);
  full.observe(floats({3.0f, -4.0f, 1.0f}));
  EXPECT_EQ(full.range(), (std::pair<double, double>(-4.0, 3.0)));
}

double sampleError(const at::Tensor& x, double min, double max, int bits) {
  return (x - fakeQuantizeActivation(x, gridFor(min, max, bits))).square().sum().item<double>();
}

TEST(RangeEstimator, MseOnAnExactGridKeepsIt) {
  // 2 bits, one-sided {0, 1, 2, 3}: only max = 3 (Δ = 1) reproduces every value, error 0.
  MseRangeEstimator estimator(2);
  estimator.observe(floats({0.0f, 1.0f, 2.0f, 3.0f}));
  EXPECT_EQ(estimator.range(), (std::pair<double, double>(0.0, 3.0)));
}

TEST(RangeEstimator, MseClipsASingleHugeOutlier) {
  // 100000 values evenly in [-1, 1] and one 50: min-max spends most of the 8-bit grid on the
  // outlier; clipping it costs less than the rounding error it saves.
  at::Tensor x = at::cat({at::linspace(-1, 1, 100000), floats({50.0f})});
  MseRangeEstimator estimator(8);
  estimator.observe(x);
  auto [min, max] = estimator.range();
  EXPECT_LT(max, 50.0);
  EXPECT_GT(max, 1.0);
  EXPECT_LT(sampleError(x, min, max, 8), sampleError(x, -1.0, 50.0, 8));
}

TEST(RangeEstimator, MseOneSidedMatchesAnExhaustiveSearch) {
  // A skewed one-sided sample: the search is 1-D, so it must find the best of the 100 candidates.
  at::Tensor x = at::cat({at::linspace(0, 1, 1000).pow(3) * 10, floats({40.0f})});
  MseRangeEstimator estimator(4);
  estimator.observe(x);
  double best = std::numeric_limits<double>::infinity();
  for (int i = 1; i <= 100; ++i) best = std::min(best, sampleError(x, 0.0, 40.0 * i / 100, 4));
  auto [min, max] = estimator.range();
  EXPECT_EQ(min, 0.0);
  EXPECT_LT(max, 40.0);
  EXPECT_DOUBLE_EQ(sampleError(x, min, max, 4), best);
}

TEST(RangeEstimator, MseReservoirIsBoundedDeterministicAndBatchingFree) {
  at::Tensor stream = at::arange(10000, at::kFloat);
  MseRangeEstimator inBatches(8, 1000), atOnce(8, 1000);
  for (int64_t b = 0; b < 10; ++b) inBatches.observe(stream.slice(0, b * 1000, (b + 1) * 1000));
  atOnce.observe(stream);
  EXPECT_EQ(inBatches.valuesSeen(), 10000);
  ASSERT_EQ(inBatches.sample().size(), 1000u);
  EXPECT_EQ(inBatches.sample(), atOnce.sample());
  // A uniform sample of 0..9999: distinct values, mean 4999.5 ± 5 standard errors (5·2887/√1000).
  std::vector<float> sorted = inBatches.sample();
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::unique(sorted.begin(), sorted.end()), sorted.end());
  double mean = 0;
  for (float v : sorted) mean += v / 1000.0;
  EXPECT_NEAR(mean, 4999.5, 460.0);
  // Values from late batches make it in.
  EXPECT_GT(sorted.back(), 9000.0f);
}

TEST(RangeEstimator, RejectsMissingOrBadData) {
  MinMaxRangeEstimator minMax;
  EXPECT_THROW(minMax.range(), Error);
  EXPECT_THROW(minMax.observe(floats({1.0f, NAN})), Error);
  EXPECT_THROW(minMax.observe(at::tensor({1, 2})), Error);
  RunningRangeEstimator running;
  EXPECT_THROW(running.range(), Error);
  EXPECT_THROW(running.observe(floats({INFINITY})), Error);
  EXPECT_THROW(MseRangeEstimator(8).range(), Error);
  EXPECT_THROW(RunningRangeEstimator(1.5), Error);
  EXPECT_THROW(PercentileRangeEstimator(50.0), Error);
  EXPECT_THROW(MseRangeEstimator(8, 0), Error);
}

TEST(RangeEstimator, FactoryParsesSpecs) {
  EXPECT_EQ(makeRangeEstimator("minmax", 8)->spec(), "minmax");
  EXPECT_EQ(makeRangeEstimator("running", 8)->spec(), "running");
  EXPECT_EQ(makeRangeEstimator("mse", 8)->spec(), "mse");
  EXPECT_EQ(makeRangeEstimator("percentile:99.5", 8)->spec(), "percentile:99.5");
  EXPECT_NE(dynamic_cast<PercentileRangeEstimator*>(makeRangeEstimator("percentile:99.5", 8).get()),
            nullptr);
  for (const char* bad : {"", "MinMax", "minmax:", "percentile", "percentile:", "percentile:abc",
                          "percentile:99x", "percentile:40", "percentile:100.5", "percentile:nan",
                          "histogram"})
    EXPECT_THROW(makeRangeEstimator(bad, 8), Error) << bad;
  EXPECT_THROW(makeRangeEstimator("mse", 1), Error);
  try {
    makeRangeEstimator("median", 8);
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("'median'"), std::string::npos);
    EXPECT_NE(std::string(error.what()).find("percentile:P"), std::string::npos);
  }
}

}  // namespace
}  // namespace hopscope
