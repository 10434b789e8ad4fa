#pragma once
// Rank 0's side of a sharded command: the parts every rank handed in (gatherToRoot, rank order),
// decoded and merged in that order, which is block order; timed for HOPSCOPE_DIST_TIMING.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "hopscope/distributed.h"

namespace hopscope {

template <typename Part>
Part mergeParts(const DistributedGroup& group, const std::vector<std::vector<uint8_t>>& parts,
                Part (*decode)(const std::vector<uint8_t>&), const std::string& what) {
  const auto start = std::chrono::steady_clock::now();
  Part merged;
  for (const std::vector<uint8_t>& bytes : parts) merged.merge(decode(bytes));
  reportGatherTiming(group, what, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return merged;
}

}  // namespace hopscope
