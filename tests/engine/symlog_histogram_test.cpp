// Symlog histogram: fixed bins computed by hand, symmetric edges, overflow, merging by addition.
#include "hopscope/symlog_histogram.h"

#include "hopscope/error.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <limits>
#include <vector>

namespace hopscope {
namespace {

at::Tensor doubles(const std::vector<double>& values) { return at::tensor(values); }

// 4 bins, linear threshold 1, largest magnitude 99: u = sign(v) log10(1 + |v|), umax = 2, so the
// bins are u in [-2,-1), [-1,0), [0,1), [1,2], i.e. v in [-99,-9), [-9,0), [0,9), [9,99].
SymlogHistogram smallHistogram() { return SymlogHistogram(4, 1.0, 99.0); }

TEST(SymlogHistogram, PutsKnownValuesInTheirBins) {
  SymlogHistogram histogram = smallHistogram();
  // -50: u = -log10(51) = -1.71 (bin 0); -0.5: u = -0.18 (bin 1); 0, 5, 8.5: u < 0.98 (bin 2);
  // 9.5: u = 1.02 (bin 3); 1000 and -1e9 are beyond 99: end bins, and overflow.
  histogram.add(doubles({-50, -0.5, 0, 5, 8.5, 9.5, 1000, -1e9}));
  EXPECT_EQ(histogram.counts(), (std::vector<int64_t>{2, 1, 3, 2}));
  EXPECT_EQ(histogram.total(), 8);
  EXPECT_EQ(histogram.overflow(), 2);
}

TEST(SymlogHistogram, AcceptsFloat32AndAnyShape) {
  SymlogHistogram histogram = smallHistogram();
  histogram.add(doubles({-50, -0.5, 0, 5, 8.5, 9.5}).to(at::kFloat).reshape({2, 3}));
  EXPECT_EQ(histogram.counts(), (std::vector<int64_t>{1, 1, 3, 1}));
  EXPECT_EQ(histogram.overflow(), 0);
}

TEST(SymlogHistogram, SkipsNaNAndInf) {
  SymlogHistogram histogram = smallHistogram();
  const double inf = std::numeric_limits<double>::infinity();
  histogram.add(doubles({std::numeric_limits<double>::quiet_NaN(), inf, -inf, 5}));
  EXPECT_EQ(histogram.counts(), (std::vector<int64_t>{0, 0, 1, 0}));
  EXPECT_EQ(histogram.total(), 1);
  EXPECT_EQ(histogram.overflow(), 0);
}

TEST(SymlogHistogram, CountsHugeFiniteDoublesWhoseSumOverflows) {
  SymlogHistogram histogram = smallHistogram();
  histogram.add(doubles({1e308, 1e308, -1e308, 1e308, 5}));
  EXPECT_EQ(histogram.counts(), (std::vector<int64_t>{1, 0, 1, 3}));
  EXPECT_EQ(histogram.total(), 5);
  EXPECT_EQ(histogram.overflow(), 4);
}

TEST(SymlogHistogram, EdgesOfTheSmallBinningByHand) {
  const std::vector<double> edges = smallHistogram().binEdges();
  const std::vector<double> expected{-99, -9, 0, 9, 99};  // 10^u - 1 at u = -2..2
  ASSERT_EQ(edges.size(), expected.size());
  for (size_t i = 0; i < edges.size(); ++i) EXPECT_NEAR(edges[i], expected[i], 1e-12) << i;
}

TEST(SymlogHistogram, DefaultEdgesAreSymmetricAndSpanTheRange) {
  const SymlogHistogram histogram;
  const std::vector<double> edges = histogram.binEdges();
  ASSERT_EQ(edges.size(), 401u);
  EXPECT_EQ(edges[200], 0.0);
  for (size_t i = 0; i < edges.size(); ++i) EXPECT_EQ(edges[i], -edges[400 - i]) << i;
  for (size_t i = 1; i < edges.size(); ++i) EXPECT_LT(edges[i - 1], edges[i]) << i;
  EXPECT_NEAR(edges[400], 1e6, 1e-6);
  // First edge above 0: u = 9 / 200 = 0.045 -> v = 1e-3 * (10^0.045 - 1) = 1.09175e-4.
  EXPECT_NEAR(edges[201], 1.09175e-4, 1e-9);
}

TEST(SymlogHistogram, DefaultBinningPutsOneInBin266) {
  // log10(1 + 1 / 1e-3) / log10(1 + 1e6 / 1e-3) = 3.000434 / 9 = 0.333381 -> 200 * 1.333381 = 266.68.
  SymlogHistogram histogram;
  histogram.add(doubles({1.0, -1.0}));
  EXPECT_EQ(histogram.counts()[266], 1);
  EXPECT_EQ(histogram.counts()[133], 1);  // mirrored: 200 * (1 - 0.333381) = 133.32
  EXPECT_EQ(histogram.total(), 2);
}

TEST(SymlogHistogram, MergeAddsCounts) {
  SymlogHistogram first = smallHistogram(), second = smallHistogram();
  first.add(doubles({-50, 5, 1000}));
  second.add(doubles({-0.5, 0, 9.5, -1e9}));
  first.merge(second);
  EXPECT_EQ(first.counts(), (std::vector<int64_t>{2, 1, 2, 2}));
  EXPECT_EQ(first.total(), 7);
  EXPECT_EQ(first.overflow(), 2);
}

TEST(SymlogHistogram, MergeRefusesAnotherBinning) {
  SymlogHistogram histogram = smallHistogram();
  EXPECT_THROW(histogram.merge(SymlogHistogram(5, 1.0, 99.0)), Error);
  EXPECT_THROW(histogram.merge(SymlogHistogram(4, 0.5, 99.0)), Error);
  EXPECT_THROW(histogram.merge(SymlogHistogram(4, 1.0, 100.0)), Error);
}

TEST(SymlogHistogram, RefusesABadBinning) {
  EXPECT_THROW(SymlogHistogram(0), Error);
  EXPECT_THROW(SymlogHistogram(10, 0.0), Error);
  EXPECT_THROW(SymlogHistogram(10, 1e-3, -1.0), Error);
}

}  // namespace
}  // namespace hopscope
