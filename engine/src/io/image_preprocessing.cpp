#include "hopscope/image_preprocessing.h"

#include <cmath>
#include <nlohmann/json.hpp>

#include "hopscope/error.h"
#include "hopscope/json_limits.h"
#include "hopscope/message_text.h"

namespace hopscope {

using nlohmann::json;

namespace {

constexpr int64_t kMaxSide = 16384;  // pixels per side of a preprocessed image

int64_t side(const json& value, const std::string& source, const std::string& key) {
  if (!value.is_number_integer() || value.get<int64_t>() < 1 || value.get<int64_t>() > kMaxSide)
    throw Error(source + ": \"" + key + "\" must be an integer from 1 to " + std::to_string(kMaxSide) + ", found " +
                jsonSnippet(value));
  return value.get<int64_t>();
}

double number(const json& value, const std::string& source, const std::string& key) {
  if (!value.is_number() || !std::isfinite(value.get<double>()))
    throw Error(source + ": \"" + key + "\" must be a finite number, found " + jsonSnippet(value));
  return value.get<double>();
}

bool flag(const json& config, const char* key, bool fallback, const std::string& source) {
  if (!config.contains(key) || config[key].is_null()) return fallback;
  if (!config[key].is_boolean()) throw Error(source + ": \"" + key + "\" must be true or false");
  return config[key].get<bool>();
}

std::vector<double> triple(const json& value, const std::string& source, const std::string& key, bool positive) {
  std::vector<double> values;
  if (value.is_number()) values.assign(3, number(value, source, key));
  else if (value.is_array() && !value.empty() && value.size() <= 4)
    for (const json& item : value) values.push_back(number(item, source, key));
  else
    throw Error(source + ": \"" + key + "\" must be a number or a list of 1 to 4 numbers, found " + jsonSnippet(value));
  if (positive)
    for (double v : values)
      if (!(v > 0)) throw Error(source + ": \"" + key + "\" must be positive, found " + jsonSnippet(value));
  return values;
}

// PIL resampling codes as Hugging Face stores them.
std::string resampleName(const json& value, const std::string& source) {
  if (value.is_string()) {
    const std::string name = value.get<std::string>();
    if (name == "nearest" || name == "bilinear" || name == "bicubic") return name;
  } else if (value.is_number_integer()) {
    switch (value.get<int64_t>()) {
      case 0: return "nearest";
      case 2: return "bilinear";
      case 3: return "bicubic";
      default: break;
    }
  }
  throw Error(source + ": resampling " + jsonSnippet(value) +
              " is not supported (nearest = 0, bilinear = 2, bicubic = 3)");
}

}  // namespace

int64_t ImagePreprocessing::outputHeight() const {
  return centerCrop ? cropHeight : resize == Resize::Exact ? height : 0;
}
int64_t ImagePreprocessing::outputWidth() const {
  return centerCrop ? cropWidth : resize == Resize::Exact ? width : 0;
}

ImagePreprocessing defaultPreprocessing(int64_t imageSize) {
  ImagePreprocessing p;
  p.height = p.width = p.cropHeight = p.cropWidth = imageSize;
  p.source = "Hugging Face ViT defaults";
  return p;
}

ImagePreprocessing parsePreprocessorConfig(const json& config, const std::string& source,
                                           const ImagePreprocessing& defaults) {
  if (!config.is_object()) throw Error(source + ": expected a JSON object");
  ImagePreprocessing p = defaults;
  p.source = source;
  if (!flag(config, "do_resize", true, source)) p.resize = ImagePreprocessing::Resize::None;
  if (config.contains("size") && !config["size"].is_null() && p.resize != ImagePreprocessing::Resize::None) {
    const json& size = config["size"];
    if (size.is_number_integer()) {
      p.resize = ImagePreprocessing::Resize::Exact;
      p.height = p.width = side(size, source, "size");
    } else if (size.is_object() && size.contains("height") && size.contains("width")) {
      p.resize = ImagePreprocessing::Resize::Exact;
      p.height = side(size["height"], source, "size.height");
      p.width = side(size["width"], source, "size.width");
    } else if (size.is_object() && size.contains("shortest_edge")) {
      p.resize = ImagePreprocessing::Resize::ShortestEdge;
      p.height = p.width = side(size["shortest_edge"], source, "size.shortest_edge");
    } else {
      throw Error(source + ": \"size\" must be an integer, {height, width} or {shortest_edge}, found " +
                  jsonSnippet(size));
    }
  }
  if (config.contains("resample") && !config["resample"].is_null()) p.resample = resampleName(config["resample"], source);
  p.centerCrop = flag(config, "do_center_crop", false, source);
  if (p.centerCrop && config.contains("crop_size") && !config["crop_size"].is_null()) {
    const json& crop = config["crop_size"];
    if (crop.is_number_integer()) {
      p.cropHeight = p.cropWidth = side(crop, source, "crop_size");
    } else if (crop.is_object() && crop.contains("height") && crop.contains("width")) {
      p.cropHeight = side(crop["height"], source, "crop_size.height");
      p.cropWidth = side(crop["width"], source, "crop_size.width");
    } else {
      throw Error(source + ": \"crop_size\" must be an integer or {height, width}, found " + jsonSnippet(crop));
    }
  }
  p.rescale = flag(config, "do_rescale", true, source);
  if (config.contains("rescale_factor") && !config["rescale_factor"].is_null())
    p.rescaleFactor = number(config["rescale_factor"], source, "rescale_factor");
  p.normalize = flag(config, "do_normalize", true, source);
  if (config.contains("image_mean") && !config["image_mean"].is_null())
    p.mean = triple(config["image_mean"], source, "image_mean", false);
  if (config.contains("image_std") && !config["image_std"].is_null())
    p.std = triple(config["image_std"], source, "image_std", true);
  if (p.mean.size() != p.std.size())
    throw Error(source + ": \"image_mean\" and \"image_std\" have different lengths");
  return p;
}

ImagePreprocessing parseTimmPretrainedConfig(const json& config, const std::string& source, int64_t imageSize) {
  ImagePreprocessing p = defaultPreprocessing(imageSize);
  p.source = source + " pretrained_cfg";
  if (!config.is_object()) return p;
  int64_t size = imageSize;
  if (config.contains("input_size") && config["input_size"].is_array() && config["input_size"].size() == 3)
    size = side(config["input_size"][1], source, "pretrained_cfg.input_size");
  double cropPct = 0.875;  // timm's DEFAULT_CROP_PCT
  if (config.contains("crop_pct") && !config["crop_pct"].is_null())
    cropPct = number(config["crop_pct"], source, "pretrained_cfg.crop_pct");
  if (!(cropPct > 0 && cropPct <= 1)) throw Error(source + ": \"pretrained_cfg.crop_pct\" must be in (0, 1]");
  if (config.contains("crop_mode") && config["crop_mode"].is_string() && config["crop_mode"] != "center")
    throw Error(source + ": pretrained_cfg crop_mode " + jsonSnippet(config["crop_mode"]) +
                " is not supported (only \"center\")");
  if (config.contains("interpolation") && !config["interpolation"].is_null())
    p.resample = resampleName(config["interpolation"], source);
  p.resize = ImagePreprocessing::Resize::ShortestEdge;
  p.height = p.width = static_cast<int64_t>(std::floor(static_cast<double>(size) / cropPct));
  p.centerCrop = true;
  p.cropHeight = p.cropWidth = size;
  if (config.contains("mean") && !config["mean"].is_null()) p.mean = triple(config["mean"], source, "pretrained_cfg.mean", false);
  if (config.contains("std") && !config["std"].is_null()) p.std = triple(config["std"], source, "pretrained_cfg.std", true);
  return p;
}

}  // namespace hopscope
