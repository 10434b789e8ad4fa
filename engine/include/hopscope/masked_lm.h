#pragma once
// Deterministic masked-LM masking (15 % of tokens, of which 80 % [MASK], 10 % a random id, 10 % kept),
// reproducible in any language: every random number is a pure function of (seed, block, position,
// stream), so several models see the very same masks, whatever the batching.
//
// The uniform numbers, all arithmetic on unsigned 64-bit integers modulo 2^64:
//   splitmix64(x):  z = x + 0x9E3779B97F4A7C15
//                   z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
//                   z = (z ^ (z >> 27)) * 0x94D049BB133111EB
//                   return z ^ (z >> 31)
//   h = splitmix64(splitmix64(splitmix64(seed) ^ b) ^ (4 * t + s))
//   u(seed, b, t, s) = (h >> 11) * 2^-53           (a double in [0, 1))
// with b the global block index (row of TokenBlocks::ids), t the position in the block and
// s the stream: 0 = selection, 1 = replacement kind, 2 = random id.
//
// Position (b, t) holding id x is selected when x is not a special id and u(.., 0) < p. A selected
// position gets label x and input [MASK] if u(.., 1) < 0.8, else floor(u(.., 2) * vocabSize) if
// u(.., 1) < 0.9, else x. Unselected positions keep x and get label -100.
// Python:
//   M = 2**64 - 1
//   def sm(x):
//       z = (x + 0x9E3779B97F4A7C15) & M
//       z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M
//       z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M
//       return z ^ (z >> 31)
//   def u(seed, b, t, s): return (sm(sm(sm(seed) ^ b) ^ (4 * t + s)) >> 11) / 2.0**53
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "hopscope/tokenizer.h"

namespace hopscope {

constexpr int64_t kIgnoredLabel = -100;  // Hugging Face's ignore_index

struct MaskingOptions {
  double probability = 0.15;  // p, in [0, 1]
  uint64_t seed = 0;
  int64_t maskId = -1;
  int64_t vocabSize = 0;               // random replacement ids are drawn from [0, vocabSize)
  std::vector<int64_t> specialIds;     // never selected ([CLS], [SEP], [PAD])
  int64_t firstBlockIndex = 0;         // global index b of row 0 of the ids passed in
};

struct MaskedBlocks {
  at::Tensor inputs;  // int64 [N, L]: the ids with the replacements applied
  at::Tensor labels;  // int64 [N, L]: the original id where selected, else -100
  int64_t selected = 0;
};

uint64_t splitmix64(uint64_t x);
// u(seed, b, t, s) of the formula above.
double maskingUniform(uint64_t seed, uint64_t block, uint64_t position, uint64_t stream);

// Options for a tokenizer: `maskToken` as the mask, the `unmaskable` tokens present in the
// vocabulary as specials (a family declares both: model_family.h), the tokenizer's vocabulary size.
// Throws Error when the vocabulary has no mask token.
MaskingOptions maskingOptions(const Tokenizer& tokenizer, const std::string& maskToken,
                              const std::vector<std::string>& unmaskable, double probability, uint64_t seed);

// Masks int64 ids [N, L] (any device; results on CPU). Throws Error on a probability outside
// [0, 1], ids that are not a 2-D int64 tensor, or a mask id / vocabulary size that does not fit.
MaskedBlocks maskTokens(const at::Tensor& ids, const MaskingOptions& options);

}  // namespace hopscope
