// Writes a trained tokenizer as the files loadTokenizer reads (tokenizer_files.h).
#include "hopscope/tokenizer_training.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "hopscope/atomic_file.h"
#include "hopscope/error.h"

namespace hopscope {
namespace fs = std::filesystem;

void trainTokenizer(TokenizerKind kind, const TextCorpus& corpus, int64_t vocabSize, const std::string& folder,
                    const JobControl& job) {
  // Train first: a failed or cancelled training leaves the folder as it was.
  std::vector<std::pair<std::string, std::string>> files;  // name, contents
  if (kind == TokenizerKind::WordPiece) {
    std::string lines;
    for (const std::string& token : trainWordPiece(corpus, vocabSize, job)) lines += token + "\n";
    files = {{"vocab.txt", lines}, {"tokenizer_config.json", nlohmann::json{{"do_lower_case", true}}.dump() + "\n"}};
  } else if (kind == TokenizerKind::BytePairEncoding) {
    const BpeVocabulary vocabulary = trainBytePairEncoding(corpus, vocabSize, job);
    nlohmann::ordered_json ids = nlohmann::ordered_json::object();  // in id order, as GPT-2's file
    for (size_t id = 0; id < vocabulary.tokens.size(); ++id) ids[vocabulary.tokens[id]] = id;
    std::string merges = "#version: 0.2\n";
    for (const auto& [left, right] : vocabulary.merges) merges += left + " " + right + "\n";
    files = {{"vocab.json", ids.dump() + "\n"}, {"merges.txt", merges}};
  } else {
    throw Error("cannot train a tokenizer of kind '" + tokenizerKindName(kind) + "'");
  }

  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) throw Error(folder + ": cannot create the folder: " + ec.message());
  for (const auto& [name, contents] : files) writeFileAtomically((fs::path(folder) / name).string(), contents);
}

}  // namespace hopscope
