#pragma once
// Several processes ("ranks") working on one job, the way PyTorch launches them: rank, world size
// and the master's address come from the environment torchrun, Slurm or an MPI launcher set (or
// are given explicitly); rank 0 serves a c10d TCPStore for the rendezvous, and every rank joins a
// c10d ProcessGroupGloo for the collectives. A world of 1 opens no socket: everything runs in
// the one process as before. Torch-free header (the c10d objects live in the implementation).
//
// Every wait for the other ranks is bounded by the timeout; when it expires, or a rank reports a
// failure, the error names the ranks that did not arrive ("rank 0 of 3: rank 2 did not reach
// 'gather analysis' within 30 s ...").
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace at {
class Tensor;
}

namespace hopscope {

struct DistributedOptions {
  int rank = 0;
  int worldSize = 1;
  int localRank = 0;                     // rank on this machine (informational)
  std::string masterAddr = "127.0.0.1";  // where rank 0 serves the store
  int masterPort = 29500;
  std::chrono::milliseconds timeout{std::chrono::minutes(30)};  // PyTorch's default
  std::string source = "default";  // where rank and world size came from, for messages
  // The collectives' backend for tensors: "gloo" (CPU), or "nccl" (CUDA tensors go through NCCL,
  // everything else still through Gloo; only in a build configured with -DHOPSCOPE_NCCL=ON).
  std::string backend = "gloo";
};

// True when this build can use the NCCL backend (a CUDA LibTorch, -DHOPSCOPE_NCCL=ON).
bool ncclCompiledIn();

// Reads the launcher's variables through `lookup` (default: the process environment):
//   RANK, WORLD_SIZE, LOCAL_RANK (torchrun, torch.distributed.launch)
//   else SLURM_PROCID, SLURM_NTASKS, SLURM_LOCALID (srun)
//   else OMPI_COMM_WORLD_RANK, OMPI_COMM_WORLD_SIZE, OMPI_COMM_WORLD_LOCAL_RANK (Open MPI mpirun)
//   else PMI_RANK, PMI_SIZE (MPICH, Intel MPI)
// and MASTER_ADDR, MASTER_PORT (defaults 127.0.0.1 and 29500), HOPSCOPE_DIST_TIMEOUT (seconds),
// HOPSCOPE_DIST_BACKEND (gloo or nccl).
// Without any of them: a world of 1. Throws Error naming the variable when a value is not a
// number or out of range (rank outside [0, world size), port outside [1, 65535]).
DistributedOptions distributedOptionsFromEnvironment(
    const std::function<const char*(const char*)>& lookup = nullptr);

// "HOST:PORT" (or "[IPv6]:PORT") into options; throws Error naming `what` on bad input.
void parseMasterAddress(const std::string& text, DistributedOptions& options, const std::string& what = "--master");

// Throws Error unless 1 <= worldSize, 0 <= rank < worldSize, 1 <= masterPort <= 65535, timeout > 0,
// and the backend is gloo, or nccl in a build that has it.
void checkDistributedOptions(const DistributedOptions& options);

class DistributedGroup {
 public:
  // Joins the group: rank 0 serves the store at masterPort, every rank connects to
  // masterAddr:masterPort, waits for all ranks (naming those missing after the timeout) and
  // creates the Gloo process group. The Gloo device binds to the interface named by
  // GLOO_SOCKET_IFNAME when set, to the loopback address when the master is local, else to the
  // address this host's name resolves to (as PyTorch does). A world of 1 does nothing.
  explicit DistributedGroup(const DistributedOptions& options);
  ~DistributedGroup();
  DistributedGroup(const DistributedGroup&) = delete;
  DistributedGroup& operator=(const DistributedGroup&) = delete;

  int rank() const { return options_.rank; }
  int worldSize() const { return options_.worldSize; }
  bool isRoot() const { return options_.rank == 0; }
  bool distributed() const { return options_.worldSize > 1; }
  const DistributedOptions& options() const { return options_; }
  // "rank 1 of 3", the prefix of every message about this process.
  std::string label() const;

  // Waits until every rank has called arrive with the same `what`; Error naming the missing
  // ranks after the timeout, or the first failure another rank reported.
  void arrive(const std::string& what);
  // Every rank passes its bytes; rank 0 gets every rank's bytes in rank order, the others an
  // empty list. Starts with arrive(what).
  std::vector<std::vector<uint8_t>> gatherToRoot(const std::vector<uint8_t>& bytes, const std::string& what);
  // Sums a contiguous CPU tensor over every rank, in place (Gloo all-reduce). arriveFirst: wait
  // at `what` with arrive first, so a rank that never comes is named; false: the bare collective,
  // for a call that follows an arrive closely (a rank that dies meanwhile still fails the others).
  void allReduceSum(at::Tensor& tensor, const std::string& what, bool arriveFirst = true);
  // Throws the Error another rank reported ("rank 0 of 2: stopping because rank 1 of 2 failed:
  // cancelled"), or one saying the store is gone; nothing otherwise. Cheap enough to poll between
  // batches, so a rank stops at once rather than at its next meeting point.
  void checkPeers() const;
  // The last gatherToRoot, for timing the merge (bench/merge_cost_bench.sh): seconds waiting for
  // every rank to arrive, seconds moving the bytes after that, bytes received (rank 0: all ranks').
  struct GatherTiming {
    double waitSeconds = 0, transferSeconds = 0;
    int64_t bytes = 0;
  };
  const GatherTiming& lastGather() const { return lastGather_; }
  // Tells the other ranks this one failed (best effort, never throws), so they stop waiting and
  // report "rank 1 of 3 failed: <message>" instead of a timeout.
  void reportFailure(const std::string& message) noexcept;

 private:
  struct Connection;
  std::string missingRanks(const std::vector<std::string>& keys) const;

  DistributedOptions options_;
  std::unique_ptr<Connection> connection_;  // null in a world of 1
  int64_t step_ = 0;                        // arrive calls so far: keys are per step
  GatherTiming lastGather_;
};

// With HOPSCOPE_DIST_TIMING=1 in its environment, rank 0 of a distributed group prints one line to
// stderr about its last gather and the `mergeSeconds` decoding and merging the parts took:
// "hopscope: <what>: gather of 4 parts: waited 0.8 s, moved 53264 bytes in 0.002 s, decoded and
// merged in 0.004 s". Nothing otherwise.
void reportGatherTiming(const DistributedGroup& group, const std::string& what, double mergeSeconds);

}  // namespace hopscope
