#include "cancel_signal.h"

#include <signal.h>

#include <csignal>

namespace hopscope::cli {
namespace {

volatile std::sig_atomic_t interruptFlag = 0;

extern "C" void onInterrupt(int) { interruptFlag = 1; }

}  // namespace

void installCancelOnInterrupt() {
  struct sigaction action {};
  action.sa_handler = onInterrupt;
  sigemptyset(&action.sa_mask);
  // SA_RESTART: system calls the signal lands in resume (c10d and Gloo do not all retry on EINTR);
  // SA_RESETHAND: the next signal takes the default action and ends the process.
  action.sa_flags = SA_RESTART | SA_RESETHAND;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool interrupted() { return interruptFlag != 0; }

JobControl cancellableJob(JobControl job) {
  job.cancelled = [] { return interrupted(); };
  return job;
}

}  // namespace hopscope::cli
