#pragma once
// Ctrl-C during long work: the first SIGINT (or SIGTERM, which torchrun, srun and mpirun send
// every rank when they stop a job) sets a flag the engine polls through JobControl::cancelled, so
// the job stops between batches and nothing partial is written. A second signal ends the process
// at once, as usual, should the job not stop.
#include "hopscope/job_control.h"

namespace hopscope::cli {

void installCancelOnInterrupt();
bool interrupted();
// A JobControl with this process's cancel flag and the given progress callback.
JobControl cancellableJob(JobControl job);

}  // namespace hopscope::cli
