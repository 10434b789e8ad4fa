// TensorMap keeps file order and finds names in constant time: a checkpoint with tens of
// thousands of tensors (e.g. empty ones) must load in linear time.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <chrono>

#include "error_message.h"
#include "hopscope/tensor_map.h"

using namespace hopscope;

namespace {

std::string nameOf(int i) { return "bert.encoder.layer.0.attention.self.query.weight." + std::to_string(i); }

TEST(TensorMapTest, OrderLookupDuplicatesAndErase) {
  TensorMap map;
  for (int i = 0; i < 4; ++i) map.insert(nameOf(i), at::full({1}, i));
  EXPECT_EQ(test::errorMessage([&] { map.insert(nameOf(2), at::zeros({1})); }),
            "duplicate tensor name '" + nameOf(2) + "'");
  EXPECT_TRUE(map.erase(nameOf(1)));
  EXPECT_FALSE(map.erase(nameOf(1)));
  ASSERT_EQ(map.size(), 3u);
  EXPECT_EQ(map.items()[1].first, nameOf(2));
  EXPECT_EQ(map.at(nameOf(3)).item<float>(), 3.0f);
  EXPECT_EQ(map.find(nameOf(1)), nullptr);
  map.insert(nameOf(1), at::zeros({1}));
  EXPECT_EQ(map.items().back().first, nameOf(1));
}

TEST(TensorMapTest, FiftyThousandNamesInsertInLinearTime) {
  const at::Tensor empty = at::empty({0});
  const auto start = std::chrono::steady_clock::now();
  TensorMap map;
  for (int i = 0; i < 50000; ++i) map.insert(nameOf(i), empty);
  for (int i = 0; i < 50000; ++i) ASSERT_TRUE(map.contains(nameOf(i)));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 1.0);  // a linear scan per insert made this quadratic
}

}  // namespace
