#include "distributed_options.h"

#include <csignal>
#include <cstdlib>

#include "commands.h"

namespace hopscope::cli {

void DistributedCommandOptions::addTo(CLI::App& command) {
  const std::string group = "Several processes (torchrun, srun, mpirun; README \"Scale out\")";
  command.add_option("--rank", rank_, "This process's rank (default: RANK, SLURM_PROCID, OMPI_COMM_WORLD_RANK or 0)")
      ->check(CLI::NonNegativeNumber)
      ->group(group);
  command.add_option("--world-size", worldSize_,
                     "Number of ranks (default: WORLD_SIZE, SLURM_NTASKS, OMPI_COMM_WORLD_SIZE or 1)")
      ->check(CLI::PositiveNumber)
      ->group(group);
  command.add_option("--master", master_,
                     "HOST:PORT where rank 0 serves the rendezvous (default: MASTER_ADDR:MASTER_PORT or "
                     "127.0.0.1:29500)")
      ->group(group);
  command.add_option("--dist-timeout", timeoutSeconds_,
                     "Seconds to wait for the other ranks at each meeting point before failing "
                     "(default: HOPSCOPE_DIST_TIMEOUT or 1800)")
      ->check(CLI::PositiveNumber)
      ->group(group);
  command.add_option("--dist-backend", backend_,
                     "Collectives for tensors: gloo, or nccl for CUDA tensors in a build with -DHOPSCOPE_NCCL=ON "
                     "(default: HOPSCOPE_DIST_BACKEND, else nccl with --device cuda in such a build, else gloo)")
      ->group(group);
}

DistributedOptions DistributedCommandOptions::resolve() const {
  DistributedOptions options = distributedOptionsFromEnvironment();
  if (worldSize_ > 0) {
    options.worldSize = worldSize_;
    options.source = "--world-size";
  }
  if (rank_ >= 0) {
    options.rank = rank_;
    options.source = worldSize_ > 0 ? "--rank/--world-size" : "--rank";
  }
  if (!master_.empty()) parseMasterAddress(master_, options, "--master");
  if (timeoutSeconds_ > 0)
    options.timeout = std::chrono::milliseconds(static_cast<int64_t>(timeoutSeconds_ * 1000.0 + 0.5));
  const bool onGpus = deviceName().rfind("cuda", 0) == 0;
  if (!backend_.empty())
    options.backend = backend_;
  else if (onGpus && ncclCompiledIn() && !std::getenv("HOPSCOPE_DIST_BACKEND"))
    options.backend = "nccl";
  checkDistributedOptions(options);
  return options;
}

std::unique_ptr<DistributedGroup> DistributedCommandOptions::join() const {
  const DistributedOptions options = resolve();
  // A peer that vanished must be an error message, not a silent SIGPIPE death.
  if (options.worldSize > 1) std::signal(SIGPIPE, SIG_IGN);
  // One GPU per rank on a machine, as torchrun places them.
  if (options.worldSize > 1 && deviceName() == "cuda") setDeviceName("cuda:" + std::to_string(options.localRank));
  return std::make_unique<DistributedGroup>(options);
}

JobControl stopsWithPeers(JobControl job, const DistributedGroup& group) {
  if (!group.distributed()) return job;
  job.cancelled = [&group, cancelled = job.cancelled] {
    if (cancelled && cancelled()) return true;  // this rank's own interrupt first
    group.checkPeers();
    return false;
  };
  return job;
}

}  // namespace hopscope::cli
