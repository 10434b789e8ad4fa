#include <ATen/ATen.h>
#include <glog/logging.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef HOPSCOPE_WITH_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <thread>

#include "hopscope/distributed.h"
#include "hopscope/error.h"

namespace hopscope {
namespace {

const char* const kFailedKey = "hopscope/failed";

// c10 errors carry a C++ backtrace after the first line: keep the sentence.
std::string firstLine(const std::string& text) {
  const size_t end = text.find('\n');
  std::string line = end == std::string::npos ? text : text.substr(0, end);
  while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
  return line;
}

// The first line of a c10d error, without its closing period, for "(c10d: ...)".
std::string cause(const std::exception& error) {
  std::string line = firstLine(error.what());
  if (!line.empty() && line.back() == '.') line.pop_back();
  return "c10d: " + line;
}

std::string seconds(std::chrono::milliseconds timeout) {
  const int64_t ms = timeout.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  std::ostringstream text;
  text << static_cast<double>(ms) / 1000.0 << " s";
  return text.str();
}

bool parseInteger(const std::string& text, int64_t& value) {
  if (text.empty()) return false;
  errno = 0;
  char* end = nullptr;
  const long long parsed = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || end == text.c_str() || *end != '\0') return false;
  value = parsed;
  return true;
}

int integerVariable(const std::string& name, const char* text, int64_t low, int64_t high) {
  int64_t value = 0;
  if (!parseInteger(text, value) || value < low || value > high)
    throw Error(name + "=" + text + " is not an integer in [" + std::to_string(low) + ", " + std::to_string(high) + "]");
  return static_cast<int>(value);
}

// c10d logs its socket errors through glog on stderr as well as throwing them; the errors thrown
// here say the same in one line. GLOG_minloglevel, when set, still decides.
void quietC10dLogging() {
  if (!std::getenv("GLOG_minloglevel")) FLAGS_minloglevel = std::max<int>(FLAGS_minloglevel, google::GLOG_FATAL);
}

bool isLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

}  // namespace

bool ncclCompiledIn() {
#ifdef HOPSCOPE_WITH_NCCL
  return true;
#else
  return false;
#endif
}

DistributedOptions distributedOptionsFromEnvironment(const std::function<const char*(const char*)>& lookup) {
  auto get = [&](const char* name) -> const char* {
    const char* value = lookup ? lookup(name) : std::getenv(name);
    return value && *value ? value : nullptr;
  };
  DistributedOptions options;
  // The first launcher whose rank and size are both set wins.
  static const struct {
    const char *rank, *size, *localRank;
  } kLaunchers[] = {{"RANK", "WORLD_SIZE", "LOCAL_RANK"},
                    {"SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID"},
                    {"OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK"},
                    {"PMI_RANK", "PMI_SIZE", nullptr}};
  for (const auto& launcher : kLaunchers) {
    const char* rank = get(launcher.rank);
    const char* size = get(launcher.size);
    if (!rank || !size) continue;
    options.worldSize = integerVariable(launcher.size, size, 1, 1 << 20);
    options.rank = integerVariable(launcher.rank, rank, 0, options.worldSize - 1);
    if (launcher.localRank && get(launcher.localRank))
      options.localRank = integerVariable(launcher.localRank, get(launcher.localRank), 0, 1 << 20);
    options.source = std::string(launcher.rank) + "/" + launcher.size;
    break;
  }
  if (const char* addr = get("MASTER_ADDR")) options.masterAddr = addr;
  if (const char* port = get("MASTER_PORT")) options.masterPort = integerVariable("MASTER_PORT", port, 1, 65535);
  if (const char* timeout = get("HOPSCOPE_DIST_TIMEOUT"))
    options.timeout = std::chrono::seconds(integerVariable("HOPSCOPE_DIST_TIMEOUT", timeout, 1, 7 * 24 * 3600));
  if (const char* backend = get("HOPSCOPE_DIST_BACKEND")) options.backend = backend;
  return options;
}

void parseMasterAddress(const std::string& text, DistributedOptions& options, const std::string& what) {
  const size_t colon = text.rfind(':');
  std::string host = colon == std::string::npos ? "" : text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int64_t port = 0;
  if (host.empty() || !parseInteger(text.substr(colon + 1), port) || port < 1 || port > 65535)
    throw Error(what + " " + text + ": expected HOST:PORT with a port in [1, 65535]");
  options.masterAddr = host;
  options.masterPort = static_cast<int>(port);
}

void checkDistributedOptions(const DistributedOptions& options) {
  if (options.worldSize < 1) throw Error("the world size must be at least 1, not " + std::to_string(options.worldSize));
  if (options.rank < 0 || options.rank >= options.worldSize)
    throw Error("rank " + std::to_string(options.rank) + " is outside [0, " + std::to_string(options.worldSize) +
                ") (world size " + std::to_string(options.worldSize) + ", from " + options.source + ")");
  if (options.masterPort < 1 || options.masterPort > 65535)
    throw Error("master port " + std::to_string(options.masterPort) + " is outside [1, 65535]");
  if (options.timeout.count() <= 0) throw Error("the distributed timeout must be positive");
  if (options.worldSize > 1 && options.masterAddr.empty()) throw Error("no master address (MASTER_ADDR or --master)");
  if (options.backend != "gloo" && options.backend != "nccl")
    throw Error("distributed backend '" + options.backend + "' is not one of gloo, nccl");
  if (options.backend == "nccl" && !ncclCompiledIn())
    throw Error("the nccl backend needs a build against a CUDA LibTorch configured with -DHOPSCOPE_NCCL=ON; this "
                "build has Gloo only (use --dist-backend gloo)");
}

struct DistributedGroup::Connection {
  c10::intrusive_ptr<c10d::TCPStore> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;  // every CPU collective
  c10::intrusive_ptr<c10d::ProcessGroup> nccl;       // CUDA tensors, with backend "nccl"
};

std::string DistributedGroup::label() const {
  return "rank " + std::to_string(options_.rank) + " of " + std::to_string(options_.worldSize);
}

DistributedGroup::DistributedGroup(const DistributedOptions& options) : options_(options) {
  checkDistributedOptions(options_);
  if (options_.worldSize == 1) return;
  quietC10dLogging();
  connection_ = std::make_unique<Connection>();
  const std::string master = options_.masterAddr + ":" + std::to_string(options_.masterPort);
  c10d::TCPStoreOptions storeOptions;
  storeOptions.port = static_cast<std::uint16_t>(options_.masterPort);
  storeOptions.isServer = options_.rank == 0;
  storeOptions.numWorkers = static_cast<std::size_t>(options_.worldSize);
  storeOptions.waitWorkers = false;  // arrive("join") waits, and names who is missing
  storeOptions.timeout = options_.timeout;
  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  try {
    for (;;) {
      try {
        connection_->store = c10::make_intrusive<c10d::TCPStore>(options_.masterAddr, storeOptions);
        break;
      } catch (const std::exception& error) {
        // A signal (Ctrl-C) landing in the client's connect fails it with EINTR, and a rank that
        // gave up here could not tell the others: connect again, so the command stops cleanly
        // at its first cancel check after the join, with every rank told.
        const bool interrupted = std::string(error.what()).find("Interrupted system call") != std::string::npos;
        if (!interrupted || std::chrono::steady_clock::now() >= deadline) throw;
      }
    }
  } catch (const std::exception& error) {
    if (options_.rank == 0)
      throw Error(label() + ": cannot serve the rendezvous at " + master +
                  "; is the port in use, or the address not this machine's? (" + cause(error) + ")");
    throw Error(label() + ": cannot reach the master at " + master + " within " + seconds(options_.timeout) +
                "; is rank 0 running there? (" + cause(error) + ")");
  }
  arrive("join");
  try {
    auto glooOptions = c10d::ProcessGroupGloo::Options::create(options_.timeout);
    const char* interface = std::getenv("GLOO_SOCKET_IFNAME");
    if (interface && *interface)
      glooOptions->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(interface));
    else if (isLoopback(options_.masterAddr))
      glooOptions->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    else
      glooOptions->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    auto store = c10::make_intrusive<c10d::PrefixStore>("hopscope/gloo", connection_->store);
    connection_->group =
        c10::make_intrusive<c10d::ProcessGroupGloo>(store, options_.rank, options_.worldSize, glooOptions);
  } catch (const std::exception& error) {
    throw Error(label() + ": cannot connect the process group (master " + master + ") (" + cause(error) + ")");
  }
#ifdef HOPSCOPE_WITH_NCCL
  if (options_.backend == "nccl") {
    try {
      auto ncclOptions = c10d::ProcessGroupNCCL::Options::create();
      ncclOptions->timeout = options_.timeout;
      auto store = c10::make_intrusive<c10d::PrefixStore>("hopscope/nccl", connection_->store);
      connection_->nccl =
          c10::make_intrusive<c10d::ProcessGroupNCCL>(store, options_.rank, options_.worldSize, ncclOptions);
    } catch (const std::exception& error) {
      throw Error(label() + ": cannot create the NCCL process group (" + cause(error) + ")");
    }
  }
#endif
}

DistributedGroup::~DistributedGroup() = default;

std::string DistributedGroup::missingRanks(const std::vector<std::string>& keys) const {
  std::string missing;
  int count = 0;
  for (size_t rank = 0; rank < keys.size(); ++rank) {
    if (connection_->store->check({keys[rank]})) continue;
    missing += (missing.empty() ? "" : ", ") + std::to_string(rank);
    ++count;
  }
  return (count == 1 ? "rank " : "ranks ") + missing;
}

void DistributedGroup::checkPeers() const {
  if (!connection_) return;
  std::vector<uint8_t> message;
  try {
    if (!connection_->store->check({kFailedKey})) return;
    message = connection_->store->get(kFailedKey);
  } catch (const std::exception& error) {
    throw Error(label() + ": lost the rendezvous store at " + options_.masterAddr + ":" +
                std::to_string(options_.masterPort) + "; did rank 0 stop? (" + cause(error) + ")");
  }
  throw Error(label() + ": stopping because " + std::string(message.begin(), message.end()));
}

void DistributedGroup::arrive(const std::string& what) {
  if (!connection_) return;
  const std::string prefix = "hopscope/arrive/" + std::to_string(step_++) + "/";
  std::vector<std::string> keys;
  for (int rank = 0; rank < options_.worldSize; ++rank) keys.push_back(prefix + std::to_string(rank));
  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  const std::string master = options_.masterAddr + ":" + std::to_string(options_.masterPort);
  try {
    connection_->store->set(keys[static_cast<size_t>(options_.rank)], std::vector<uint8_t>{1});
    // Polled rather than a blocking wait, so a failure another rank reports ends the wait early.
    auto pause = std::chrono::milliseconds(2);
    while (!connection_->store->check(keys)) {
      checkPeers();
      if (std::chrono::steady_clock::now() >= deadline) {
        const std::string message = label() + ": " + missingRanks(keys) + " did not reach '" + what + "' within " +
                                    seconds(options_.timeout) + " (died, hung or never started)";
        reportFailure(message);  // the ranks that did arrive stop with the same reason
        throw Error(message);
      }
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::milliseconds(100));
    }
  } catch (const Error&) {
    throw;
  } catch (const std::exception& error) {
    throw Error(label() + ": lost the rendezvous store at " + master + " while waiting for '" + what +
                "'; did rank 0 stop? (" + cause(error) + ")");
  }
}

std::vector<std::vector<uint8_t>> DistributedGroup::gatherToRoot(const std::vector<uint8_t>& bytes,
                                                                 const std::string& what) {
  if (!connection_) return {bytes};
  const auto start = std::chrono::steady_clock::now();
  arrive(what);
  const auto arrived = std::chrono::steady_clock::now();
  const size_t world = static_cast<size_t>(options_.worldSize);
  try {
    // Gloo gathers equal sizes: first every size, then every part padded to the largest.
    std::vector<at::Tensor> mySize{at::full({1}, static_cast<int64_t>(bytes.size()), at::kLong)};
    std::vector<std::vector<at::Tensor>> sizes(1);
    for (size_t rank = 0; rank < world; ++rank) sizes[0].push_back(at::empty({1}, at::kLong));
    connection_->group->allgather(sizes, mySize)->wait();
    int64_t largest = 0;
    for (const at::Tensor& size : sizes[0]) largest = std::max(largest, size.item<int64_t>());
    std::vector<at::Tensor> mine{at::zeros({std::max<int64_t>(largest, 1)}, at::kByte)};
    if (!bytes.empty()) std::memcpy(mine[0].data_ptr<uint8_t>(), bytes.data(), bytes.size());
    std::vector<std::vector<at::Tensor>> parts;
    if (isRoot()) {
      parts.resize(1);
      for (size_t rank = 0; rank < world; ++rank) parts[0].push_back(at::empty_like(mine[0]));
    }
    c10d::GatherOptions gather;
    gather.rootRank = 0;
    connection_->group->gather(parts, mine, gather)->wait();
    std::vector<std::vector<uint8_t>> result;
    lastGather_.waitSeconds = std::chrono::duration<double>(arrived - start).count();
    lastGather_.bytes = static_cast<int64_t>(bytes.size());
    if (isRoot()) {
      lastGather_.bytes = 0;
      for (size_t rank = 0; rank < world; ++rank) {
        const uint8_t* data = parts[0][rank].data_ptr<uint8_t>();
        result.emplace_back(data, data + sizes[0][rank].item<int64_t>());
        lastGather_.bytes += static_cast<int64_t>(result.back().size());
      }
    }
    lastGather_.transferSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - arrived).count();
    return result;
  } catch (const std::exception& error) {
    throw Error(label() + ": '" + what + "' failed; a rank died or hung (" + cause(error) + ")");
  }
}

void DistributedGroup::allReduceSum(at::Tensor& tensor, const std::string& what, bool arriveFirst) {
  if (!connection_) return;
  if (arriveFirst) arrive(what);
  try {
    std::vector<at::Tensor> tensors{tensor};
    c10d::ProcessGroup& group = tensor.is_cuda() && connection_->nccl ? *connection_->nccl : *connection_->group;
    group.allreduce(tensors)->wait();
  } catch (const std::exception& error) {
    if (connection_->store) {
      try {
        checkPeers();  // the reason a rank that stopped left in the store, when it could
      } catch (const Error& reported) {
        if (std::string(reported.what()).find("stopping because") != std::string::npos) throw;
      }
    }
    throw Error(label() + ": '" + what + "' failed; a rank died or hung (" + cause(error) + ")");
  }
}

void DistributedGroup::reportFailure(const std::string& message) noexcept {
  if (!connection_) return;
  try {
    const std::string prefix = label() + ": ";
    const std::string reason = message.rfind(prefix, 0) == 0 ? message.substr(prefix.size()) : message;
    const std::string text = label() + " failed: " + reason;
    if (connection_->store->check({kFailedKey})) return;  // the first failure is the one to report
    connection_->store->set(kFailedKey, std::vector<uint8_t>(text.begin(), text.end()));
    // Rank 0 serves the store: keep it up a moment, so ranks polling it read why (arrive polls
    // at least every 100 ms) rather than only that it vanished.
    if (isRoot()) std::this_thread::sleep_for(std::chrono::milliseconds(300));
  } catch (...) {
  }
}

void reportGatherTiming(const DistributedGroup& group, const std::string& what, double mergeSeconds) {
  const char* flag = std::getenv("HOPSCOPE_DIST_TIMING");
  if (!group.isRoot() || !group.distributed() || !flag || std::string(flag) != "1") return;
  const DistributedGroup::GatherTiming& gather = group.lastGather();
  std::ostringstream line;
  line << "hopscope: " << what << ": gather of " << group.worldSize() << " parts: waited " << gather.waitSeconds
       << " s, moved " << gather.bytes << " bytes in " << gather.transferSeconds << " s, decoded and merged in "
       << mergeSeconds << " s\n";
  std::cerr << line.str() << std::flush;
}

}  // namespace hopscope
