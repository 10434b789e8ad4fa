#pragma once
// Process-wide LibTorch settings. LibTorch starts with one thread on this kind of machine, so the
// front ends call configureThreads once at start-up.

namespace hopscope {

// requested > 0: use that many threads. 0: the HOPSCOPE_THREADS environment variable if set to a
// positive integer, else OMP_NUM_THREADS (torchrun sets it per rank), else the number of cores. Returns the count applied.
int configureThreads(int requested = 0);

}  // namespace hopscope
