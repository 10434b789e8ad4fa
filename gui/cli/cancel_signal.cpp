#include "cancel_signal.h"

#include <csignal>

namespace hopscope::cli {
namespace {

volatile std::sig_atomic_t interruptFlag = 0;

extern "C" void onInterrupt(int) { interruptFlag = 1; }

}  // namespace

void installCancelOnInterrupt() { std::signal(SIGINT, onInterrupt); }

bool interrupted() { return interruptFlag != 0; }

JobControl cancellableJob(JobControl job) {
  job.cancelled = [] { return interrupted(); };
  return job;
}

}  // namespace hopscope::cli
