#pragma once
// Images as model inputs: preprocessing a decoded image into pixel values (image_preprocessing.h),
// reading idx files (MNIST / Fashion-MNIST, raw or gzip), listing an ImageFolder, and the labelled
// image set an evaluation runs on. The engine takes decoded pixels; PNG and JPEG decoding happens
// in the front ends (gui/imageio, Qt's QImage).
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "hopscope/decoded_image.h"
#include "hopscope/evaluation_settings.h"
#include "hopscope/image_preprocessing.h"

namespace hopscope {

// Float [channels, H, W]: resize (antialiased bilinear or bicubic when shrinking, as PIL), center
// crop, rescale, normalize per channel. A grey image feeds every channel of a 3-channel model.
// Error naming image.source for an empty (0 x 0) image, a pixel buffer of the wrong size, a
// channel count the model cannot take, or a resize to more than kMaxResizedPixels (a shortest-edge
// resize of a thin image, or a huge exact size, would otherwise allocate gigabytes).
constexpr int64_t kMaxResizedPixels = 2048 * 2048;
at::Tensor preprocessImage(const DecodedImage& image, const ImagePreprocessing& preprocessing, int64_t channels);

// An idx file (http://yann.lecun.com/exdb/mnist/): magic 0 0 <type> <rank>, big-endian u32 dims,
// then the values. Only unsigned bytes (type 0x08) are read; a ".gz" file is inflated first (at
// most kMaxIdxBytes). Sizes are claims: checked against the bytes present before anything is
// allocated; Error naming the file otherwise.
struct IdxArray {
  std::vector<int64_t> dims;
  std::vector<uint8_t> values;
};
constexpr int64_t kMaxIdxBytes = int64_t(1) << 30;
IdxArray readIdxFile(const std::string& path);

// `count` images (0: all) from `first` of an idx image file [N, H, W] (grey) or [N, H, W, C].
std::vector<DecodedImage> idxImages(const IdxArray& array, const std::string& path, int64_t first, int64_t count);
// Labels [N] of an idx label file.
std::vector<int64_t> idxLabels(const IdxArray& array, const std::string& path);
// The labels file beside an idx image file, as MNIST and Fashion-MNIST name them ("images-idx3"
// replaced by "labels-idx1"), or "" when there is none.
std::string idxLabelsBeside(const std::string& images);

// An ImageFolder: one subfolder per class, sorted by name (label = index), holding .png / .jpg /
// .jpeg files (sorted). Error when the folder has no class subfolder with images.
struct ImageFolderListing {
  std::vector<std::string> classes;
  std::vector<std::string> files;
  std::vector<int64_t> labels;
};
ImageFolderListing listImageFolder(const std::string& directory);

// What an image evaluation runs on: pixel values float [N, C, H, W] and labels int64 [N] (-1: none).
struct ImageSet {
  at::Tensor pixels, labels;
  std::vector<std::string> names;  // the source of each image
  DataSource source;
};
// Preprocesses every image (labels: one per image, or empty for unlabelled images).
ImageSet makeImageSet(const std::vector<DecodedImage>& images, const std::vector<int64_t>& labels,
                      const ImagePreprocessing& preprocessing, int64_t channels);

}  // namespace hopscope
