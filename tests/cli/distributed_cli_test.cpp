// hopscope-cli analyze as 2 and 3 ranks on localhost (c10d: TCPStore + Gloo): the JSON rank 0
// writes equals a one-process run on the same blocks (counts, maxima and their locations exactly;
// every other number within 1e-9 relative, or 1e-12 absolute near zero: sums and moments merge
// in another order); the other ranks print nothing; a missing or failing rank makes the others
// fail within the timeout with one line naming it.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "rank_processes.h"

namespace {

using namespace hopscope::test;

class DistributedCliTest : public RankProcessesTest {};

// The analysis both ways: 9 blocks in batches of 2 (5 batches: uneven shards, a short last batch).
std::vector<std::string> analyzeArguments(const std::vector<std::string>& models, const std::string& json) {
  std::vector<std::string> arguments = {"analyze"};
  arguments.insert(arguments.end(), models.begin(), models.end());
  for (const char* argument : {"--data", kCorpus.c_str(), "--samples", "9", "--seq-len", "24", "--batch", "2"})
    arguments.push_back(argument);
  arguments.push_back("--json");
  arguments.push_back(json);
  return arguments;
}

TEST_F(DistributedCliTest, TwoAndThreeRanksEqualOneProcess) {
  const std::vector<std::string> models = {model("bert-tiny"), model("opt-tiny"), model("bert-tiny-gated") + "@softmax1"};
  const std::vector<RankResult> single = runTogether({command(analyzeArguments(models, file("single.json")))});
  ASSERT_EQ(single[0].exitCode, 0) << single[0].err;
  const auto expected = nlohmann::json::parse(readText(file("single.json")));

  for (int world : {2, 3}) {
    SCOPED_TRACE("world " + std::to_string(world));
    const int port = freePort();
    ASSERT_GT(port, 0);
    const std::string json = file("sharded" + std::to_string(world) + ".json");
    // world 2 as torchrun launches (the environment), world 3 with explicit options
    const std::vector<std::string> commands = rankCommands(analyzeArguments(models, json), world, port, world == 2);
    expectShardedRunEqualsOne(runTogether(commands), single[0], json, expected);
  }
}

TEST_F(DistributedCliTest, ImageModelShardsEqualOneProcess) {
  const std::string images = kFixtures + "/images/fashion24-images-idx3-ubyte.gz";
  std::vector<std::string> arguments = {"analyze", model("vit-tiny-hf"), "--images", images, "--samples", "7",
                                        "--batch", "2", "--per-class"};
  std::vector<std::string> single = arguments, rank0 = arguments, rank1 = arguments;
  single.insert(single.end(), {"--json", file("single.json")});
  const int port = freePort();
  for (auto* ranked : {&rank0, &rank1}) {
    ranked->insert(ranked->end(), {"--json", file("sharded.json"), "--world-size", "2", "--master",
                                   "127.0.0.1:" + std::to_string(port), "--rank", ranked == &rank0 ? "0" : "1"});
  }
  const std::vector<RankResult> one = runTogether({command(single)});
  ASSERT_EQ(one[0].exitCode, 0) << one[0].err;
  const std::vector<RankResult> two = runTogether({command(rank0), command(rank1)});
  ASSERT_EQ(two[0].exitCode, 0) << two[0].err;
  ASSERT_EQ(two[1].exitCode, 0) << two[1].err;
  expectSameJson(nlohmann::json::parse(readText(file("single.json"))),
                 nlohmann::json::parse(readText(file("sharded.json"))), "json");
}

TEST_F(DistributedCliTest, MissingRankFailsWithinTheTimeoutNamingIt) {
  const int port = freePort();
  std::vector<std::string> arguments = analyzeArguments({model("bert-tiny")}, file("x.json"));
  for (const char* option : {"--world-size", "3", "--dist-timeout", "4"}) arguments.push_back(option);
  std::vector<std::string> rank0 = arguments, rank1 = arguments;
  rank0.insert(rank0.end(), {"--rank", "0", "--master", "127.0.0.1:" + std::to_string(port)});
  rank1.insert(rank1.end(), {"--rank", "1", "--master", "127.0.0.1:" + std::to_string(port)});
  const auto start = std::chrono::steady_clock::now();
  const std::vector<RankResult> ranks = runTogether({command(rank0), command(rank1)});  // rank 2 never comes
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(ranks[0].exitCode, 1);
  // Ranks 0 and 1 wait together: whichever times out first posts the reason, and the other stops
  // with it, so rank 0 says either its own timeout or rank 1's; both name rank 2.
  const std::string missing = "rank 2 did not reach 'join' within 4 s (died, hung or never started)\n";
  EXPECT_TRUE(ranks[0].err == "hopscope-cli: rank 0 of 3: " + missing ||
              ranks[0].err == "hopscope-cli: rank 0 of 3: stopping because rank 1 of 3 failed: " + missing)
      << ranks[0].err;
  EXPECT_EQ(ranks[1].exitCode, 1);
  // Rank 1 arrived: it stops with the same reason, whichever rank noticed first.
  EXPECT_EQ(ranks[1].err.rfind("hopscope-cli: rank 1 of 3: ", 0), 0u) << ranks[1].err;
  EXPECT_NE(ranks[1].err.find("rank 2 did not reach 'join' within 4 s"), std::string::npos) << ranks[1].err;
  EXPECT_EQ(std::count(ranks[1].err.begin(), ranks[1].err.end(), '\n'), 1) << ranks[1].err;
  EXPECT_LT(seconds, 30.0);
  EXPECT_FALSE(fs::exists(file("x.json")));

  // A rank whose master never comes.
  const std::vector<RankResult> alone = runTogether({command(rank1)});
  EXPECT_EQ(alone[0].exitCode, 1);
  EXPECT_EQ(alone[0].err.rfind("hopscope-cli: rank 1 of 3: cannot reach the master at 127.0.0.1:" + std::to_string(port) +
                                   " within 4 s",
                               0),
            0u)
      << alone[0].err;
  EXPECT_EQ(std::count(alone[0].err.begin(), alone[0].err.end(), '\n'), 1) << alone[0].err;
}

TEST_F(DistributedCliTest, FailingRankStopsTheOthersNamingIt) {
  expectFailingRankStopsTheOther(analyzeArguments({model("bert-tiny")}, file("x.json")), file("x.json"));
}

TEST_F(DistributedCliTest, BadDistributedSettingsAreUsageErrors) {
  const std::vector<RankResult> results = runTogether(
      {command(analyzeArguments({model("bert-tiny")}, file("x.json")), "RANK=2 WORLD_SIZE=2"),
       command(analyzeArguments({model("bert-tiny")}, file("y.json")), "RANK=0 WORLD_SIZE=2 MASTER_PORT=http"),
       command([&] {
         std::vector<std::string> arguments = analyzeArguments({model("bert-tiny")}, file("z.json"));
         arguments.insert(arguments.end(), {"--world-size", "2", "--master", "nohost"});
         return arguments;
       }())});
  EXPECT_EQ(results[0].exitCode, 1);
  EXPECT_NE(results[0].err.find("RANK=2 is not an integer in [0, 1]"), std::string::npos) << results[0].err;
  EXPECT_EQ(results[1].exitCode, 1);
  EXPECT_NE(results[1].err.find("MASTER_PORT=http"), std::string::npos) << results[1].err;
  EXPECT_EQ(results[2].exitCode, 1);
  EXPECT_NE(results[2].err.find("--master nohost: expected HOST:PORT"), std::string::npos) << results[2].err;
}

}  // namespace
