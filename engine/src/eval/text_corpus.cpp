#include "hopscope/text_corpus.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

#include "hopscope/error.h"

namespace hopscope {
namespace {

namespace fs = std::filesystem;

class Fnv1a64 {
 public:
  void add(const std::string& bytes) {
    for (unsigned char byte : bytes) {
      hash_ ^= byte;
      hash_ *= 0x100000001b3ULL;
    }
  }
  std::string hex() const {
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash_));
    return std::string("fnv1a64:") + text;
  }

 private:
  uint64_t hash_ = 0xcbf29ce484222325ULL;
};

// Length of the valid UTF-8 sequence starting at text[i], or 0 (overlong forms, surrogates and
// code points above U+10FFFF are invalid, as in the Unicode standard's table 3-7).
size_t utf8SequenceLength(const std::string& text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (size_t k = 2; k < length; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return length;
}

bool isBlank(const std::string& line) {
  return std::all_of(line.begin(), line.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  });
}

std::string readWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open the text file for reading");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(path + ": read error");
  return bytes;
}

// Appends the non-blank lines of one file; throws on invalid UTF-8 naming the line.
void appendDocuments(const std::string& path, const std::string& bytes,
                     std::vector<std::string>& documents) {
  size_t start = 0, lineNumber = 1;
  if (bytes.compare(0, 3, "\xEF\xBB\xBF") == 0) start = 3;
  while (start <= bytes.size()) {
    size_t end = bytes.find('\n', start);
    if (end == std::string::npos) end = bytes.size();
    std::string line = bytes.substr(start, end - start);
    for (size_t i = 0; i < line.size();) {
      const size_t length = utf8SequenceLength(line, i);
      if (length == 0)
        throw Error(path + ": invalid UTF-8 at line " + std::to_string(lineNumber) + ", byte " +
                    std::to_string(i + 1) + " of the line");
      i += length;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!isBlank(line)) documents.push_back(std::move(line));
    if (end == bytes.size()) break;
    start = end + 1;
    ++lineNumber;
  }
}

std::vector<std::string> filesOf(const std::string& path) {
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (error || !fs::exists(status)) throw Error(path + ": no such file or directory");
  if (!fs::is_directory(status)) return {path};
  std::vector<std::string> files;
  fs::directory_iterator it(path, error);
  if (error) throw Error(path + ": cannot list the directory (" + error.message() + ")");
  for (const auto& entry : it) {
    if (entry.path().extension() == ".txt" && entry.is_regular_file(error))
      files.push_back(entry.path().string());
  }
  if (files.empty()) throw Error(path + ": the directory has no .txt files");
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

TextCorpus readTextCorpus(const std::string& path, uint64_t maxBytes) {
  TextCorpus corpus;
  corpus.path = path;
  corpus.files = filesOf(path);
  uint64_t sizes = 0;
  for (const auto& file : corpus.files) {
    std::error_code error;
    const auto size = fs::file_size(file, error);
    if (error) throw Error(file + ": cannot read the file size (" + error.message() + ")");
    sizes += size;
  }
  if (sizes > maxBytes)
    throw Error(path + ": " + std::to_string(sizes) + " bytes of text, more than the limit of " +
                std::to_string(maxBytes) + " bytes");
  Fnv1a64 hash;
  for (const auto& file : corpus.files) {
    const std::string bytes = readWholeFile(file);
    corpus.totalBytes += bytes.size();
    hash.add(bytes);
    appendDocuments(file, bytes, corpus.documents);
  }
  corpus.fingerprint = hash.hex();
  if (corpus.documents.empty()) throw Error(path + ": the text is empty (no non-blank line)");
  return corpus;
}

std::string corpusFingerprint(const std::string& bytes) {
  Fnv1a64 hash;
  hash.add(bytes);
  return hash.hex();
}

DataSource TextCorpus::source() const {
  DataSource data;
  data.path = path;
  data.files = files;
  data.bytes = static_cast<int64_t>(totalBytes);
  data.fingerprint = fingerprint;
  data.documents = static_cast<int64_t>(documents.size());
  return data;
}

}  // namespace hopscope
