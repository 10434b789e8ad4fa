#pragma once
// What the trainer reads for an image family (ViT): an idx image file such as Fashion-MNIST's, with
// the labels-idx1 file beside it, and the preprocessing the trained model will carry.
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hopscope/decoded_image.h"

namespace hopscope {

struct TrainingImages {
  std::vector<DecodedImage> images;
  std::vector<int64_t> labels;     // one per image
  std::vector<std::string> files;  // the image and label files (for the data hash)
  int64_t size = 0;                // square side in pixels
  int64_t channels = 0;
  int64_t classes = 0;             // 1 + the largest label
};

// The first `count` images (0: all) of an idx image file and their labels. Error naming the file
// for a folder or a single image (training reads idx files), non-square images, a missing labels
// file, or fewer labels than images.
TrainingImages readTrainingImages(const std::string& path, int64_t count = 0);

// preprocessor_config.json for a model trained on these images: no resize (the images' own size),
// rescale by 1/255, normalise by the images' per-channel mean and standard deviation.
nlohmann::json trainingPreprocessorConfig(const TrainingImages& images);

}  // namespace hopscope
