#pragma once
// A text corpus for evaluation: one UTF-8 file, or every *.txt file of a directory.
// A document is one line; empty and whitespace-only lines are skipped (Hugging Face run_mlm's
// line filter). Reports name the corpus by its file list, byte count and fingerprint.
#include <cstdint>
#include <string>
#include <vector>

#include "hopscope/evaluation_settings.h"

namespace hopscope {

struct TextCorpus {
  std::string path;                    // as given
  std::vector<std::string> files;      // the files read, in reading order
  std::vector<std::string> documents;  // non-blank lines, '\r' and a leading UTF-8 BOM removed
  uint64_t totalBytes = 0;             // bytes of all files
  // "fnv1a64:" + 16 lower-case hex digits: 64-bit FNV-1a (offset 0xcbf29ce484222325, prime
  // 0x100000001b3) over the raw bytes of every file, concatenated in reading order.
  std::string fingerprint;

  DataSource source() const;  // the identity results record
};

constexpr uint64_t kDefaultCorpusMaxBytes = uint64_t{512} << 20;

// PATH is a file, or a directory whose *.txt files (not recursive) are read sorted by name.
// Throws Error naming the path when it is missing or unreadable, when a directory has no .txt file,
// when the files together exceed maxBytes, when a file is not valid UTF-8 (with the line number),
// or when there is no non-blank line at all.
TextCorpus readTextCorpus(const std::string& path, uint64_t maxBytes = kDefaultCorpusMaxBytes);

// The fingerprint string of some bytes (the format above).
std::string corpusFingerprint(const std::string& bytes);

}  // namespace hopscope
