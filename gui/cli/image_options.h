#pragma once
// The image-source options analyze, quantize and report share, worded once.
#include <CLI/CLI.hpp>

#include <string>

namespace hopscope::cli {

// --images and --labels; with calibImages / calibLabels also --calib-images and --calib-labels.
void addImageOptions(CLI::App& command, std::string& images, std::string& labels,
                     std::string* calibImages = nullptr, std::string* calibLabels = nullptr);

}  // namespace hopscope::cli
