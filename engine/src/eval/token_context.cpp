#include "hopscope/token_context.h"

#include <algorithm>
#include <cstdlib>

#include "hopscope/tokenizer.h"

namespace hopscope {

namespace {

// The ids encode(text, true) puts around encode(text, false): [CLS] / [SEP] for WordPiece, </s>
// before the text for OPT's BPE. Found by encoding a word, so no family is named here.
struct Framing {
  std::vector<int64_t> prefix, suffix;
};

Framing framingOf(const Tokenizer& tokenizer) {
  const std::vector<int64_t> bare = tokenizer.encode("a", false).ids;
  const std::vector<int64_t> framed = tokenizer.encode("a", true).ids;
  Framing framing;
  const auto at = std::search(framed.begin(), framed.end(), bare.begin(), bare.end());
  if (bare.empty() || at == framed.end()) return framing;
  framing.prefix.assign(framed.begin(), at);
  framing.suffix.assign(at + static_cast<std::ptrdiff_t>(bare.size()), framed.end());
  return framing;
}

bool holdsAt(const std::vector<int64_t>& ids, int64_t at, const std::vector<int64_t>& pattern) {
  if (pattern.empty() || at < 0 || at + static_cast<int64_t>(pattern.size()) > static_cast<int64_t>(ids.size()))
    return false;
  return std::equal(pattern.begin(), pattern.end(), ids.begin() + at);
}

// The context of ids [begin, end) with the run's framing around it.
TokenContext contextOf(const Tokenizer& tokenizer, const Framing& framing, const std::vector<int64_t>& ids,
                       int64_t begin, int64_t end, int64_t token) {
  const std::vector<int64_t> content(ids.begin() + begin, ids.begin() + end);
  TokenContext context;
  context.text = tokenizer.decode(content, false);
  std::vector<int64_t> expected = framing.prefix;
  expected.insert(expected.end(), content.begin(), content.end());
  expected.insert(expected.end(), framing.suffix.begin(), framing.suffix.end());
  const std::vector<int64_t> run = tokenizer.encode(context.text, true).ids;
  context.exact = run == expected;
  // A framing token of the block that was left out maps onto the run's own framing.
  const int64_t index = static_cast<int64_t>(framing.prefix.size()) + token - begin;
  context.id = ids[static_cast<size_t>(token)];
  context.token = std::clamp<int64_t>(index, 0, std::max<int64_t>(static_cast<int64_t>(run.size()) - 1, 0));
  if (!context.exact) {
    int64_t best = -1;
    for (int64_t j = 0; j < static_cast<int64_t>(run.size()); ++j)
      if (run[static_cast<size_t>(j)] == ids[static_cast<size_t>(token)] &&
          (best < 0 || std::llabs(j - index) < std::llabs(best - index)))
        best = j;
    if (best >= 0) context.token = best;
  }
  return context;
}

}  // namespace

TokenContext tokenContext(const Tokenizer& tokenizer, const std::vector<int64_t>& blockIds, int64_t token,
                          int64_t maxPositions) {
  const int64_t length = static_cast<int64_t>(blockIds.size());
  if (token < 0 || token >= length) return {};
  const Framing framing = framingOf(tokenizer);
  const int64_t framed = static_cast<int64_t>(framing.prefix.size() + framing.suffix.size());
  if (maxPositions <= framed) return {};
  // The block's own framing at its ends is the run's: left out of the text.
  int64_t begin = 0, end = length;
  if (holdsAt(blockIds, 0, framing.prefix)) begin = static_cast<int64_t>(framing.prefix.size());
  if (end - begin >= static_cast<int64_t>(framing.suffix.size()) &&
      holdsAt(blockIds, end - static_cast<int64_t>(framing.suffix.size()), framing.suffix))
    end -= static_cast<int64_t>(framing.suffix.size());
  if (end <= begin) return {};
  // Cut to the position table, from the side farther from the token.
  int64_t budget = maxPositions - framed;
  TokenContext context;
  for (int attempt = 0; attempt < 4; ++attempt) {
    int64_t first = begin, last = end;
    while (last - first > budget) {
      const int64_t anchor = std::clamp(token, first, last - 1);
      if (anchor - first > last - 1 - anchor) ++first;
      else --last;
    }
    context = contextOf(tokenizer, framing, blockIds, first, last, token);
    // A block that starts mid-word decodes to a word of its own: drop that piece and try again.
    if (!context.exact && first < std::min(token, last - 1)) {
      TokenContext trimmed = contextOf(tokenizer, framing, blockIds, first + 1, last, token);
      if (trimmed.exact) context = trimmed;
    }
    const int64_t runLength = static_cast<int64_t>(tokenizer.encode(context.text, true).ids.size());
    if (runLength <= maxPositions) return context;
    budget -= runLength - maxPositions;  // the text encodes longer than the block: cut more
    if (budget < 1) break;
  }
  return {};
}

}  // namespace hopscope
