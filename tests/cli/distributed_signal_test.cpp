// Stopping several ranks: Ctrl-C on the launcher (torchrun, srun and mpirun signal every rank)
// stops every rank cleanly with nothing written; an interrupt or failure of one rank stops the
// others promptly with its reason; data-parallel training stops every rank at the same step with
// one checkpoint. Ranks are real processes on localhost, signalled as a launcher would.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "rank_processes.h"
#include "hopscope/safetensors.h"

extern char** environ;

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

using hopscope::test::kFixtures;
using hopscope::test::readText;
const std::string kResources = HOPSCOPE_RESOURCES_DIR;

// One hopscope-cli process with its output in files.
struct Rank {
  pid_t pid = -1;
  fs::path out, err;
  int exitCode = -1;
  bool signalled = false;
};

class DistributedSignalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    scratch_ = fs::temp_directory_path() / ("hopscope-signal-test-" + std::to_string(::getpid()));
    fs::remove_all(scratch_);
    fs::create_directories(scratch_);
  }
  void TearDown() override {
    for (Rank& rank : ranks_)
      if (rank.exitCode < 0 && !rank.signalled) ::kill(rank.pid, SIGKILL), ::waitpid(rank.pid, nullptr, 0);
    fs::remove_all(scratch_);
  }
  std::string file(const std::string& name) const { return (scratch_ / name).string(); }

  // Starts `world` ranks of the command on a free port.
  void start(int world, const std::vector<std::string>& arguments) {
    const int port = hopscope::test::freePort();
    for (int r = 0; r < world; ++r) {
      Rank rank;
      rank.out = scratch_ / ("out" + std::to_string(r));
      rank.err = scratch_ / ("err" + std::to_string(r));
      std::vector<std::string> argv = {HOPSCOPE_CLI, "--threads", "1"};
      argv.insert(argv.end(), arguments.begin(), arguments.end());
      for (const std::string& option : {std::string("--rank"), std::to_string(r), std::string("--world-size"),
                                        std::to_string(world), std::string("--master"),
                                        "127.0.0.1:" + std::to_string(port), std::string("--dist-timeout"),
                                        std::string("120")})
        argv.push_back(option);
      posix_spawn_file_actions_t files;
      posix_spawn_file_actions_init(&files);
      posix_spawn_file_actions_addopen(&files, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
      posix_spawn_file_actions_addopen(&files, STDOUT_FILENO, rank.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      posix_spawn_file_actions_addopen(&files, STDERR_FILENO, rank.err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      std::vector<char*> pointers;
      for (std::string& argument : argv) pointers.push_back(argument.data());
      pointers.push_back(nullptr);
      ASSERT_EQ(posix_spawn(&rank.pid, HOPSCOPE_CLI, &files, nullptr, pointers.data(), environ), 0);
      posix_spawn_file_actions_destroy(&files);
      ranks_.push_back(rank);
    }
  }

  // True once every rank handles SIGINT (the command has started; before that the signal's default
  // action would end the process, as it ends any program still starting).
  bool waitUntilInterruptible(std::chrono::seconds limit) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      bool all = true;
      for (const Rank& rank : ranks_) {
        const std::string status = readText("/proc/" + std::to_string(rank.pid) + "/status");
        const size_t at = status.find("SigCgt:");
        all = all && at != std::string::npos && (std::stoull(status.substr(at + 7), nullptr, 16) & (1ull << (SIGINT - 1)));
      }
      if (all) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  // Waits for every rank (at most `limit`); false when one is still running then.
  bool waitAll(std::chrono::seconds limit) {
    const auto deadline = Clock::now() + limit;
    for (Rank& rank : ranks_) {
      while (rank.exitCode < 0 && !rank.signalled) {
        int status = 0;
        const pid_t done = ::waitpid(rank.pid, &status, WNOHANG);
        if (done == rank.pid) {
          if (WIFEXITED(status)) rank.exitCode = WEXITSTATUS(status);
          else rank.signalled = true;
          break;
        }
        if (Clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    return true;
  }

  // Starts 2 ranks of the command, interrupts rank 1 once both run, and expects rank 0 to stop
  // within 5 s naming rank 1's reason, with `output` not written.
  void expectOneInterruptedRankStopsTheOther(const std::vector<std::string>& arguments, const std::string& output) {
    start(2, arguments);
    ASSERT_TRUE(waitUntilInterruptible(std::chrono::seconds(60)));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    const auto signalled = Clock::now();
    ::kill(ranks_[1].pid, SIGINT);
    ASSERT_TRUE(waitAll(std::chrono::seconds(60)));
    EXPECT_LT(Clock::now() - signalled, std::chrono::seconds(5));
    EXPECT_EQ(ranks_[0].exitCode, 1);
    EXPECT_NE(readText(ranks_[0].err).find("rank 0 of 2: stopping because rank 1 of 2 failed: cancelled"),
              std::string::npos)
        << readText(ranks_[0].err);
    EXPECT_EQ(ranks_[1].exitCode, 1);
    EXPECT_FALSE(fs::exists(output));
  }

  fs::path scratch_;
  std::vector<Rank> ranks_;
};

// An analysis long enough to be interrupted: about 10 s per rank on an idle machine.
std::vector<std::string> longAnalysis(const std::string& json) {
  return {"analyze", kResources + "/demo/bert-softmax-none", "--data", kResources + "/corpora/moby-dick.txt",
          "--samples", "2000", "--batch", "8", "--json", json};
}

TEST_F(DistributedSignalTest, CtrlCOnTheLauncherStopsEveryRankWithNothingWritten) {
  start(2, longAnalysis(file("analysis.json")));
  ASSERT_TRUE(waitUntilInterruptible(std::chrono::seconds(60)));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto signalled = Clock::now();
  for (const Rank& rank : ranks_) ::kill(rank.pid, SIGINT);
  ASSERT_TRUE(waitAll(std::chrono::seconds(30)));
  EXPECT_LT(Clock::now() - signalled, std::chrono::seconds(8));
  for (const Rank& rank : ranks_) {
    EXPECT_FALSE(rank.signalled) << "a rank ended by the signal itself instead of stopping";
    EXPECT_EQ(rank.exitCode, 1) << readText(rank.err);
    const std::string err = readText(rank.err);
    EXPECT_TRUE(err.find("cancelled") != std::string::npos) << err;
    EXPECT_EQ(err.find("internal error"), std::string::npos) << err;
  }
  EXPECT_FALSE(fs::exists(file("analysis.json")));
}

// Rank 0's own shard takes several more seconds: it must stop at its next batch instead, with
// rank 1's reason, and write nothing.
TEST_F(DistributedSignalTest, OneInterruptedRankStopsTheOthersPromptlyWithItsReason) {
  expectOneInterruptedRankStopsTheOther(longAnalysis(file("analysis.json")), file("analysis.json"));
}

// quantize shards its evaluation the same way.
TEST_F(DistributedSignalTest, OneInterruptedRankStopsAQuantizationToo) {
  expectOneInterruptedRankStopsTheOther(
      {"quantize", kResources + "/demo/bert-softmax-none", "--data", kResources + "/corpora/moby-dick.txt",
       "--samples", "2000", "--batch", "8", "--json", file("quantization.json")},
      file("quantization.json"));
}

// Training never ends by itself here (a million steps); Ctrl-C on one rank stops both at the
// same step, and rank 0 writes that step's checkpoint.
TEST_F(DistributedSignalTest, TrainingStopsEveryRankAtOneStepWithOneCheckpoint) {
  const std::string out = file("run");
  start(2, {"train", "--family", "bert", "--data", kResources + "/corpora/moby-dick-train.txt", "--eval-data",
            kResources + "/corpora/moby-dick-eval.txt", "--tokenizer", kFixtures + "/models/bert-tiny", "--layers", "1",
            "--hidden", "16", "--heads", "2", "--ffn", "32", "--seq-len", "16", "--batch", "4", "--steps", "1000000",
            "--eval-every", "20", "--eval-samples", "2", "--out", out});
  // Until the first checkpoint is on disk.
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  while (!fs::exists(out + "/training_state.safetensors") && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_TRUE(waitUntilInterruptible(std::chrono::seconds(10)));
  ::kill(ranks_[1].pid, SIGINT);
  ASSERT_TRUE(waitAll(std::chrono::seconds(30)));
  std::string steps[2];
  for (int r = 0; r < 2; ++r) {
    const std::string err = readText(ranks_[r].err);
    EXPECT_EQ(ranks_[r].exitCode, 1) << err;
    const size_t at = err.find("interrupted at step ");
    ASSERT_NE(at, std::string::npos) << err;
    steps[r] = err.substr(at + 20, err.find(';', at) - at - 20);
  }
  EXPECT_EQ(steps[0], steps[1]);
  const hopscope::SafetensorsContents state = hopscope::readSafetensors(out + "/training_state.safetensors");
  EXPECT_EQ(state.metadata.at("step"), steps[0]);
  EXPECT_EQ(hopscope::readSafetensors(out + "/model.safetensors").metadata.at("step"), steps[0]);
  EXPECT_EQ(readText(ranks_[1].out), "") << "only rank 0 prints the evaluations";
}

}  // namespace
