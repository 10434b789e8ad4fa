#pragma once
// Running hopscope-cli as several ranks on localhost for the end-to-end tests: a free port, every
// rank's command started at once with its output captured, and the JSON of a sharded run compared
// with a one-process run (every number within 1e-9 relative, or 1e-12 absolute near zero:
// sums merge in another order; integers exactly; everything else identical).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "../engine/local_ranks.h"

namespace hopscope::test {

namespace fs = std::filesystem;

const std::string kFixtures = HOPSCOPE_FIXTURES_DIR;
const std::string kCorpus = std::string(HOPSCOPE_RESOURCES_DIR) + "/corpora/moby-dick.txt";
constexpr double kRelativeTolerance = 1e-9;
constexpr double kAbsoluteTolerance = 1e-12;

inline std::string quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

inline std::string readText(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

struct RankResult {
  int exitCode = -1;
  std::string out, err;
};

// Every number equal within the tolerance, integers exactly, everything else identical.
inline void expectSameJson(const nlohmann::json& single, const nlohmann::json& sharded, const std::string& where) {
  if (single.is_number_integer() && sharded.is_number_integer()) {
    EXPECT_EQ(single.get<int64_t>(), sharded.get<int64_t>()) << where;
    return;
  }
  if (single.is_number() && sharded.is_number()) {
    const double a = single.get<double>(), b = sharded.get<double>();
    EXPECT_LE(std::fabs(a - b), std::max(kAbsoluteTolerance, kRelativeTolerance * std::max(std::fabs(a), std::fabs(b))))
        << where << ": " << a << " vs " << b;
    return;
  }
  ASSERT_EQ(single.type(), sharded.type()) << where;
  if (single.is_object()) {
    ASSERT_EQ(single.size(), sharded.size()) << where;
    for (auto it = single.begin(); it != single.end(); ++it) {
      ASSERT_TRUE(sharded.contains(it.key())) << where << "." << it.key();
      expectSameJson(it.value(), sharded[it.key()], where + "." + it.key());
    }
  } else if (single.is_array()) {
    ASSERT_EQ(single.size(), sharded.size()) << where;
    for (size_t i = 0; i < single.size(); ++i)
      expectSameJson(single[i], sharded[i], where + "[" + std::to_string(i) + "]");
  } else {
    EXPECT_EQ(single, sharded) << where;
  }
}

class RankProcessesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scratch_ = fs::temp_directory_path() / ("hopscope-dist-test-" + std::to_string(::getpid()));
    fs::create_directories(scratch_);
  }
  void TearDown() override { fs::remove_all(scratch_); }

  std::string file(const std::string& name) const { return (scratch_ / name).string(); }
  std::string model(const std::string& name) const { return kFixtures + "/models/" + name; }

  // Runs every command line at once (each a full shell word list, environment first), waits for
  // all, and returns their exit codes and output.
  std::vector<RankResult> runTogether(const std::vector<std::string>& commands) {
    std::string script;
    for (size_t i = 0; i < commands.size(); ++i)
      script += commands[i] + " > " + quote(file("out" + std::to_string(i))) + " 2> " +
                quote(file("err" + std::to_string(i))) + " < /dev/null & p" + std::to_string(i) + "=$!\n";
    for (size_t i = 0; i < commands.size(); ++i)
      script += "wait $p" + std::to_string(i) + "; echo $? > " + quote(file("rc" + std::to_string(i))) + "\n";
    std::ofstream(file("ranks.sh")) << script;
    const int status = std::system(("sh " + quote(file("ranks.sh"))).c_str());
    EXPECT_TRUE(WIFEXITED(status));
    std::vector<RankResult> results(commands.size());
    for (size_t i = 0; i < commands.size(); ++i) {
      std::istringstream(readText(file("rc" + std::to_string(i)))) >> results[i].exitCode;
      results[i].out = readText(file("out" + std::to_string(i)));
      results[i].err = readText(file("err" + std::to_string(i)));
    }
    return results;
  }

  // A sharded run's ranks: all succeed, the others print nothing, rank 0 prints what the one
  // process printed (but the file it wrote) and its JSON equals the one process's.
  static void expectShardedRunEqualsOne(const std::vector<RankResult>& ranks, const RankResult& one,
                                        const std::string& json, const nlohmann::json& expected) {
    for (size_t rank = 0; rank < ranks.size(); ++rank) {
      EXPECT_EQ(ranks[rank].exitCode, 0) << "rank " << rank << ": " << ranks[rank].err;
      if (rank > 0) {  // other ranks print nothing
        EXPECT_EQ(ranks[rank].out, "") << rank;
        EXPECT_EQ(ranks[rank].err, "") << rank;
      }
    }
    EXPECT_EQ(ranks[0].out, one.out.substr(0, one.out.rfind("wrote ")) + "wrote " + json + "\n");
    ASSERT_TRUE(fs::exists(json));
    expectSameJson(expected, nlohmann::json::parse(readText(json)), "json");
  }

  // Two ranks of the command, rank 1 with a missing --data file (arguments[3] is --data's value):
  // rank 1 fails naming it, rank 0 stops with rank 1's reason well before the 60 s timeout,
  // prints no result and `output` is not written.
  void expectFailingRankStopsTheOther(const std::vector<std::string>& arguments, const std::string& output) {
    std::vector<std::string> good = arguments, bad = arguments;
    bad[3] = file("missing.txt");
    const std::string master = "127.0.0.1:" + std::to_string(freePort());
    good.insert(good.end(), {"--rank", "0", "--world-size", "2", "--master", master, "--dist-timeout", "60"});
    bad.insert(bad.end(), {"--rank", "1", "--world-size", "2", "--master", master, "--dist-timeout", "60"});
    const auto start = std::chrono::steady_clock::now();
    const std::vector<RankResult> ranks = runTogether({command(good), command(bad)});
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(ranks[1].exitCode, 1);
    EXPECT_NE(ranks[1].err.find("missing.txt"), std::string::npos) << ranks[1].err;
    EXPECT_EQ(ranks[0].exitCode, 1);
    EXPECT_EQ(ranks[0].err.rfind("hopscope-cli: rank 0 of 2: stopping because rank 1 of 2 failed: ", 0), 0u)
        << ranks[0].err;
    EXPECT_NE(ranks[0].err.find("missing.txt"), std::string::npos) << ranks[0].err;
    EXPECT_EQ(ranks[0].out, "");
    EXPECT_LT(seconds, 50.0);
    EXPECT_FALSE(fs::exists(output));
  }

  static std::string command(const std::vector<std::string>& arguments, const std::string& environment = {}) {
    std::string line = "env -u HOPSCOPE_RESOURCES " + environment + " " + quote(HOPSCOPE_CLI);
    for (const std::string& argument : arguments) line += " " + quote(argument);
    return line;
  }

  // One command per rank of `world` meeting at 127.0.0.1:port: launched as torchrun launches
  // (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT) when `fromEnvironment`, else with
  // --rank, --world-size, --master and --dist-timeout.
  static std::vector<std::string> rankCommands(const std::vector<std::string>& arguments, int world, int port,
                                               bool fromEnvironment) {
    std::vector<std::string> commands;
    for (int rank = 0; rank < world; ++rank) {
      if (fromEnvironment) {
        commands.push_back(command(arguments, "RANK=" + std::to_string(rank) + " WORLD_SIZE=" + std::to_string(world) +
                                                  " LOCAL_RANK=" + std::to_string(rank) +
                                                  " MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port)));
      } else {
        std::vector<std::string> ranked = arguments;
        for (const std::string& option : {std::string("--rank"), std::to_string(rank), std::string("--world-size"),
                                          std::to_string(world), std::string("--master"),
                                          "127.0.0.1:" + std::to_string(port), std::string("--dist-timeout"),
                                          std::string("120")})
          ranked.push_back(option);
        commands.push_back(command(ranked, "-u RANK -u WORLD_SIZE"));
      }
    }
    return commands;
  }

  fs::path scratch_;
};

}  // namespace hopscope::test
