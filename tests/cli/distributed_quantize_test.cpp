// hopscope-cli quantize as 2 and 3 ranks on localhost: every rank calibrates on all calibration
// batches and evaluates its shard; the JSON rank 0 writes equals a one-process run (every number
// within 1e-9 relative, or 1e-12 absolute near zero; counts and ranges exactly) for text models
// with a sweep and for the ViT on images; the other ranks print nothing; a failing rank stops
// the others, naming it, and nothing is written.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "rank_processes.h"

namespace {

using namespace hopscope::test;

class DistributedQuantizeTest : public RankProcessesTest {
 protected:
  // Runs `arguments` + --json in one process, then as 2 ranks (the environment) and 3 ranks (the
  // options), and compares each sharded JSON and rank 0's output with the single run's.
  void expectShardsEqualOneProcess(const std::vector<std::string>& arguments) {
    std::vector<std::string> single = arguments;
    single.insert(single.end(), {"--json", file("single.json")});
    const std::vector<RankResult> one = runTogether({command(single)});
    ASSERT_EQ(one[0].exitCode, 0) << one[0].err;
    const auto expected = nlohmann::json::parse(readText(file("single.json")));

    for (int world : {2, 3}) {
      SCOPED_TRACE("world " + std::to_string(world));
      const int port = freePort();
      ASSERT_GT(port, 0);
      const std::string json = file("sharded" + std::to_string(world) + ".json");
      std::vector<std::string> sharded = arguments;
      sharded.insert(sharded.end(), {"--json", json});
      expectShardedRunEqualsOne(runTogether(rankCommands(sharded, world, port, world == 2)), one[0], json, expected);
    }
  }
};

// 9 blocks in batches of 2 (5 batches: uneven shards, a short last batch), calibration on 2
// batches, and a sweep of 2 weight x 2 activation bit widths.
std::vector<std::string> textArguments(const std::vector<std::string>& models) {
  std::vector<std::string> arguments = {"quantize"};
  arguments.insert(arguments.end(), models.begin(), models.end());
  for (const char* argument : {"--data", kCorpus.c_str(), "--calib", kCorpus.c_str(), "--samples", "9", "--seq-len",
                               "24", "--batch", "2", "--calib-batches", "2", "--wbits", "8,4", "--abits", "8,6"})
    arguments.push_back(argument);
  return arguments;
}

TEST_F(DistributedQuantizeTest, TextModelsTwoAndThreeRanksEqualOneProcess) {
  expectShardsEqualOneProcess(textArguments({model("bert-tiny"), model("opt-tiny")}));
}

TEST_F(DistributedQuantizeTest, ImageModelShardsEqualOneProcess) {
  const std::string images = kFixtures + "/images/fashion24-images-idx3-ubyte.gz";
  expectShardsEqualOneProcess({"quantize", model("vit-tiny-hf"), "--images", images, "--samples", "7", "--batch", "2",
                               "--calib-batches", "2", "--per-class"});
}

TEST_F(DistributedQuantizeTest, FailingRankStopsTheOthersNamingIt) {
  std::vector<std::string> arguments = textArguments({model("bert-tiny")});
  arguments.insert(arguments.end(), {"--json", file("x.json")});
  expectFailingRankStopsTheOther(arguments, file("x.json"));
}

}  // namespace
