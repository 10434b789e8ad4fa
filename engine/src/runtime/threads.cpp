#include "hopscope/runtime.h"

#include <ATen/Parallel.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <thread>

namespace hopscope {

namespace {

int positiveVariable(const char* name) {
  const char* env = std::getenv(name);
  if (!env) return 0;
  try {
    return std::max(0, std::stoi(env));
  } catch (...) {
    return 0;
  }
}

}  // namespace

int configureThreads(int requested) {
  int threads = requested;
  if (threads <= 0) threads = positiveVariable("HOPSCOPE_THREADS");
  // What torchrun sets (1 per rank when it starts several on a machine), as LibTorch would obey.
  if (threads <= 0) threads = positiveVariable("OMP_NUM_THREADS");
  if (threads <= 0) threads = static_cast<int>(std::thread::hardware_concurrency());
  if (threads <= 0) threads = 1;
  at::set_num_threads(threads);
  return threads;
}

}  // namespace hopscope
