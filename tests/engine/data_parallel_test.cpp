// Data-parallel training (trainer.h with a DistributedGroup; ranks on threads of this process):
// 2 and 3 ranks follow the one-process trajectory with the same global batch (losses, evaluations
// and weights within float summation order), a cancel on one rank stops every rank at the same
// step, a run resumes with another number of ranks, and ranks with different weights or a batch
// that does not split are errors naming the problem.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "hopscope/adamw.h"
#include "hopscope/safetensors.h"
#include "hopscope/trainer.h"
#include "local_ranks.h"
#include "tiny_training.h"
#include "train/data_parallel.h"

using namespace hopscope;
namespace fs = std::filesystem;

namespace {

constexpr int kTimeoutMs = 60000;
// Float32 sums in another order (per-rank gradients summed, masked-token means re-weighted),
// amplified a little by 20 Adam steps: measured differences are ~1e-7 relative.
constexpr double kTolerance = 1e-4;

class DataParallelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = fs::temp_directory_path() /
              ("hopscope-dp-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(folder_);
    fs::create_directories(folder_);
  }
  void TearDown() override { fs::remove_all(folder_); }
  std::string out(const std::string& name) const { return (folder_ / name).string(); }

  // Trains on `world` ranks (threads); returns rank 0's result and expects every rank to finish.
  static TrainingResult trainOnRanks(int world, const TrainingSettings& settings, const std::string& folder, bool resume,
                                     std::function<JobControl(int)> jobOf = {}) {
    std::vector<TrainingResult> results(static_cast<size_t>(world));
    const std::vector<std::string> errors = test::onRanks(world, kTimeoutMs, [&](DistributedGroup& group, int rank) {
      results[static_cast<size_t>(rank)] =
          train(settings, folder, resume, jobOf ? jobOf(rank) : JobControl{}, {}, &group);
    });
    for (int rank = 0; rank < world; ++rank) EXPECT_EQ(errors[static_cast<size_t>(rank)], "") << "rank " << rank;
    for (int rank = 1; rank < world; ++rank) {
      EXPECT_TRUE(results[static_cast<size_t>(rank)].records.empty() || resume) << "only rank 0 records";
      EXPECT_EQ(results[static_cast<size_t>(rank)].steps, results[0].steps);
    }
    return results[0];
  }

  fs::path folder_;
};

void expectNear(double a, double b, const std::string& what) {
  EXPECT_LE(std::fabs(a - b), kTolerance * std::max(1.0, std::max(std::fabs(a), std::fabs(b)))) << what << ": " << a << " vs " << b;
}

void expectSameTrajectory(const TrainingResult& one, const TrainingResult& many) {
  ASSERT_EQ(one.records.size(), many.records.size());
  for (size_t i = 0; i < one.records.size(); ++i) {
    const std::string at = "record " + std::to_string(i);
    EXPECT_EQ(one.records[i]["step"], many.records[i]["step"]) << at;
    expectNear(one.records[i]["loss"].get<double>(), many.records[i]["loss"].get<double>(), at + " loss");
    expectNear(one.records[i]["grad_norm"].get<double>(), many.records[i]["grad_norm"].get<double>(), at + " grad norm");
    const auto& a = one.records[i]["eval"]["summary"];
    const auto& b = many.records[i]["eval"]["summary"];
    for (auto it = a.begin(); it != a.end(); ++it) expectNear(it.value().get<double>(), b[it.key()].get<double>(), at + " " + it.key());
  }
}

void expectSameWeights(const std::string& oneFolder, const std::string& manyFolder) {
  const SafetensorsContents one = readSafetensors(oneFolder + "/model.safetensors");
  const SafetensorsContents many = readSafetensors(manyFolder + "/model.safetensors");
  ASSERT_EQ(one.tensors.size(), many.tensors.size());
  for (const auto& [name, tensor] : one.tensors.items()) {
    const at::Tensor* other = many.tensors.find(name);
    ASSERT_NE(other, nullptr) << name;
    EXPECT_LE((tensor - *other).abs().max().item<double>(), kTolerance) << name;
  }
}

// Masked LM (the ranks' masked-token counts differ per micro-batch) with accumulation, causal LM,
// and the ViT: 20 steps on 2 ranks equal 20 steps in one process with the same global batch.
TEST_F(DataParallelTest, TwoRanksFollowTheOneProcessTrajectory) {
  for (const char* family : {"bert", "opt", "vit"}) {
    SCOPED_TRACE(family);
    TrainingSettings settings = std::string(family) == "vit" ? test::tinyVitTraining() : test::tinyTraining(family);
    settings.steps = 20;
    settings.evalEvery = 10;
    if (std::string(family) == "bert") settings.accumulation = 2;
    const TrainingResult one = train(settings, out(std::string(family) + "-one"), false);
    const TrainingResult two = trainOnRanks(2, settings, out(std::string(family) + "-two"), false);
    EXPECT_EQ(two.steps, 20);
    expectSameTrajectory(one, two);
    expectSameWeights(out(std::string(family) + "-one"), out(std::string(family) + "-two"));
    EXPECT_EQ(two.records.back()["ranks"], 2);
    // The loss actually moved: equal trajectories of a frozen model would prove nothing.
    EXPECT_LT(one.records.back()["loss"].get<double>(), one.records.front()["loss"].get<double>() + 1e-3);
    EXPECT_NE(one.records.back()["loss"].get<double>(), one.records.front()["loss"].get<double>());
  }
}

TEST_F(DataParallelTest, ThreeRanksToo) {
  TrainingSettings settings = test::tinyTraining("bert");
  settings.batch = 6;
  settings.steps = 20;
  settings.evalEvery = 10;
  const TrainingResult one = train(settings, out("one"), false);
  const TrainingResult three = trainOnRanks(3, settings, out("three"), false);
  expectSameTrajectory(one, three);
  expectSameWeights(out("one"), out("three"));
}

// Rank 1 alone is cancelled after step 6: every rank stops at the same step and rank 0 writes the
// checkpoint; the run then resumes in one process and ends where the uninterrupted run ends.
TEST_F(DataParallelTest, CancelOnOneRankStopsAllAndTheRunResumesWithAnotherNumberOfRanks) {
  TrainingSettings settings = test::tinyTraining("opt");
  settings.steps = 16;
  settings.evalEvery = 4;
  const TrainingResult whole = train(settings, out("whole"), false);

  std::atomic<int64_t> reached{0};
  const TrainingResult first = trainOnRanks(2, settings, out("parts"), false, [&](int rank) {
    JobControl job;
    if (rank == 0)
      job.progress = [&](double fraction, const std::string&) {
        reached = static_cast<int64_t>(fraction * static_cast<double>(settings.steps) + 0.5);
      };
    if (rank == 1) job.cancelled = [&] { return reached >= 6; };
    return job;
  });
  EXPECT_TRUE(first.cancelled);
  EXPECT_GE(first.steps, 6);
  EXPECT_LT(first.steps, 16);
  const SafetensorsContents state = readSafetensors(out("parts") + "/training_state.safetensors");
  EXPECT_EQ(state.metadata.at("step"), std::to_string(first.steps));
  EXPECT_EQ(state.metadata.at("weights_sha256").size(), 64u);

  const TrainingResult rest = train({}, out("parts"), true);
  EXPECT_EQ(rest.resumedFrom, first.steps);
  EXPECT_EQ(rest.steps, 16);
  expectSameTrajectory(whole, rest);
  expectSameWeights(out("whole"), out("parts"));
}

TEST_F(DataParallelTest, ABatchThatDoesNotSplitIsAnError) {
  TrainingSettings settings = test::tinyTraining("bert");
  settings.batch = 3;
  const std::vector<std::string> errors = test::onRanks(2, kTimeoutMs, [&](DistributedGroup& group, int) {
    train(settings, out("odd"), false, {}, {}, &group);
  });
  for (const std::string& error : errors)
    EXPECT_NE(error.find("--batch 3 does not split evenly over 2 ranks"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(out("odd") + "/model.safetensors"));
}

TEST(DataParallel, RanksWithDifferentWeightsAreNamed) {
  const std::vector<std::string> errors = test::onRanks(3, kTimeoutMs, [](DistributedGroup& group, int rank) {
    const DataParallel parallel(group, 3);
    at::Tensor same = at::ones({4, 4});
    at::Tensor differs = at::full({3}, rank == 2 ? 0.5 : 0.25);
    const std::vector<AdamW::Parameter> parameters = {{"a", same, true}, {"b", differs, false}};
    try {
      parallel.checkSameWeights(parameters, 7);
    } catch (const std::exception& error) {
      group.reportFailure(error.what());
      throw;
    }
    group.arrive("after the check");
  });
  EXPECT_NE(errors[0].find("rank 0 of 3: the weights of rank 2 differ from rank 0's at step 7"), std::string::npos)
      << errors[0];
  for (int rank : {1, 2}) EXPECT_NE(errors[static_cast<size_t>(rank)].find("rank 2 differ"), std::string::npos) << errors[rank];
}

TEST(DataParallel, GradientsAndLossAreSummedOverTheRanks) {
  std::vector<std::vector<float>> gradients(2);
  std::vector<double> losses(2);
  const std::vector<std::string> errors = test::onRanks(2, kTimeoutMs, [&](DistributedGroup& group, int rank) {
    const DataParallel parallel(group, 4);
    EXPECT_EQ(parallel.localBatch(), 2);
    EXPECT_EQ(parallel.firstRow(), 2 * rank);
    const DataParallel::StepPlan plan = parallel.agree(0, rank == 1, {rank + 1, 10 * rank});
    EXPECT_TRUE(plan.stop);
    EXPECT_EQ(plan.terms, (std::vector<int64_t>{3, 10}));
    at::Tensor p = at::zeros({3});
    p.requires_grad_(true);
    p.mutable_grad() = at::full({3}, static_cast<float>(rank + 1));
    losses[static_cast<size_t>(rank)] = parallel.sumGradients({{"p", p, true}}, 0.25 * (rank + 1), 0);
    const at::Tensor g = p.grad();
    gradients[static_cast<size_t>(rank)].assign(g.data_ptr<float>(), g.data_ptr<float>() + 3);
  });
  for (const std::string& error : errors) EXPECT_EQ(error, "");
  for (int rank : {0, 1}) {
    EXPECT_EQ(gradients[static_cast<size_t>(rank)], (std::vector<float>{3, 3, 3}));
    EXPECT_DOUBLE_EQ(losses[static_cast<size_t>(rank)], 0.75);
  }
}

}  // namespace
