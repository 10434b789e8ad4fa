#include "hopscope/normalizer_spec.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "hopscope/error.h"
#include "hopscope/message_text.h"

namespace hopscope {
namespace {

const char* kAccepted =
    "accepted: softmax, softmax1, softmax1-legacy, clipped:GAMMA:ZETA, "
    "clipped-softmax1:GAMMA:ZETA (GAMMA < 0, ZETA >= 1, e.g. clipped:-0.025:1)";

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string current;
  for (char c : text) {
    if (c == separator) {
      parts.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  parts.push_back(current);
  return parts;
}

double parseNumber(const std::string& text, const std::string& what, const std::string& spec) {
  size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (...) {
    used = 0;
  }
  if (text.empty() || used != text.size() || !std::isfinite(value))
    throw Error("normalizer '" + printable(spec) + "': " + what + " '" + printable(text) + "' is not a number; " + kAccepted);
  return value;
}

std::string formatNumber(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.10g", value);
  return buffer;
}

}  // namespace

std::string NormalizerSpec::toString() const {
  switch (kind) {
    case NormalizerKind::Softmax: return "softmax";
    case NormalizerKind::Softmax1: return "softmax1";
    case NormalizerKind::Softmax1Legacy: return "softmax1-legacy";
    case NormalizerKind::Clipped: return "clipped:" + formatNumber(gamma) + ":" + formatNumber(zeta);
    case NormalizerKind::ClippedSoftmax1:
      return "clipped-softmax1:" + formatNumber(gamma) + ":" + formatNumber(zeta);
  }
  return "softmax";
}

bool looksLikeNormalizer(const std::string& text) {
  const std::string name = split(text, ':').front();
  return name == "softmax" || name == "softmax1" || name == "softmax1-legacy" || name == "clipped" ||
         name == "clipped-softmax1";
}

NormalizerSpec parseNormalizer(const std::string& text) {
  const std::vector<std::string> parts = split(text, ':');
  const std::string& name = parts.front();
  NormalizerSpec spec;
  if (name == "softmax" || name == "softmax1" || name == "softmax1-legacy") {
    if (parts.size() != 1)
      throw Error("normalizer '" + printable(text) + "': " + name + " takes no parameters; " + kAccepted);
    spec.kind = name == "softmax"    ? NormalizerKind::Softmax
                : name == "softmax1" ? NormalizerKind::Softmax1
                                     : NormalizerKind::Softmax1Legacy;
    return spec;
  }
  if (name == "clipped" || name == "clipped-softmax1") {
    if (parts.size() != 3)
      throw Error("normalizer '" + printable(text) + "': " + name + " needs GAMMA and ZETA; " + kAccepted);
    spec.kind = name == "clipped" ? NormalizerKind::Clipped : NormalizerKind::ClippedSoftmax1;
    spec.gamma = parseNumber(parts[1], "GAMMA", text);
    spec.zeta = parseNumber(parts[2], "ZETA", text);
    if (spec.gamma >= 0)
      throw Error("normalizer '" + printable(text) + "': GAMMA must be negative (got " + printable(parts[1]) +
                  "), otherwise exact zeros cannot be reached");
    if (spec.zeta < 1)
      throw Error("normalizer '" + printable(text) + "': ZETA must be at least 1 (got " + printable(parts[2]) + ")");
    return spec;
  }
  throw Error("unknown normalizer '" + printable(text) + "'; " + kAccepted);
}

std::vector<std::string> normalizerPresets() {
  return {"softmax", "softmax1", "softmax1-legacy", "clipped:-0.025:1", "clipped:-0.0234375:1",
          "clipped:-1e-05:1", "clipped-softmax1:-0.025:1", "clipped-softmax1:-0.1:1.1"};
}

}  // namespace hopscope
