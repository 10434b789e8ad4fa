#include "hopscope/token_blocks.h"

#include <ATen/ATen.h>

#include <vector>

#include "hopscope/error.h"

namespace hopscope {

TokenBlocks makeTokenBlocks(const TextCorpus& corpus, const Tokenizer& tokenizer,
                            int64_t blockLength, int64_t maxBlocks, const JobControl& job) {
  if (blockLength < 2)
    throw Error("token blocks: the block length must be at least 2 tokens, got " +
                std::to_string(blockLength));
  if (maxBlocks < 0)
    throw Error("token blocks: the number of blocks must be 0 (all) or more, got " +
                std::to_string(maxBlocks));
  std::vector<int64_t> stream;
  int64_t documents = 0;
  const auto enough = [&] {
    return maxBlocks > 0 && static_cast<int64_t>(stream.size()) >= maxBlocks * blockLength;
  };
  for (const auto& document : corpus.documents) {
    if (enough()) break;
    if (documents % 256 == 0) job.checkCancelled();
    const Encoding encoding = tokenizer.encode(document, true);
    stream.insert(stream.end(), encoding.ids.begin(), encoding.ids.end());
    ++documents;
  }
  const auto streamLength = static_cast<int64_t>(stream.size());
  int64_t blocks = streamLength / blockLength;
  if (maxBlocks > 0 && blocks > maxBlocks) blocks = maxBlocks;
  if (blocks == 0)
    throw Error((corpus.path.empty() ? std::string() : corpus.path + ": ") +
                "the corpus has only " + std::to_string(streamLength) +
                " tokens, fewer than one block of " + std::to_string(blockLength));

  TokenBlocks result;
  result.tokensUsed = blocks * blockLength;
  result.tokensDropped = streamLength - result.tokensUsed;
  result.documentsEncoded = documents;
  stream.resize(static_cast<size_t>(result.tokensUsed));
  result.ids = at::tensor(stream, at::kLong).view({blocks, blockLength});
  return result;
}

}  // namespace hopscope
