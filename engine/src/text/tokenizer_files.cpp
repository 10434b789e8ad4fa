#include "hopscope/tokenizer_files.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "hopscope/bpe_tokenizer.h"
#include "hopscope/error.h"
#include "hopscope/json_limits.h"
#include "hopscope/wordpiece_tokenizer.h"

namespace hopscope {
namespace fs = std::filesystem;

namespace {

// tokenizer_config.json's do_lower_case (Hugging Face's BertTokenizer default: true).
bool readLowerCase(const fs::path& directory) {
  const fs::path path = directory / "tokenizer_config.json";
  std::ifstream file(path);
  if (!file) return true;
  nlohmann::json config;
  try {
    std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    config = parseJsonLimited(text, path.string());
  } catch (const nlohmann::json::parse_error& error) {
    throw Error(path.string() + ": invalid JSON: " + error.what());
  }
  if (config.contains("do_lower_case") && config["do_lower_case"].is_boolean())
    return config["do_lower_case"].get<bool>();
  return true;
}

}  // namespace

std::string tokenizerKindName(TokenizerKind kind) {
  switch (kind) {
    case TokenizerKind::WordPiece: return "wordpiece";
    case TokenizerKind::BytePairEncoding: return "bpe";
    case TokenizerKind::None: break;
  }
  return "none";
}

LoadedTokenizer loadTokenizer(const std::string& directory, const TokenizerSpec& spec, int64_t vocabSize) {
  const TokenizerKind kind = spec.kind;
  LoadedTokenizer loaded;
  const fs::path folder(directory);
  std::error_code ec;
  if (kind == TokenizerKind::WordPiece && fs::exists(folder / "vocab.txt", ec)) {
    WordPieceOptions options;
    options.lowerCase = readLowerCase(folder);
    options.stripAccents = options.lowerCase;
    loaded.tokenizer = WordPieceTokenizer::fromVocabFile((folder / "vocab.txt").string(), options);
    loaded.kind = kind;
  } else if (kind == TokenizerKind::BytePairEncoding && fs::exists(folder / "vocab.json", ec) &&
             fs::exists(folder / "merges.txt", ec)) {
    BpeOptions options;
    options.bosToken = spec.startToken;
    options.specialTokens = spec.specialTokens;
    loaded.tokenizer = BpeTokenizer::fromFiles((folder / "vocab.json").string(),
                                               (folder / "merges.txt").string(), options);
    loaded.kind = kind;
  }
  if (loaded.tokenizer && loaded.tokenizer->vocabSize() > vocabSize)
    throw Error(directory + ": the tokenizer has " + std::to_string(loaded.tokenizer->vocabSize()) +
                " tokens but the model's vocab_size is " + std::to_string(vocabSize) +
                " (tokenizer files from another model?)");
  return loaded;
}

}  // namespace hopscope
