#include "text/bpe_merge_table.h"

#include <algorithm>
#include <queue>

namespace hopscope::bpe {

void MergeTable::add(int64_t left, int64_t right, int32_t rank, int64_t merged) {
  rules_[key(left, right)] = Rule{rank, merged};
}

const MergeTable::Rule* MergeTable::find(int64_t left, int64_t right) const {
  if (left < 0 || right < 0) return nullptr;  // unknown symbols never merge
  const auto it = rules_.find(key(left, right));
  return it == rules_.end() ? nullptr : &it->second;
}

void MergeTable::apply(std::vector<int64_t>& ids) const {
  const int count = static_cast<int>(ids.size());
  if (count < 2) return;
  // A doubly linked list over the symbols: merging keeps the left node and unlinks the right one.
  std::vector<int> prev(count), next(count);
  std::vector<char> alive(count, 1);
  for (int i = 0; i < count; ++i) {
    prev[i] = i - 1;
    next[i] = i + 1 < count ? i + 1 : -1;
  }
  struct Candidate {
    int32_t rank;
    int position;  // node of the pair's left symbol
    bool operator>(const Candidate& other) const {
      return rank != other.rank ? rank > other.rank : position > other.position;
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<Candidate>> heap;
  const auto push = [&](int left) {
    if (left < 0 || next[left] < 0) return;
    if (const Rule* rule = find(ids[left], ids[next[left]])) heap.push({rule->rank, left});
  };
  for (int i = 0; i + 1 < count; ++i) push(i);

  std::vector<int> round;
  while (!heap.empty()) {
    // One GPT-2 step: every occurrence of the lowest-ranked pair, left to right. Node order equals
    // text order, so popping by position visits them left to right. Entries can be stale (a side
    // was merged since): the pair is checked again before merging.
    const int32_t rank = heap.top().rank;
    round.clear();
    while (!heap.empty() && heap.top().rank == rank) {
      round.push_back(heap.top().position);
      heap.pop();
    }
    for (const int left : round) {
      if (!alive[left] || next[left] < 0) continue;
      const int right = next[left];
      const Rule* rule = find(ids[left], ids[right]);
      if (rule == nullptr || rule->rank != rank) continue;
      ids[left] = rule->merged;
      alive[right] = 0;
      next[left] = next[right];
      if (next[right] >= 0) prev[next[right]] = left;
      // Pairs formed here are only considered from the next step on, as in GPT-2.
      push(prev[left]);
      push(left);
    }
  }
  int out = 0;
  for (int i = 0; i >= 0; i = next[i]) ids[out++] = ids[i];
  ids.resize(out);
}

}  // namespace hopscope::bpe
