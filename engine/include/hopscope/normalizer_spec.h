#pragma once
// Which function turns a row of attention scores into weights (science.md section 2), as named in
// the MODEL argument: softmax, softmax1, softmax1-legacy, clipped:GAMMA:ZETA,
// clipped-softmax1:GAMMA:ZETA. Torch-free so front ends can validate specs cheaply.
#include <string>
#include <vector>

namespace hopscope {

enum class NormalizerKind { Softmax, Softmax1, Softmax1Legacy, Clipped, ClippedSoftmax1 };

struct NormalizerSpec {
  NormalizerKind kind = NormalizerKind::Softmax;
  double gamma = 0.0;  // clipped kinds only: lower stretch, < 0
  double zeta = 1.0;   // clipped kinds only: upper stretch, >= 1

  bool isClipped() const {
    return kind == NormalizerKind::Clipped || kind == NormalizerKind::ClippedSoftmax1;
  }
  // Canonical text, e.g. "softmax1", "clipped:-0.025:1"; parseNormalizer(toString()) round-trips.
  std::string toString() const;
  bool operator==(const NormalizerSpec& other) const {
    return kind == other.kind && gamma == other.gamma && zeta == other.zeta;
  }
};

// Throws Error with the accepted forms on a bad spec (unknown name, missing or non-numeric
// GAMMA/ZETA, gamma >= 0 or zeta < 1, extra fields).
NormalizerSpec parseNormalizer(const std::string& text);

// True when text names a normalizer kind (used to split PATH@NORMALIZER).
bool looksLikeNormalizer(const std::string& text);

// Presets offered in menus, with the papers' clipping parameters.
std::vector<std::string> normalizerPresets();

}  // namespace hopscope
