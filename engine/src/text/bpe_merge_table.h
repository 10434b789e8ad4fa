#pragma once
// The BPE merge rules (pair of token ids -> rank and merged id) and their application to one word.
#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace hopscope::bpe {

class MergeTable {
 public:
  struct Rule {
    int32_t rank;   // line order in merges.txt: lower merges first
    int64_t merged; // id of the concatenation
  };

  // A later rule for the same pair replaces the earlier one (as GPT-2's dict(zip(merges, ranks))).
  void add(int64_t left, int64_t right, int32_t rank, int64_t merged);
  const Rule* find(int64_t left, int64_t right) const;
  size_t size() const { return rules_.size(); }

  // Merges `ids` (one pre-tokenized word, one id per byte) in place with GPT-2's rule: repeatedly
  // take the lowest-ranked adjacent pair present and merge all its occurrences left to right
  // (non-overlapping), until no adjacent pair has a rule. A heap keeps this O(n log n).
  void apply(std::vector<int64_t>& ids) const;

 private:
  static uint64_t key(int64_t left, int64_t right) {
    return (static_cast<uint64_t>(left) << 32) | static_cast<uint32_t>(right);
  }
  std::unordered_map<uint64_t, Rule> rules_;
};

}  // namespace hopscope::bpe
