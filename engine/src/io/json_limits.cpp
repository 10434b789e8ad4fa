#include "hopscope/json_limits.h"

#include <fstream>
#include <set>
#include <sstream>
#include <vector>

#include "hopscope/error.h"

namespace hopscope {
namespace {

using Json = nlohmann::json;

void checkJsonDepth(size_t depth, const std::string& source) {
  if (depth >= kMaxJsonDepth)
    throw Error(source + ": JSON nested deeper than " + std::to_string(kMaxJsonDepth) +
                " levels (not a file hopscope reads)");
}

// A SAX handler that keeps only what the checks need: the depth and, when keys are visited, the
// keys of each open object (memory bounded by the input).
class StructureCheck : public nlohmann::json_sax<Json> {
 public:
  StructureCheck(const std::string& source, const JsonKeyVisitor& visitKey)
      : source_(source), visitKey_(visitKey) {}

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override {
    open(true);
    return true;
  }
  bool key(string_t& key) override {
    if (visitKey_) {
      const bool duplicate = !keys_.back().insert(key).second;
      visitKey_(static_cast<int>(isObject_.size()), key, duplicate);
    }
    return true;
  }
  bool end_object() override {
    close();
    return true;
  }
  bool start_array(std::size_t) override {
    open(false);
    return true;
  }
  bool end_array() override {
    close();
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& error) override {
    if (const auto* parseError = dynamic_cast<const Json::parse_error*>(&error)) throw *parseError;
    // The other errors a parse reports (a number out of range, 406) are no parse_error: word them
    // here, without nlohmann's "[json.exception...]" prefix.
    std::string detail = error.what();
    const size_t bracket = detail.find("] ");
    if (bracket != std::string::npos) detail = detail.substr(bracket + 2);
    throw Error(source_ + ": invalid JSON: " + detail);
  }

 private:
  void open(bool object) {
    checkJsonDepth(isObject_.size(), source_);
    isObject_.push_back(object);
    if (object && visitKey_) keys_.emplace_back();
  }
  void close() {
    if (isObject_.back() && visitKey_) keys_.pop_back();
    isObject_.pop_back();
  }

  const std::string& source_;
  const JsonKeyVisitor& visitKey_;
  std::vector<bool> isObject_;               // the open containers
  std::vector<std::set<std::string>> keys_;  // keys of each open object, when visited
};

}  // namespace

void scanJson(std::string_view text, const std::string& source, const JsonKeyVisitor& visitKey) {
  StructureCheck check(source, visitKey);
  Json::sax_parse(text.begin(), text.end(), &check);
}

nlohmann::json parseJsonLimited(std::string_view text, const std::string& source) {
  scanJson(text, source);
  return Json::parse(text.begin(), text.end());
}

std::string jsonSnippet(const nlohmann::json& value, size_t maxChars) {
  // Values reaching here were parsed with the depth limit, so dump() recursion is bounded.
  std::string text = value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (text.size() > maxChars) text = text.substr(0, maxChars) + "...";
  return text;
}

nlohmann::json readJsonFileLimited(const std::string& path, const std::string& missingHint) {
  std::ifstream file(path);
  if (!file) throw Error(path + ": cannot open" + missingHint);
  std::stringstream text;
  text << file.rdbuf();
  try {
    return parseJsonLimited(text.str(), path);
  } catch (const nlohmann::json::parse_error& error) {
    throw Error(path + ": invalid JSON: " + error.what());
  }
}

}  // namespace hopscope
