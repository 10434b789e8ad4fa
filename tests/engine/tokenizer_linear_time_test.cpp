// Tokenization takes time linear in the text, also on adversarial text: 1 MB built from special
// tokens and their look-alikes encodes within 3x the time of 1 MB of prose (the bundled Moby-Dick).
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "hopscope/bpe_tokenizer.h"
#include "hopscope/wordpiece_tokenizer.h"

using namespace hopscope;

namespace {

const std::string kResources = HOPSCOPE_RESOURCES_DIR;
constexpr size_t kBytes = 1 << 20;

// AddressSanitizer makes every allocation dearer, and the adversarial inputs allocate more per
// byte than cached prose words: the ratios below hold in a normal build; the sanitizer build (CI)
// gets twice the room, which still tells linear from quadratic (minutes, not seconds).
#if defined(__SANITIZE_ADDRESS__)
constexpr double kSlack = 2.0;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr double kSlack = 2.0;
#else
constexpr double kSlack = 1.0;
#endif
#else
constexpr double kSlack = 1.0;
#endif

std::string prose() {
  std::ifstream file(kResources + "/corpora/moby-dick.txt", std::ios::binary);
  std::stringstream text;
  text << file.rdbuf();
  std::string all = text.str();
  all.resize(std::min(all.size(), kBytes));
  size_t cut = all.size();  // end on a whole UTF-8 character
  while (cut > 0 && (static_cast<unsigned char>(all[cut - 1]) & 0xC0) == 0x80) --cut;
  if (cut > 0 && static_cast<unsigned char>(all[cut - 1]) >= 0xC0) --cut;
  all.resize(cut);
  return all;
}

std::string repeatTo(const std::string& unit) {
  std::string text;
  while (text.size() + unit.size() <= kBytes) text += unit;
  return text;
}

template <class Tokenizer>
double secondsToEncode(const Tokenizer& tokenizer, const std::string& text) {
  const auto start = std::chrono::steady_clock::now();
  const auto encoding = tokenizer.encode(text);
  EXPECT_FALSE(encoding.ids.empty());
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST(TokenizerLinearTimeTest, WordPieceOnSpecialTokenLookAlikes) {
  const auto tokenizer =
      WordPieceTokenizer::fromVocabFile(kResources + "/tokenizers/bert-base-uncased/vocab.txt", WordPieceOptions{});
  const std::string text = prose();
  const double reference = secondsToEncode(*tokenizer, text);
  // Real special tokens between look-alikes of the others: each cut used to search the rest of
  // the text again for every special token.
  for (const std::string unit : {"[CLS][MASK", "[SEP][PAD[UNK", "[CLS]", "[[[[MASK]"}) {
    const double adversarial = secondsToEncode(*tokenizer, repeatTo(unit));
    EXPECT_LT(adversarial, 3 * kSlack * reference) << unit << ": " << adversarial << " s vs " << reference << " s for prose";
  }
}

TEST(TokenizerLinearTimeTest, BytePairEncodingOnAdversarialText) {
  BpeOptions options;
  options.bosToken = "<|endoftext|>";
  options.specialTokens = {"<|endoftext|>"};
  const auto tokenizer = BpeTokenizer::fromFiles(kResources + "/tokenizers/gpt2/vocab.json",
                                                 kResources + "/tokenizers/gpt2/merges.txt", options);
  const std::string text = prose();
  const double reference = secondsToEncode(*tokenizer, text);
  for (const std::string unit : {"<|endoftext|><|endoftext|", "<|endoftext|>", " ", "'s'", "1 "}) {
    const double adversarial = secondsToEncode(*tokenizer, repeatTo(unit));
    EXPECT_LT(adversarial, 3 * kSlack * reference) << unit << ": " << adversarial << " s vs " << reference << " s for prose";
  }
  // One 1 MB word: prose words repeat and come from the word cache, this one is merged once by the
  // heap (n log n), about 3.5x prose here; quadratic merging would take minutes.
  for (const std::string unit : {"a", "\xe2\x80\x94"}) {
    const double adversarial = secondsToEncode(*tokenizer, repeatTo(unit));
    EXPECT_LT(adversarial, 6 * kSlack * reference) << unit << ": " << adversarial << " s vs " << reference << " s for prose";
  }
}

}  // namespace
