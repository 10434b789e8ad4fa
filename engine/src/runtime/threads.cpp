#include "hopscope/runtime.h"

#include <ATen/Parallel.h>

#include <cstdlib>
#include <string>
#include <thread>

namespace hopscope {

int configureThreads(int requested) {
  int threads = requested;
  if (threads <= 0) {
    if (const char* env = std::getenv("HOPSCOPE_THREADS")) {
      try {
        threads = std::stoi(env);
      } catch (...) {
        threads = 0;
      }
    }
  }
  if (threads <= 0) threads = static_cast<int>(std::thread::hardware_concurrency());
  if (threads <= 0) threads = 1;
  at::set_num_threads(threads);
  return threads;
}

}  // namespace hopscope
