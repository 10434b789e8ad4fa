#pragma once
// How an image becomes a model's pixel values (science.md section 4): resize, center crop, rescale,
// normalize, as Hugging Face's preprocessor_config.json or timm's pretrained_cfg describes it.
// Torch-free: the settings are part of a model's description; image_data.h applies them.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace hopscope {

struct ImagePreprocessing {
  enum class Resize { None, Exact, ShortestEdge };
  Resize resize = Resize::Exact;
  int64_t height = 224, width = 224;  // Exact: the output size; ShortestEdge: height is the edge
  std::string resample = "bilinear";  // "nearest" | "bilinear" | "bicubic" (antialiased when shrinking, as PIL)
  bool centerCrop = false;
  int64_t cropHeight = 224, cropWidth = 224;
  bool rescale = true;
  double rescaleFactor = 1.0 / 255.0;
  bool normalize = true;
  std::vector<double> mean{0.5, 0.5, 0.5}, std{0.5, 0.5, 0.5};
  std::string source = "defaults";  // where these settings came from, for messages and results

  // The (height, width) the settings produce.
  int64_t outputHeight() const;
  int64_t outputWidth() const;
};

// Hugging Face's defaults for a ViT of this input size: resize to size x size (bilinear), scale
// 1/255, mean = std = 0.5.
ImagePreprocessing defaultPreprocessing(int64_t imageSize);

// Reads a preprocessor_config.json object (do_resize, size {height, width} or {shortest_edge},
// resample (PIL code), do_center_crop, crop_size, do_rescale, rescale_factor, do_normalize,
// image_mean, image_std) over `defaults`. Error naming `source` and the key on a bad value.
ImagePreprocessing parsePreprocessorConfig(const nlohmann::json& config, const std::string& source,
                                           const ImagePreprocessing& defaults);

// timm's pretrained_cfg (input_size, interpolation, crop_pct, crop_mode, mean, std): resize the
// shortest edge to floor(size / crop_pct), then center crop size x size, as timm's eval transform.
ImagePreprocessing parseTimmPretrainedConfig(const nlohmann::json& config, const std::string& source,
                                             int64_t imageSize);

}  // namespace hopscope
