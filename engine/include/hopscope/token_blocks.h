#pragma once
// Token blocks: the fixed-length model inputs cut from a corpus (Hugging Face run_mlm / run_clm
// "group_texts" semantics).
//
// Framing: each document (line) is encoded with its family's special tokens, i.e.
// tokenizer.encode(document, true): BERT gives [CLS] ... [SEP], OPT gives </s> ... . The encodings
// are concatenated in document order and cut into consecutive blocks of exactly L tokens; the tail
// shorter than L is dropped. So a block may start or end mid-document and hold several documents.
// Block b holds stream tokens [b*L, (b+1)*L). The result depends only on the corpus, the tokenizer
// and L, so several models with the same tokenizer see the very same blocks.
#include <ATen/core/Tensor.h>

#include <cstdint>

#include "hopscope/job_control.h"
#include "hopscope/text_corpus.h"
#include "hopscope/tokenizer.h"

namespace hopscope {

struct TokenBlocks {
  at::Tensor ids;             // int64 [N, L], CPU
  int64_t tokensUsed = 0;     // N * L
  // Tokens encoded but in no block: the tail remainder, or, when maxBlocks stopped the encoding
  // early, the part of the last encoded document past the last block.
  int64_t tokensDropped = 0;
  int64_t documentsEncoded = 0;  // documents read (all of them unless maxBlocks stopped early)
};

// Encodes documents until maxBlocks full blocks exist (maxBlocks = 0: the whole corpus).
// Throws Error when L < 2, maxBlocks < 0, or the corpus has fewer than L tokens
// ("the corpus has only K tokens, fewer than one block of L"). The caller checks L against the
// model's position table. The job's cancel is polled every 256 documents (a large corpus takes a
// while to encode).
TokenBlocks makeTokenBlocks(const TextCorpus& corpus, const Tokenizer& tokenizer,
                            int64_t blockLength, int64_t maxBlocks = 0, const JobControl& job = {});

}  // namespace hopscope
