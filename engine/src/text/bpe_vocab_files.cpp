#include "text/bpe_vocab_files.h"

#include "hopscope/error.h"
#include "hopscope/json_limits.h"
#include "hopscope/message_text.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <sstream>

namespace hopscope::bpe {

namespace {

std::string readWholeFile(const std::string& path, const char* role) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error(std::string("Cannot open the BPE ") + role + " '" + path + "': " + std::strerror(errno));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

size_t lineOfByte(const std::string& text, size_t byte) {
  byte = std::min(byte, text.size());
  return 1 + static_cast<size_t>(std::count(text.begin(), text.begin() + byte, '\n'));
}

}  // namespace

Vocabulary readVocabJson(const std::string& path) {
  const std::string text = readWholeFile(path, "vocabulary");
  nlohmann::json json;
  try {
    json = parseJsonLimited(text, "BPE vocabulary '" + path + "'");
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is one past the offending character.
    throw Error("BPE vocabulary '" + path + "' line " + std::to_string(lineOfByte(text, e.byte - 1)) +
                " is not valid JSON: " + e.what());
  }
  if (!json.is_object()) {
    throw Error("BPE vocabulary '" + path + "' must be a JSON object mapping token -> id, found a " +
                json.type_name());
  }
  Vocabulary vocabulary;
  vocabulary.ids.reserve(json.size());
  // The id table is sized by the largest id: ids must stay near the number of tokens the file
  // holds, so that one huge id cannot make a tiny file allocate gigabytes.
  const int64_t idLimit = static_cast<int64_t>(json.size()) + kMaxBpeIdGap;
  for (const auto& [token, id] : json.items()) {
    if (!id.is_number_integer() || (id.is_number_unsigned() && id.get<uint64_t>() > INT32_MAX) ||
        id.get<int64_t>() < 0 || id.get<int64_t>() > INT32_MAX) {
      throw Error("BPE vocabulary '" + path + "': token \"" + printable(token) + "\" has id " + jsonSnippet(id) +
                  "; ids must be non-negative integers");
    }
    if (id.get<int64_t>() >= idLimit) {
      throw Error("BPE vocabulary '" + path + "': token \"" + printable(token) + "\" has id " + jsonSnippet(id) +
                  ", but the file holds only " + std::to_string(json.size()) + " tokens (ids must be below " +
                  std::to_string(idLimit) + ")");
    }
    const int64_t value = id.get<int64_t>();
    if (static_cast<size_t>(value) >= vocabulary.tokens.size()) {
      vocabulary.tokens.resize(value + 1);
      vocabulary.present.resize(value + 1, 0);
    }
    if (vocabulary.present[value]) {
      throw Error("BPE vocabulary '" + path + "': tokens \"" + printable(vocabulary.tokens[value]) + "\" and \"" +
                  printable(token) + "\" both have id " + std::to_string(value));
    }
    vocabulary.tokens[value] = token;
    vocabulary.present[value] = 1;
    vocabulary.ids.emplace(token, value);
  }
  return vocabulary;
}

MergeTable readMerges(const std::string& path, const Vocabulary& vocabulary, const std::string& vocabPath) {
  const std::string text = readWholeFile(path, "merges file");
  MergeTable table;
  std::istringstream lines(text);
  std::string line;
  int32_t rank = 0;
  for (size_t lineNumber = 1; std::getline(lines, line); ++lineNumber) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (lineNumber == 1 && line.rfind("#version", 0) == 0) continue;
    if (line.empty()) continue;
    const std::string where = "BPE merges file '" + path + "' line " + std::to_string(lineNumber);
    const size_t space = line.find(' ');
    if (space == std::string::npos || space == 0 || space + 1 == line.size() ||
        line.find(' ', space + 1) != std::string::npos) {
      throw Error(where + ": expected two symbols separated by one space, found \"" + printable(line) + "\"");
    }
    const std::string left = line.substr(0, space), right = line.substr(space + 1);
    const auto idOf = [&](const std::string& symbol, const char* what) {
      const int64_t id = vocabulary.find(symbol);
      if (id < 0) {
        throw Error(where + ": the merge's " + what + " \"" + printable(symbol) + "\" is not in the vocabulary '" +
                    vocabPath + "'");
      }
      return id;
    };
    const int64_t leftId = idOf(left, "left part");
    const int64_t rightId = idOf(right, "right part");
    const int64_t mergedId = idOf(left + right, "result");
    table.add(leftId, rightId, rank++, mergedId);
  }
  return table;
}

}  // namespace hopscope::bpe
