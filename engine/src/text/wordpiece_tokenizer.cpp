// WordPiece over the words of bert::basicTokenize, framed as HF's BertTokenizer frames them.
#include "hopscope/wordpiece_tokenizer.h"

#include "hopscope/error.h"
#include "text/bert_basic_tokenizer.h"

#include <fstream>
#include <sstream>
#include <unordered_map>
#include <utf8proc.h>

namespace hopscope {
namespace {

constexpr const char* kContinuationPrefix = "##";
// The special tokens of bert-base-uncased's tokenizer.json. When spelled exactly like this inside
// the text they are taken as themselves (HF "added tokens"); "[mask]" is ordinary text.
constexpr const char* kSpecialSpellings[] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};

bool isValidUtf8(const std::string& text) {
  const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  size_t pos = 0;
  while (pos < text.size()) {
    utf8proc_int32_t cp = 0;
    const utf8proc_ssize_t used = utf8proc_iterate(bytes + pos, text.size() - pos, &cp);
    if (used <= 0 || cp < 0) return false;
    pos += static_cast<size_t>(used);
  }
  return true;
}

}  // namespace

struct WordPieceTokenizer::Impl {
  WordPieceOptions options;
  std::vector<std::string> tokens;                   // id -> spelling
  std::unordered_map<std::string, int64_t> ids;      // spelling -> id (last line wins, as in HF)
  std::vector<std::pair<std::string, int64_t>> specials;  // those of kSpecialSpellings present
  int64_t unk = -1, cls = -1, sep = -1, pad = -1, mask = -1;

  int64_t idOf(const std::string& token) const {
    const auto it = ids.find(token);
    return it == ids.end() ? -1 : it->second;
  }

  bool isSpecial(int64_t id) const {
    for (const auto& special : specials) {
      if (special.second == id) return true;
    }
    return false;
  }

  const std::string& spelling(int64_t id) const {
    if (id < 0 || id >= static_cast<int64_t>(tokens.size())) {
      throw Error("token id " + std::to_string(id) + " is outside the BERT vocabulary (ids 0.." +
                  std::to_string(tokens.size() - 1) + ")");
    }
    return tokens[static_cast<size_t>(id)];
  }

  // Greedy longest-match-first; a word that cannot be covered completely is one [UNK].
  void appendWordPieces(const std::string& word, std::vector<int64_t>& out) const {
    if (bert::countCodePoints(word) > options.maxInputCharsPerWord) {
      out.push_back(unk);
      return;
    }
    std::vector<int64_t> pieces;
    size_t start = 0;
    while (start < word.size()) {
      size_t end = word.size();
      int64_t found = -1;
      while (start < end) {
        const std::string_view piece(word.data() + start, end - start);
        const std::string candidate =
            start > 0 ? kContinuationPrefix + std::string(piece) : std::string(piece);
        found = idOf(candidate);
        if (found >= 0) break;
        end -= bert::lastCodePointBytes(piece);
      }
      if (found < 0) {
        out.push_back(unk);
        return;
      }
      pieces.push_back(found);
      start = end;
    }
    out.insert(out.end(), pieces.begin(), pieces.end());
  }

  void appendTextIds(std::string_view text, std::vector<int64_t>& out) const {
    for (const std::string& word : bert::basicTokenize(text, options)) appendWordPieces(word, out);
  }
};

WordPieceTokenizer::WordPieceTokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WordPieceTokenizer::~WordPieceTokenizer() = default;

std::unique_ptr<WordPieceTokenizer> WordPieceTokenizer::fromVocabFile(
    const std::string& path, const WordPieceOptions& options) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw Error("Cannot open BERT vocabulary file '" + path + "'");
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) throw Error("Cannot read BERT vocabulary file '" + path + "'");
  try {
    return fromVocabText(text.str(), options);
  } catch (const Error& e) {
    throw Error("BERT vocabulary file '" + path + "': " + e.what());
  }
}

std::unique_ptr<WordPieceTokenizer> WordPieceTokenizer::fromVocabText(
    const std::string& text, const WordPieceOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  size_t lineStart = 0;
  while (lineStart < text.size()) {  // a final newline does not start another token
    size_t lineEnd = text.find('\n', lineStart);
    if (lineEnd == std::string::npos) lineEnd = text.size();
    std::string token = text.substr(lineStart, lineEnd - lineStart);
    if (!token.empty() && token.back() == '\r') token.pop_back();  // CRLF files
    if (!isValidUtf8(token)) {
      throw Error("line " + std::to_string(impl->tokens.size() + 1) + " is not valid UTF-8");
    }
    impl->ids[token] = static_cast<int64_t>(impl->tokens.size());
    impl->tokens.push_back(std::move(token));
    lineStart = lineEnd + 1;
  }
  if (impl->tokens.empty()) throw Error("the vocabulary is empty (expected one token per line)");
  for (const char* spelling : kSpecialSpellings) {
    const int64_t id = impl->idOf(spelling);
    if (id >= 0) impl->specials.emplace_back(spelling, id);
  }
  impl->unk = impl->idOf("[UNK]");
  impl->cls = impl->idOf("[CLS]");
  impl->sep = impl->idOf("[SEP]");
  impl->pad = impl->idOf("[PAD]");
  impl->mask = impl->idOf("[MASK]");
  for (const char* required : {"[UNK]", "[CLS]", "[SEP]"}) {
    if (impl->idOf(required) < 0) {
      throw Error(std::string("the vocabulary has no ") + required +
                  " token (BERT needs [UNK], [CLS] and [SEP]; is this a BERT vocab.txt?)");
    }
  }
  return std::unique_ptr<WordPieceTokenizer>(new WordPieceTokenizer(std::move(impl)));
}

Encoding WordPieceTokenizer::encode(const std::string& text, bool addSpecialTokens) const {
  Encoding encoding;
  if (addSpecialTokens) encoding.ids.push_back(impl_->cls);
  // Cut the text at special tokens spelled out in it (leftmost match first), tokenize the rest.
  // Each special token's next occurrence is remembered and searched again only once the cut has
  // passed it: searching afresh after every cut is quadratic on text full of special tokens.
  const auto& specials = impl_->specials;
  std::vector<size_t> nextAt;
  for (const auto& special : specials) nextAt.push_back(text.find(special.first));
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t best = std::string::npos;
    const std::pair<std::string, int64_t>* bestSpecial = nullptr;
    for (size_t i = 0; i < specials.size(); ++i) {
      if (nextAt[i] != std::string::npos && nextAt[i] < pos) nextAt[i] = text.find(specials[i].first, pos);
      if (nextAt[i] < best) {
        best = nextAt[i];
        bestSpecial = &specials[i];
      }
    }
    const size_t segmentEnd = bestSpecial ? best : text.size();
    impl_->appendTextIds(std::string_view(text).substr(pos, segmentEnd - pos), encoding.ids);
    if (!bestSpecial) break;
    encoding.ids.push_back(bestSpecial->second);
    pos = best + bestSpecial->first.size();
  }
  if (addSpecialTokens) encoding.ids.push_back(impl_->sep);
  encoding.tokens.reserve(encoding.ids.size());
  for (int64_t id : encoding.ids) encoding.tokens.push_back(impl_->spelling(id));
  return encoding;
}

// HF convert_tokens_to_string: " ".join(tokens).replace(" ##", "").strip().
// skipSpecial drops every special token, [UNK] included, as HF's skip_special_tokens does.
std::string WordPieceTokenizer::decode(const std::vector<int64_t>& ids, bool skipSpecial) const {
  std::string joined;
  for (int64_t id : ids) {
    const std::string& token = impl_->spelling(id);
    if (skipSpecial && impl_->isSpecial(id)) continue;
    if (!joined.empty()) joined += ' ';
    joined += token;
  }
  std::string glued;
  glued.reserve(joined.size());
  for (size_t i = 0; i < joined.size();) {
    if (joined.compare(i, 3, " ##") == 0) {
      i += 3;
    } else {
      glued += joined[i++];
    }
  }
  const size_t first = glued.find_first_not_of(" \t\n\r");
  if (first == std::string::npos) return "";
  const size_t last = glued.find_last_not_of(" \t\n\r");
  return glued.substr(first, last - first + 1);
}

std::string WordPieceTokenizer::displayToken(int64_t id) const { return impl_->spelling(id); }
int64_t WordPieceTokenizer::vocabSize() const { return static_cast<int64_t>(impl_->tokens.size()); }
int64_t WordPieceTokenizer::tokenId(const std::string& token) const { return impl_->idOf(token); }
std::string WordPieceTokenizer::tokenString(int64_t id) const { return impl_->spelling(id); }

int64_t WordPieceTokenizer::clsId() const { return impl_->cls; }
int64_t WordPieceTokenizer::sepId() const { return impl_->sep; }
int64_t WordPieceTokenizer::padId() const { return impl_->pad; }
int64_t WordPieceTokenizer::maskId() const { return impl_->mask; }
int64_t WordPieceTokenizer::unkId() const { return impl_->unk; }

}  // namespace hopscope
