#pragma once
// JSON from files a user downloaded: nesting is checked in a first pass that builds nothing,
// before any value is built, copied, dumped or destroyed recursively (nlohmann's copy and dump
// recurse, so a file of a few hundred thousand '[' would overflow the stack).
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <string_view>

namespace hopscope {

// Deeper than any config.json, safetensors header or vocab.json needs (they use 1 to 3 levels).
constexpr int kMaxJsonDepth = 64;

// Called for every object key: depth 1 for the keys of the top-level object; `duplicate` when the
// enclosing object already had that key (a JSON object keeps only one value per key).
using JsonKeyVisitor = std::function<void(int depth, const std::string& key, bool duplicate)>;

// One pass over `text` that builds nothing: throws hopscope::Error("<source>: JSON nested deeper
// than 64 levels ...") on deep nesting, nlohmann::json::parse_error on a syntax error, and calls
// `visitKey`, when given, for every key.
void scanJson(std::string_view text, const std::string& source, const JsonKeyVisitor& visitKey = {});

// scanJson, then nlohmann::json::parse without a callback. (nlohmann's callback parser is not
// used: after every nested value it rescans the enclosing container, quadratic in its size.)
// parse_error is let through so callers word syntax errors their way (with a line number, say).
nlohmann::json parseJsonLimited(std::string_view text, const std::string& source);

// A JSON file read and parsed with parseJsonLimited: Error "<path>: cannot open<missingHint>" when
// it cannot be read, "<path>: invalid JSON: ..." on a syntax error.
nlohmann::json readJsonFileLimited(const std::string& path, const std::string& missingHint = "");

// A JSON value for an error message: its dump, cut to `maxChars` with "..." so that a huge value
// cannot turn a one-line message into megabytes.
std::string jsonSnippet(const nlohmann::json& value, size_t maxChars = 60);

}  // namespace hopscope
