#include "text/merge_learner.h"

#include <algorithm>
#include <queue>
#include <unordered_map>

namespace hopscope::training {
namespace {

using PairKey = uint64_t;

PairKey pairKey(int32_t left, int32_t right) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(left)) << 32) | static_cast<uint32_t>(right);
}
int32_t leftOf(PairKey key) { return static_cast<int32_t>(key >> 32); }
int32_t rightOf(PairKey key) { return static_cast<int32_t>(key & 0xffffffffu); }

// A heap entry: the pair's count when it was pushed. Counts change after the push; an entry whose
// count is no longer the pair's count is stale and is re-pushed with the current one when it
// surfaces. Every rise of a count pushes a fresh entry, so the pair on top with a current count is
// the true maximum.
struct Candidate {
  int64_t count;
  PairKey pair;
};

class Learner {
 public:
  Learner(std::vector<std::string> symbols, std::vector<CountedWord> words, const JoinSpellings& join)
      : words_(std::move(words)), join_(join), heap_(Ranking{&learned_.symbols}) {
    learned_.symbols = std::move(symbols);
    for (size_t id = 0; id < learned_.symbols.size(); ++id)
      idOf_.emplace(learned_.symbols[id], static_cast<int32_t>(id));
    for (size_t w = 0; w < words_.size(); ++w) {
      const std::vector<int32_t>& s = words_[w].symbols;
      for (size_t i = 0; i + 1 < s.size(); ++i) {
        const PairKey key = pairKey(s[i], s[i + 1]);
        counts_[key] += words_[w].count;
        wordsWith_[key].push_back(static_cast<int32_t>(w));
      }
    }
    for (const auto& [key, count] : counts_) heap_.push({count, key});
  }

  LearnedMerges run(size_t symbolLimit, const JobControl& job) {
    const size_t initial = learned_.symbols.size();
    while (learned_.symbols.size() < symbolLimit && !heap_.empty()) {
      const Candidate top = heap_.top();
      heap_.pop();
      const int64_t current = countOf(top.pair);
      if (current != top.count) {
        if (current > 0) heap_.push({current, top.pair});
        continue;
      }
      merge(top.pair);
      if (learned_.merges.size() % 64 == 0) {
        job.checkCancelled();
        job.report(static_cast<double>(learned_.symbols.size() - initial) / static_cast<double>(symbolLimit - initial),
                   "learning merges: " + std::to_string(learned_.symbols.size()) + " symbols");
      }
    }
    return std::move(learned_);
  }

 private:
  // Orders the max-heap: higher count first, then the smaller left spelling, then the smaller right.
  struct Ranking {
    const std::vector<std::string>* symbols;
    bool operator()(const Candidate& a, const Candidate& b) const {  // true: a ranks below b
      if (a.count != b.count) return a.count < b.count;
      const int left = (*symbols)[leftOf(a.pair)].compare((*symbols)[leftOf(b.pair)]);
      if (left != 0) return left > 0;
      return (*symbols)[rightOf(a.pair)].compare((*symbols)[rightOf(b.pair)]) > 0;
    }
  };

  int64_t countOf(PairKey key) const {
    const auto found = counts_.find(key);
    return found == counts_.end() ? 0 : found->second;
  }

  void merge(PairKey pair) {
    const int32_t left = leftOf(pair), right = rightOf(pair);
    std::string spelling = join_(learned_.symbols[left], learned_.symbols[right]);
    const auto [entry, isNew] = idOf_.emplace(spelling, static_cast<int32_t>(learned_.symbols.size()));
    if (isNew) learned_.symbols.push_back(std::move(spelling));
    const int32_t merged = entry->second;
    learned_.merges.push_back({left, right, merged});

    // The word list may hold a word twice, or a word that lost the pair to an earlier merge.
    std::vector<int32_t> affected = std::move(wordsWith_[pair]);
    wordsWith_.erase(pair);
    std::sort(affected.begin(), affected.end());
    affected.erase(std::unique(affected.begin(), affected.end()), affected.end());
    std::unordered_map<PairKey, int64_t> changes;
    for (const int32_t w : affected) mergeInWord(w, left, right, merged, changes);

    for (const auto& [key, change] : changes) {
      if (change == 0) continue;
      const int64_t count = (counts_[key] += change);
      if (count <= 0) {
        counts_.erase(key);
      } else if (change > 0) {
        heap_.push({count, key});
      }
    }
  }

  // Replaces every (left, right) in word w by `merged`, left to right, and records how the word's
  // pair counts change: all its old pairs go, all its new ones come (words are short).
  void mergeInWord(int32_t w, int32_t left, int32_t right, int32_t merged, std::unordered_map<PairKey, int64_t>& changes) {
    CountedWord& word = words_[w];
    std::vector<int32_t>& s = word.symbols;
    std::vector<int32_t> result;
    result.reserve(s.size());
    bool found = false;
    for (size_t i = 0; i < s.size(); ++i) {
      if (i + 1 < s.size() && s[i] == left && s[i + 1] == right) {
        result.push_back(merged);
        ++i;
        found = true;
      } else {
        result.push_back(s[i]);
      }
    }
    if (!found) return;
    for (size_t i = 0; i + 1 < s.size(); ++i) changes[pairKey(s[i], s[i + 1])] -= word.count;
    for (size_t i = 0; i + 1 < result.size(); ++i) {
      const PairKey key = pairKey(result[i], result[i + 1]);
      changes[key] += word.count;
      // Only pairs with the new symbol are new to this word; the others already list it.
      if (result[i] == merged || result[i + 1] == merged) wordsWith_[key].push_back(w);
    }
    s = std::move(result);
  }

  LearnedMerges learned_;
  std::vector<CountedWord> words_;
  const JoinSpellings& join_;
  std::unordered_map<std::string, int32_t> idOf_;
  std::unordered_map<PairKey, int64_t> counts_;
  std::unordered_map<PairKey, std::vector<int32_t>> wordsWith_;
  std::priority_queue<Candidate, std::vector<Candidate>, Ranking> heap_;
};

}  // namespace

LearnedMerges learnMerges(std::vector<std::string> symbols, std::vector<CountedWord> words, size_t symbolLimit,
                          const JoinSpellings& join, const JobControl& job) {
  return Learner(std::move(symbols), std::move(words), join).run(symbolLimit, job);
}

}  // namespace hopscope::training
