#include "hopscope/bpe_tokenizer.h"

#include "hopscope/error.h"
#include "text/bpe_byte_alphabet.h"
#include "text/bpe_merge_table.h"
#include "text/bpe_pretokenizer.h"
#include "text/bpe_utf8.h"
#include "text/bpe_vocab_files.h"

#include <algorithm>
#include <array>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>
#include <unordered_set>

namespace hopscope {

namespace {

// Words are short and repeat (Zipf): caching their ids skips most BPE work. Bounded so that
// an endless stream of new words cannot grow memory without limit; long pieces are not cached.
constexpr size_t kCacheCapacity = 200000;
constexpr size_t kLongestCachedPiece = 128;

struct SpecialToken {
  std::string text;
  int64_t id;
};

}  // namespace

struct BpeTokenizer::Impl {
  std::string vocabPath;
  bpe::Vocabulary vocabulary;
  bpe::MergeTable merges;
  const bpe::PreTokenizer& preTokenizer = bpe::sharedPreTokenizer();
  std::array<int64_t, 256> byteIds{};  // id of each byte's one-character token, -1 if absent
  int64_t unknownId = -1;              // "<unk>" when the vocabulary has it
  int64_t bosId = -1;
  std::vector<SpecialToken> specials;  // longest first: the longest wins where two start together
  std::unordered_set<int64_t> specialIds;

  mutable std::shared_mutex cacheMutex;
  mutable std::unordered_map<std::string, std::vector<int64_t>> cache;

  void encodeOrdinaryText(std::string_view text, std::vector<int64_t>& ids) const;
  void encodePiece(std::string_view piece, std::vector<int64_t>& ids) const;
  std::vector<int64_t> bytePairEncode(std::string_view piece) const;
  void checkId(int64_t id) const;
};

BpeTokenizer::BpeTokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
BpeTokenizer::~BpeTokenizer() = default;

std::unique_ptr<BpeTokenizer> BpeTokenizer::fromFiles(const std::string& vocabJsonPath,
                                                      const std::string& mergesPath,
                                                      const BpeOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->vocabPath = vocabJsonPath;
  impl->vocabulary = bpe::readVocabJson(vocabJsonPath);
  impl->merges = bpe::readMerges(mergesPath, impl->vocabulary, vocabJsonPath);
  for (int byte = 0; byte < 256; ++byte) {
    impl->byteIds[byte] = impl->vocabulary.find(bpe::byteAlphabet().symbol(static_cast<uint8_t>(byte)));
  }
  impl->unknownId = impl->vocabulary.find("<unk>");

  const auto requireToken = [&](const std::string& token, const char* role) {
    if (token.empty()) throw Error(std::string("BPE tokenizer: the ") + role + " is an empty string");
    const int64_t id = impl->vocabulary.find(token);
    if (id < 0) {
      throw Error(std::string("BPE tokenizer: the ") + role + " \"" + token +
                  "\" is not in the vocabulary '" + vocabJsonPath +
                  "' (GPT-2's own vocabulary has only \"<|endoftext|>\": set BpeOptions accordingly)");
    }
    return id;
  };
  for (const std::string& token : options.specialTokens) {
    const int64_t id = requireToken(token, "special token");
    impl->specials.push_back({token, id});
    impl->specialIds.insert(id);
  }
  std::stable_sort(impl->specials.begin(), impl->specials.end(),
                   [](const SpecialToken& a, const SpecialToken& b) { return a.text.size() > b.text.size(); });
  if (!options.bosToken.empty()) {
    impl->bosId = requireToken(options.bosToken, "beginning-of-sequence token");
    impl->specialIds.insert(impl->bosId);
  }
  return std::unique_ptr<BpeTokenizer>(new BpeTokenizer(std::move(impl)));
}

Encoding BpeTokenizer::encode(const std::string& text, bool addSpecialTokens) const {
  const size_t invalid = bpe::firstInvalidUtf8(text);
  if (invalid != std::string::npos) {
    throw Error("BPE tokenizer: the text is not valid UTF-8 (byte " + std::to_string(invalid) + " of " +
                std::to_string(text.size()) + ")");
  }
  Encoding encoding;
  if (addSpecialTokens && impl_->bosId >= 0) encoding.ids.push_back(impl_->bosId);

  // Special tokens are cut out verbatim first; only the text between them is pre-tokenized.
  const std::string_view all(text);
  const auto& specials = impl_->specials;
  std::vector<size_t> nextAt;  // next occurrence of each special token at or after `start`
  for (const SpecialToken& special : specials) nextAt.push_back(all.find(special.text));
  size_t start = 0;
  while (start < all.size()) {
    size_t bestAt = std::string_view::npos;
    const SpecialToken* best = nullptr;
    for (size_t i = 0; i < specials.size(); ++i) {
      if (nextAt[i] != std::string_view::npos && nextAt[i] < start) {
        nextAt[i] = all.find(specials[i].text, start);
      }
      if (nextAt[i] < bestAt) {  // strict: on a tie the earlier (longer) token stays
        bestAt = nextAt[i];
        best = &specials[i];
      }
    }
    impl_->encodeOrdinaryText(all.substr(start, bestAt - start), encoding.ids);
    if (best == nullptr) break;
    encoding.ids.push_back(best->id);
    start = bestAt + best->text.size();
  }

  encoding.tokens.reserve(encoding.ids.size());
  for (const int64_t id : encoding.ids) encoding.tokens.push_back(impl_->vocabulary.tokens[id]);
  return encoding;
}

void BpeTokenizer::Impl::encodeOrdinaryText(std::string_view text, std::vector<int64_t>& ids) const {
  if (text.empty()) return;
  for (const std::string_view piece : preTokenizer.split(text)) encodePiece(piece, ids);
}

void BpeTokenizer::Impl::encodePiece(std::string_view piece, std::vector<int64_t>& ids) const {
  const bool cacheable = piece.size() > 1 && piece.size() <= kLongestCachedPiece;
  if (cacheable) {
    std::shared_lock lock(cacheMutex);
    const auto it = cache.find(std::string(piece));
    if (it != cache.end()) {
      ids.insert(ids.end(), it->second.begin(), it->second.end());
      return;
    }
  }
  std::vector<int64_t> pieceIds = bytePairEncode(piece);
  for (int64_t& id : pieceIds) {
    if (id >= 0) continue;
    if (unknownId < 0) {
      throw Error("BPE tokenizer: the text contains a byte that the vocabulary '" + vocabPath +
                  "' has no token for, and the vocabulary has no \"<unk>\" (in \"" +
                  bpe::decodeUtf8Lossy(piece) + "\")");
    }
    id = unknownId;
  }
  ids.insert(ids.end(), pieceIds.begin(), pieceIds.end());
  if (cacheable) {
    std::unique_lock lock(cacheMutex);
    if (cache.size() < kCacheCapacity) cache.emplace(std::string(piece), std::move(pieceIds));
  }
}

std::vector<int64_t> BpeTokenizer::Impl::bytePairEncode(std::string_view piece) const {
  std::vector<int64_t> ids;
  ids.reserve(piece.size());
  for (const char c : piece) ids.push_back(byteIds[static_cast<uint8_t>(c)]);
  merges.apply(ids);
  return ids;
}

void BpeTokenizer::Impl::checkId(int64_t id) const {
  if (id < 0 || id >= static_cast<int64_t>(vocabulary.tokens.size()) || !vocabulary.present[id]) {
    throw Error("BPE tokenizer: token id " + std::to_string(id) + " is not in the vocabulary '" + vocabPath +
                "' (" + std::to_string(vocabulary.ids.size()) + " tokens)");
  }
}

std::string BpeTokenizer::decode(const std::vector<int64_t>& ids, bool skipSpecial) const {
  std::string bytes;
  std::string text;
  for (const int64_t id : ids) {
    impl_->checkId(id);
    const std::string& token = impl_->vocabulary.tokens[id];
    if (impl_->specialIds.count(id) != 0) {
      if (skipSpecial) continue;
      // Special tokens are text, not byte spellings: flush the pending bytes, then copy verbatim.
      text += bpe::decodeUtf8Lossy(bytes);
      bytes.clear();
      text += token;
      continue;
    }
    bpe::byteAlphabet().appendBytes(token, bytes);
  }
  return text + bpe::decodeUtf8Lossy(bytes);
}

std::string BpeTokenizer::displayToken(int64_t id) const {
  impl_->checkId(id);
  const std::string& token = impl_->vocabulary.tokens[id];
  if (impl_->specialIds.count(id) != 0) return token;
  std::string bytes;
  bpe::byteAlphabet().appendBytes(token, bytes);
  std::string label;
  for (const char c : bpe::decodeUtf8Lossy(bytes)) {
    switch (c) {
      case ' ': label += "\u2423"; break;   // ␣
      case '\n': label += "\u21B5"; break;  // ↵
      case '\t': label += "\u2192"; break;  // →
      case '\r': label += "\u240D"; break;  // ␍
      default: label += c;
    }
  }
  return label;
}

int64_t BpeTokenizer::vocabSize() const { return static_cast<int64_t>(impl_->vocabulary.tokens.size()); }

int64_t BpeTokenizer::tokenId(const std::string& token) const { return impl_->vocabulary.find(token); }

std::string BpeTokenizer::tokenString(int64_t id) const {
  impl_->checkId(id);
  return impl_->vocabulary.tokens[id];
}

}  // namespace hopscope
