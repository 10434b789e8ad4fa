#pragma once
// The bundled resources folder (corpora, tokenizers) that lets analyze and quantize (CLI and GUI)
// run without user data. Looked up as: $HOPSCOPE_RESOURCES if set; else the source tree's resources folder
// (compile definition HOPSCOPE_RESOURCES_DIR); else <folder of the executable>/../share/hopscope/resources.
#include <string>
#include <vector>

namespace hopscope {

struct BundledFile {
  std::string path;                // the file that is used, or the first path tried when none exists
  std::vector<std::string> tried;  // every path looked at, in order
  bool found = false;
  bool fromEnvironment = false;    // HOPSCOPE_RESOURCES decided the folder
};

// Where RELATIVE (e.g. "corpora/moby-dick-eval.txt") is in the bundled folder; never throws.
BundledFile findBundledFile(const std::string& relative);

// The path of RELATIVE, or throws Error naming every path tried and the OPTION that avoids it.
std::string requireBundledFile(const std::string& relative, const std::string& option);

// "default: PATH" for a --help line; "(not found)" is added when no candidate exists.
std::string bundledDefaultNote(const std::string& relative);

// The bundled held-out evaluation text and the calibration/training text (disjoint chapters).
inline constexpr const char* kBundledEvalText = "corpora/moby-dick-eval.txt";
inline constexpr const char* kBundledTrainText = "corpora/moby-dick-train.txt";

}  // namespace hopscope
