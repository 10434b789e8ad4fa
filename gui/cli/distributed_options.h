#pragma once
// The options every command that can run as one rank of several shares: --rank, --world-size,
// --master HOST:PORT, --dist-timeout and --dist-backend, each overriding the launcher's environment variables
// (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT, ... distributed.h).
#include <CLI/CLI.hpp>

#include <memory>
#include <string>

#include "hopscope/distributed.h"
#include "hopscope/job_control.h"

namespace hopscope::cli {

class DistributedCommandOptions {
 public:
  void addTo(CLI::App& command);
  // The environment's settings with the given options applied; Error on bad values.
  DistributedOptions resolve() const;
  // Joins the group those settings describe (a world of 1: no network). With --device cuda, each
  // rank of several takes the GPU of its LOCAL_RANK (cuda:N), and the backend defaults to nccl
  // when the build has it.
  std::unique_ptr<DistributedGroup> join() const;

 private:
  int rank_ = -1, worldSize_ = -1;
  std::string master_, backend_;
  double timeoutSeconds_ = 0;
};

// The job, also stopping (with that rank's reason) as soon as another rank has failed or been
// interrupted: polled between batches, so one rank's Ctrl-C or error stops every rank promptly.
JobControl stopsWithPeers(JobControl job, const DistributedGroup& group);

}  // namespace hopscope::cli
