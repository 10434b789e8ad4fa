// Scale-out pieces without launching processes: the launcher variables, the shards, the analysis
// parts (range + merge + bytes equal one pass), and a DistributedGroup of ranks on threads of this
// process (TCPStore + Gloo on the loopback), including a rank that never comes.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <thread>

#include "error_message.h"
#include "hopscope/analysis_part.h"
#include "hopscope/distributed.h"
#include "hopscope/error.h"
#include "hopscope/loaded_model.h"
#include "hopscope/outlier_analysis.h"
#include "local_ranks.h"

using namespace hopscope;
using test::freePort;
using test::rankOf;

namespace {

const std::string kFixtures = HOPSCOPE_FIXTURES_DIR;

DistributedOptions fromVariables(const std::map<std::string, std::string>& variables) {
  return distributedOptionsFromEnvironment([&](const char* name) -> const char* {
    const auto found = variables.find(name);
    return found == variables.end() ? nullptr : found->second.c_str();
  });
}

TEST(DistributedOptions, ReadsTheLaunchersVariables) {
  const DistributedOptions none = fromVariables({});
  EXPECT_EQ(none.worldSize, 1);
  EXPECT_EQ(none.rank, 0);
  EXPECT_EQ(none.masterAddr, "127.0.0.1");
  EXPECT_EQ(none.masterPort, 29500);

  const DistributedOptions torchrun = fromVariables(
      {{"RANK", "3"}, {"WORLD_SIZE", "4"}, {"LOCAL_RANK", "1"}, {"MASTER_ADDR", "node7"}, {"MASTER_PORT", "1234"},
       {"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "9"}});
  EXPECT_EQ(torchrun.rank, 3);
  EXPECT_EQ(torchrun.worldSize, 4);
  EXPECT_EQ(torchrun.localRank, 1);
  EXPECT_EQ(torchrun.masterAddr, "node7");
  EXPECT_EQ(torchrun.masterPort, 1234);
  EXPECT_EQ(torchrun.source, "RANK/WORLD_SIZE");

  const DistributedOptions slurm = fromVariables({{"SLURM_PROCID", "5"}, {"SLURM_NTASKS", "8"}, {"SLURM_LOCALID", "1"}});
  EXPECT_EQ(slurm.rank, 5);
  EXPECT_EQ(slurm.worldSize, 8);
  EXPECT_EQ(slurm.localRank, 1);
  const DistributedOptions mpi = fromVariables({{"OMPI_COMM_WORLD_RANK", "1"}, {"OMPI_COMM_WORLD_SIZE", "2"}});
  EXPECT_EQ(mpi.rank, 1);
  EXPECT_EQ(mpi.worldSize, 2);
  const DistributedOptions mpich = fromVariables({{"PMI_RANK", "2"}, {"PMI_SIZE", "3"}, {"HOPSCOPE_DIST_TIMEOUT", "7"}});
  EXPECT_EQ(mpich.rank, 2);
  EXPECT_EQ(mpich.timeout, std::chrono::seconds(7));

  EXPECT_ERROR_MESSAGE(fromVariables({{"RANK", "2"}, {"WORLD_SIZE", "2"}}), "RANK=2 is not an integer in [0, 1]");
  EXPECT_ERROR_MESSAGE(fromVariables({{"RANK", "x"}, {"WORLD_SIZE", "2"}}), "RANK=x is not an integer");
  EXPECT_ERROR_MESSAGE(fromVariables({{"MASTER_PORT", "70000"}}), "MASTER_PORT=70000 is not an integer in [1, 65535]");

  DistributedOptions options;
  parseMasterAddress("[::1]:29400", options);
  EXPECT_EQ(options.masterAddr, "::1");
  EXPECT_EQ(options.masterPort, 29400);
  parseMasterAddress("head.cluster:80", options);
  EXPECT_EQ(options.masterAddr, "head.cluster");
  EXPECT_ERROR_MESSAGE(parseMasterAddress("head", options), "--master head: expected HOST:PORT");
  EXPECT_ERROR_MESSAGE(parseMasterAddress(":80", options), "expected HOST:PORT");
}

// Whole batches, contiguous, in rank order, covering every block once.
TEST(ShardOfBlocks, SplitsWholeBatchesEvenly) {
  for (int64_t blocks : {1, 5, 9, 16, 17})
    for (int64_t batch : {1, 2, 8})
      for (int world : {1, 2, 3, 8}) {
        int64_t next = 0;
        for (int rank = 0; rank < world; ++rank) {
          const auto [first, end] = shardOfBlocks(blocks, batch, rank, world);
          EXPECT_EQ(first, next);
          EXPECT_LE(first, end);
          EXPECT_TRUE(first % batch == 0 || first == blocks);
          next = end;
        }
        EXPECT_EQ(next, blocks);
      }
  using Range = std::pair<int64_t, int64_t>;
  EXPECT_EQ(shardOfBlocks(9, 2, 0, 2), Range(0, 4));  // batches 0-1 of 0-4
  EXPECT_EQ(shardOfBlocks(9, 2, 1, 2), Range(4, 9));
}

void expectSameAnalysis(const ModelAnalysis& a, const ModelAnalysis& b) {
  ASSERT_EQ(a.modules.size(), b.modules.size());
  EXPECT_EQ(a.metric.predictions, b.metric.predictions);
  EXPECT_NEAR(a.metric.value, b.metric.value, 1e-12 * a.metric.value);
  EXPECT_NEAR(a.metric.batchMean, b.metric.batchMean, 1e-12 * a.metric.batchMean);
  for (size_t i = 0; i < a.modules.size(); ++i) {
    const ModuleStatistics &x = a.modules[i].stats, &y = b.modules[i].stats;
    SCOPED_TRACE(a.modules[i].name);
    EXPECT_EQ(a.modules[i].name, b.modules[i].name);
    EXPECT_EQ(a.modules[i].aliasOf, b.modules[i].aliasOf);
    EXPECT_EQ(a.modules[i].maxAbsToken, b.modules[i].maxAbsToken);
    EXPECT_EQ(x.rows(), y.rows());
    EXPECT_NEAR(x.meanKurtosis(), y.meanKurtosis(), 1e-12 * std::fabs(x.meanKurtosis()));
    EXPECT_NEAR(x.meanInfNorm(), y.meanInfNorm(), 1e-12 * x.meanInfNorm());
    EXPECT_EQ(x.maxKurtosis(), y.maxKurtosis());
    EXPECT_EQ(x.maxAbs().value, y.maxAbs().value);
    EXPECT_EQ(x.maxAbs().sample, y.maxAbs().sample);
    EXPECT_EQ(x.maxAbs().token, y.maxAbs().token);
    EXPECT_EQ(x.maxAbs().channel, y.maxAbs().channel);
    EXPECT_EQ(x.channelMaxAbs(), y.channelMaxAbs());
    EXPECT_EQ(x.histogram().counts(), y.histogram().counts());
    EXPECT_EQ(x.moments().count, y.moments().count);
    EXPECT_NEAR(x.moments().m4, y.moments().m4, 1e-10 * x.moments().m4);
  }
  ASSERT_EQ(a.attention.size(), b.attention.size());
  for (size_t i = 0; i < a.attention.size(); ++i) {
    EXPECT_EQ(a.attention[i].heads.rows(), b.attention[i].heads.rows());
    for (int64_t h = 0; h < a.attention[i].heads.heads(); ++h)
      EXPECT_NEAR(a.attention[i].heads.head(h).entropy, b.attention[i].heads.head(h).entropy, 1e-12);
  }
  for (size_t i = 0; i < a.summary.size(); ++i)
    EXPECT_NEAR(a.summary[i].value, b.summary[i].value, 1e-12 * std::fabs(a.summary[i].value)) << a.summary[i].name;
}

// Parts of consecutive ranges, through bytes and merged in order, equal one pass over all blocks.
TEST(AnalysisPart, PartsThroughBytesEqualOnePass) {
  for (const char* name : {"bert-tiny-gated@softmax1", "opt-tiny"}) {
    SCOPED_TRACE(name);
    const auto model = LoadedModel::open(kFixtures + "/models/" + name);
    const at::Tensor ids = at::randint(5, 500, {9, 16}, at::kLong);
    AnalysisSettings settings;
    settings.batch = 2;
    settings.maskProb = 0.3;
    settings.seed = 4;
    const ModelAnalysis whole = analyzeBlocks(*model, ids, settings);
    AnalysisPart merged;
    for (const auto& [first, end] : {std::pair<int64_t, int64_t>{0, 4}, {4, 4}, {4, 6}, {6, 9}})
      merged.merge(decodeAnalysisPart(encodeAnalysisPart(analyzeBlockRange(*model, ids, settings, first, end))));
    expectSameAnalysis(whole, finishAnalysis(*model, ids, settings, merged));

    AnalysisPart gap = analyzeBlockRange(*model, ids, settings, 0, 2);
    EXPECT_ERROR_MESSAGE(gap.merge(analyzeBlockRange(*model, ids, settings, 4, 6)), "not adjacent");
    EXPECT_ERROR_MESSAGE(analyzeBlockRange(*model, ids, settings, 1, 3), "not a range of whole batches");
    EXPECT_ERROR_MESSAGE(finishAnalysis(*model, ids, settings, gap), "not all 9");
  }
}

TEST(AnalysisPart, MalformedBytesAreAnError) {
  const auto model = LoadedModel::open(kFixtures + "/models/bert-tiny");
  const at::Tensor ids = at::randint(5, 500, {2, 8}, at::kLong);
  std::vector<uint8_t> bytes = encodeAnalysisPart(analyzeBlockRange(*model, ids, AnalysisSettings{}, 0, 2));
  for (size_t cut : {size_t(0), size_t(5), size_t(40), bytes.size() / 2, bytes.size() - 1}) {
    const std::vector<uint8_t> shorter(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut));
    EXPECT_ERROR_MESSAGE(decodeAnalysisPart(shorter), "malformed");
  }
  bytes.push_back(0);
  EXPECT_ERROR_MESSAGE(decodeAnalysisPart(bytes), "malformed");
}

// Gloo everywhere; NCCL only in a build against a CUDA LibTorch (-DHOPSCOPE_NCCL=ON), else a
// clear error before any socket opens.
TEST(DistributedOptions, BackendIsGlooOrNcclWhenBuiltWithIt) {
  EXPECT_EQ(fromVariables({}).backend, "gloo");
  DistributedOptions nccl = fromVariables({{"HOPSCOPE_DIST_BACKEND", "nccl"}});
  EXPECT_EQ(nccl.backend, "nccl");
  if (!ncclCompiledIn()) {
    EXPECT_ERROR_MESSAGE(checkDistributedOptions(nccl), "the nccl backend needs a build against a CUDA LibTorch");
    EXPECT_ERROR_MESSAGE(DistributedGroup{nccl}, "configured with -DHOPSCOPE_NCCL=ON");
  }
  nccl.backend = "mpi";
  EXPECT_ERROR_MESSAGE(checkDistributedOptions(nccl), "distributed backend 'mpi' is not one of gloo, nccl");
}

TEST(DistributedGroup, GathersEveryRanksBytesOnRankZero) {
  const int port = freePort();
  constexpr int kWorld = 3;
  std::vector<std::vector<std::vector<uint8_t>>> received(kWorld);
  std::vector<DistributedGroup::GatherTiming> timings(kWorld);
  std::vector<std::string> errors(kWorld);
  std::vector<std::thread> ranks;
  for (int rank = 0; rank < kWorld; ++rank)
    ranks.emplace_back([&, rank] {
      try {
        DistributedGroup group(rankOf(rank, kWorld, port, 20000));
        // Sizes differ per rank (rank 1 sends nothing).
        received[rank] = group.gatherToRoot(std::vector<uint8_t>(static_cast<size_t>(rank == 1 ? 0 : 1000 * (rank + 1)),
                                                                 static_cast<uint8_t>(rank + 7)),
                                            "test gather");
        timings[rank] = group.lastGather();
        group.arrive("done");
      } catch (const std::exception& error) {
        errors[rank] = error.what();
      }
    });
  for (std::thread& rank : ranks) rank.join();
  for (int rank = 0; rank < kWorld; ++rank) EXPECT_EQ(errors[rank], "") << rank;
  ASSERT_EQ(received[0].size(), 3u);
  EXPECT_EQ(received[0][0], std::vector<uint8_t>(1000, 7));
  EXPECT_EQ(received[0][1], std::vector<uint8_t>());
  EXPECT_EQ(received[0][2], std::vector<uint8_t>(3000, 9));
  EXPECT_TRUE(received[1].empty());
  EXPECT_TRUE(received[2].empty());
  // The timing of the gather: rank 0 received every rank's bytes, the others count their own.
  EXPECT_EQ(timings[0].bytes, 4000);
  EXPECT_EQ(timings[1].bytes, 0);
  EXPECT_EQ(timings[2].bytes, 3000);
  for (const DistributedGroup::GatherTiming& timing : timings) {
    EXPECT_GE(timing.waitSeconds, 0.0);
    EXPECT_GE(timing.transferSeconds, 0.0);
  }
}

TEST(DistributedGroup, WorldOfOneNeedsNoNetwork) {
  DistributedGroup group(rankOf(0, 1, 1, 1));
  EXPECT_FALSE(group.distributed());
  group.arrive("nothing");
  const std::vector<std::vector<uint8_t>> expected = {{1, 2}};
  EXPECT_EQ(group.gatherToRoot({1, 2}, "x"), expected);
}

TEST(DistributedGroup, MissingRankIsNamedAfterTheTimeout) {
  const int port = freePort();
  std::string error0, error1;
  const auto start = std::chrono::steady_clock::now();
  // Rank 0 first: a rank that tries to connect before the store serves retries only for its
  // timeout, which a loaded machine can spend before rank 0's thread runs.
  std::thread rank0([&] {
    try {
      DistributedGroup group(rankOf(0, 3, port, 2500));
    } catch (const Error& error) {
      error0 = error.what();
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  std::thread rank1([&] {
    try {
      DistributedGroup group(rankOf(1, 3, port, 2500));
    } catch (const Error& error) {
      error1 = error.what();
    }
  });
  rank0.join();
  rank1.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  // Ranks 0 and 1 time out together: whichever posts first, the other stops with its reason, so
  // rank 0's message is either its own or rank 1's; both name the missing rank.
  const std::string missing = "rank 2 did not reach 'join' within 2.5 s (died, hung or never started)";
  EXPECT_TRUE(error0 == "rank 0 of 3: " + missing ||
              error0 == "rank 0 of 3: stopping because rank 1 of 3 failed: " + missing)
      << error0;
  EXPECT_EQ(error1.rfind("rank 1 of 3: ", 0), 0u) << error1;
  EXPECT_NE(error1.find(missing), std::string::npos) << error1;
}

TEST(DistributedGroup, ReportedFailureStopsTheOthers) {
  const int port = freePort();
  std::string error0;
  std::thread rank1([&] {
    DistributedGroup group(rankOf(1, 2, port, 20000));
    group.reportFailure("input.txt: no such file");
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  });
  try {
    DistributedGroup group(rankOf(0, 2, port, 20000));
    group.arrive("work done");
  } catch (const Error& error) {
    error0 = error.what();
  }
  rank1.join();
  EXPECT_EQ(error0, "rank 0 of 2: stopping because rank 1 of 2 failed: input.txt: no such file");
}

}  // namespace
