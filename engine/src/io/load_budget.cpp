#include "hopscope/load_budget.h"

#include "hopscope/error.h"

#include <cstdlib>

namespace hopscope {

uint64_t loadBudgetFor(uint64_t fileBytes) {
  if (const char* text = std::getenv(kLoadBudgetEnvironment); text && *text) {
    char* end = nullptr;
    const unsigned long long mebibytes = std::strtoull(text, &end, 10);
    if (*end != '\0' || mebibytes == 0 || mebibytes > (UINT64_MAX >> 20))
      throw Error(std::string(kLoadBudgetEnvironment) + ": expected a positive number of MiB, found '" +
                  text + "'");
    return mebibytes << 20;
  }
  if (fileBytes > (UINT64_MAX - kLoadBudgetBaseBytes) / kLoadBudgetFileMultiple) return UINT64_MAX;
  return kLoadBudgetFileMultiple * fileBytes + kLoadBudgetBaseBytes;
}

LoadBudget::LoadBudget(uint64_t limitBytes, std::string source)
    : limit_(limitBytes), source_(std::move(source)) {}

void LoadBudget::charge(uint64_t bytes, const std::string& what) {
  if (bytes > limit_ - used_)
    throw Error(source_ + ": " + what + " needs " + std::to_string(bytes) +
                " bytes, over the load budget of " + std::to_string(limit_) + " bytes (" +
                std::to_string(used_) + " already used; the file claims more than it holds, or set " +
                kLoadBudgetEnvironment + ")");
  used_ += bytes;
}

}  // namespace hopscope
