#pragma once
// The memory one model load may allocate while reading its weights file. Sizes inside a file
// (records, pickle values, tensor views) are claims: each allocation is charged here first, so a
// small file cannot make the reader allocate gigabytes before it is found out.
#include <cstdint>
#include <string>

namespace hopscope {

// Default budget: 4 x the file size + 64 MiB (a state dict needs about 1 x: its records, plus
// copies of non-contiguous views and the pickle's values).
constexpr uint64_t kLoadBudgetFileMultiple = 4;
constexpr uint64_t kLoadBudgetBaseBytes = uint64_t{64} << 20;
// Overrides the default, in MiB (for checkpoints that really need more, e.g. many strided views).
constexpr const char* kLoadBudgetEnvironment = "HOPSCOPE_LOAD_BUDGET_MB";

// The budget for a file of `fileBytes`: $HOPSCOPE_LOAD_BUDGET_MB MiB when set (Error when it is
// not a positive integer), else the default above.
uint64_t loadBudgetFor(uint64_t fileBytes);

class LoadBudget {
 public:
  LoadBudget(uint64_t limitBytes, std::string source);
  // Accounts `bytes` about to be allocated for `what`; throws Error("<source>: <what> needs N
  // bytes, over the load budget ...") when the total would pass the limit.
  void charge(uint64_t bytes, const std::string& what);
  uint64_t used() const { return used_; }
  uint64_t remaining() const { return limit_ - used_; }

 private:
  uint64_t limit_;
  uint64_t used_ = 0;
  std::string source_;
};

}  // namespace hopscope
