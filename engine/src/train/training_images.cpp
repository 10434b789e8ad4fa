#include "training_images.h"

#include <cmath>
#include <filesystem>

#include "hopscope/error.h"
#include "hopscope/image_data.h"

namespace hopscope {
namespace fs = std::filesystem;

TrainingImages readTrainingImages(const std::string& path, int64_t count) {
  std::error_code ec;
  if (fs::is_directory(path, ec))
    throw Error(path + ": training an image model reads an idx image file (e.g. Fashion-MNIST's "
                "train-images-idx3-ubyte.gz), not a folder");
  const std::string labelsPath = idxLabelsBeside(path);
  if (labelsPath.empty())
    throw Error(path + ": no labels-idx1 file beside it (training needs one label per image; name it as the "
                "images file with images-idx3 replaced by labels-idx1)");
  const IdxArray images = readIdxFile(path);
  TrainingImages read;
  read.images = idxImages(images, path, 0, count);
  const std::vector<int64_t> labels = idxLabels(readIdxFile(labelsPath), labelsPath);
  if (static_cast<int64_t>(labels.size()) != images.dims[0])
    throw Error(labelsPath + ": " + std::to_string(labels.size()) + " labels for the " + std::to_string(images.dims[0]) +
                " images of " + path);
  read.labels.assign(labels.begin(), labels.begin() + static_cast<std::ptrdiff_t>(read.images.size()));
  read.files = {path, labelsPath};
  const DecodedImage& first = read.images.front();
  if (first.width != first.height)
    throw Error(path + ": images of " + std::to_string(first.width) + " x " + std::to_string(first.height) +
                " pixels; a ViT is trained on square images");
  read.size = first.width;
  read.channels = first.channels;
  for (int64_t label : read.labels) read.classes = std::max(read.classes, label + 1);
  if (read.classes < 2) throw Error(labelsPath + ": fewer than two classes");
  return read;
}

nlohmann::json trainingPreprocessorConfig(const TrainingImages& read) {
  // Per-channel moments of the rescaled pixels, summed in double over every image.
  std::vector<double> sum(static_cast<size_t>(read.channels), 0.0), squares(sum);
  int64_t perChannel = 0;
  for (const DecodedImage& image : read.images) {
    for (size_t i = 0; i < image.pixels.size(); ++i) {
      const double value = image.pixels[i] / 255.0;
      sum[i % sum.size()] += value;
      squares[i % sum.size()] += value * value;
    }
    perChannel += image.width * image.height;
  }
  nlohmann::json mean = nlohmann::json::array(), std = nlohmann::json::array();
  for (size_t c = 0; c < sum.size(); ++c) {
    const double m = sum[c] / static_cast<double>(perChannel);
    const double variance = squares[c] / static_cast<double>(perChannel) - m * m;
    mean.push_back(m);
    std.push_back(std::sqrt(std::max(variance, 1e-12)));
  }
  return {{"image_processor_type", "ViTImageProcessor"},
          {"do_resize", true},
          {"size", {{"height", read.size}, {"width", read.size}}},
          {"resample", 2},
          {"do_rescale", true},
          {"rescale_factor", 1.0 / 255.0},
          {"do_normalize", true},
          {"image_mean", mean},
          {"image_std", std}};
}

}  // namespace hopscope
