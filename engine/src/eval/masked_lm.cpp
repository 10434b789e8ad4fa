#include "hopscope/masked_lm.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "hopscope/error.h"

namespace hopscope {

uint64_t splitmix64(uint64_t x) {
  uint64_t z = x + 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

double maskingUniform(uint64_t seed, uint64_t block, uint64_t position, uint64_t stream) {
  const uint64_t h = splitmix64(splitmix64(splitmix64(seed) ^ block) ^ (4 * position + stream));
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}

MaskingOptions maskingOptions(const Tokenizer& tokenizer, const std::string& maskToken,
                              const std::vector<std::string>& unmaskable, double probability, uint64_t seed) {
  MaskingOptions options;
  options.probability = probability;
  options.seed = seed;
  options.vocabSize = tokenizer.vocabSize();
  options.maskId = tokenizer.tokenId(maskToken);
  if (options.maskId < 0)
    throw Error("masked-LM evaluation needs a " + maskToken + " token, and the vocabulary has none");
  for (const std::string& special : unmaskable) {
    const int64_t id = tokenizer.tokenId(special);
    if (id >= 0) options.specialIds.push_back(id);
  }
  return options;
}

MaskedBlocks maskTokens(const at::Tensor& ids, const MaskingOptions& options) {
  if (!(options.probability >= 0.0 && options.probability <= 1.0))
    throw Error("mask probability must be in [0, 1], got " + std::to_string(options.probability));
  if (!ids.defined() || ids.dim() != 2 || ids.scalar_type() != at::kLong)
    throw Error("masking needs int64 token ids of shape [blocks, length]");
  if (options.vocabSize <= 0 || options.maskId < 0 || options.maskId >= options.vocabSize)
    throw Error("masking: mask id " + std::to_string(options.maskId) +
                " is not in the vocabulary of " + std::to_string(options.vocabSize) + " tokens");
  if (options.firstBlockIndex < 0)
    throw Error("masking: the first block index must be 0 or more");

  MaskedBlocks result;
  result.inputs = ids.to(at::kCPU).contiguous().clone();
  result.labels = at::full_like(result.inputs, kIgnoredLabel);
  int64_t* inputs = result.inputs.data_ptr<int64_t>();
  int64_t* labels = result.labels.data_ptr<int64_t>();
  const int64_t rows = ids.size(0), length = ids.size(1);
  const auto& specials = options.specialIds;
  for (int64_t row = 0; row < rows; ++row) {
    const auto block = static_cast<uint64_t>(options.firstBlockIndex + row);
    for (int64_t t = 0; t < length; ++t) {
      int64_t& input = inputs[row * length + t];
      if (std::find(specials.begin(), specials.end(), input) != specials.end()) continue;
      const auto position = static_cast<uint64_t>(t);
      if (!(maskingUniform(options.seed, block, position, 0) < options.probability)) continue;
      labels[row * length + t] = input;
      ++result.selected;
      const double kind = maskingUniform(options.seed, block, position, 1);
      if (kind < 0.8) {
        input = options.maskId;
      } else if (kind < 0.9) {
        const double u = maskingUniform(options.seed, block, position, 2);
        const double scaled = std::floor(u * static_cast<double>(options.vocabSize));
        const auto id = static_cast<int64_t>(scaled);
        input = std::min(id, options.vocabSize - 1);  // guards rounding of u * vocabSize
      }
    }
  }
  return result;
}

}  // namespace hopscope
