#pragma once
// The input text that shows one token of an evaluation block in a single run (LoadedModel::runText):
// how the GUI jumps from "module M's largest |x| sits at block 3, position 57" to the attention
// maps of that very block with that token as the query. The block's ids are decoded with their
// special tokens spelled out ([SEP], [CLS], </s> mid-block), so encoding the text again gives the
// block back; the run's own framing ([CLS] … [SEP], </s> …) replaces the block's first and last ids
// when they are that framing. Callers pass the block as read, before masked-LM masking: a masked
// block does not survive as text (WordPiece cannot spell a "##" piece after [MASK] or a random
// replacement glued to a word), and the run shows the model on the text itself.
// Torch-free: part of the analysis result.
#include <cstdint>
#include <string>
#include <vector>

namespace hopscope {

class Tokenizer;

struct TokenContext {
  std::string text;    // what to run; empty when there is no context (image models, no location)
  int64_t token = -1;  // the token's index among the run's tokens (framing included)
  // The run's tokens are the block's (possibly cut to the position table) and `token` is the very
  // token; false when the decoded text encodes differently (e.g. a block cut mid-word): `token` is
  // then the nearest run token with the same id, or the expected index.
  bool exact = false;
  int64_t id = -1;  // the block's id at the token (the run's id at `token` when exact)
};

// blockIds: one block as the model saw it; token: an index into it; maxPositions: the model's
// position table (the run's tokens, framing included, must fit: the block is cut around `token`).
TokenContext tokenContext(const Tokenizer& tokenizer, const std::vector<int64_t>& blockIds, int64_t token,
                          int64_t maxPositions);

}  // namespace hopscope
