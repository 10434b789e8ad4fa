#include "hopscope/image_data.h"

#include <ATen/ATen.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "hopscope/error.h"

namespace hopscope {
namespace fs = std::filesystem;

namespace {

bool endsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// The whole file, or for ".gz" its inflated content; never more than kMaxIdxBytes.
std::vector<uint8_t> readIdxBytes(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw Error(path + ": no such file");
  std::vector<uint8_t> bytes;
  if (endsWith(lower(path), ".gz")) {
    gzFile file = gzopen(path.c_str(), "rb");
    if (!file) throw Error(path + ": cannot open");
    std::vector<uint8_t> chunk(1 << 20);
    for (;;) {
      const int got = gzread(file, chunk.data(), static_cast<unsigned>(chunk.size()));
      if (got < 0) {
        gzclose(file);
        throw Error(path + ": not a valid gzip file (or truncated)");
      }
      if (got == 0) break;
      if (static_cast<int64_t>(bytes.size()) + got > kMaxIdxBytes) {
        gzclose(file);
        throw Error(path + ": inflates to more than " + std::to_string(kMaxIdxBytes >> 20) + " MiB");
      }
      bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + got);
    }
    // A gzip stream cut short reads as a clean end in zlib; gzclose_r reports the truncation.
    const int closed = gzclose(file);
    if (closed != Z_OK && closed != Z_BUF_ERROR) throw Error(path + ": gzip stream is damaged");
    if (closed == Z_BUF_ERROR) throw Error(path + ": gzip stream is truncated");
    return bytes;
  }
  const uintmax_t size = fs::file_size(path, ec);
  if (ec) throw Error(path + ": cannot read its size: " + ec.message());
  if (size > static_cast<uintmax_t>(kMaxIdxBytes))
    throw Error(path + ": " + std::to_string(size) + " bytes, more than the idx limit of " +
                std::to_string(kMaxIdxBytes >> 20) + " MiB");
  bytes.resize(static_cast<size_t>(size));
  std::ifstream in(path, std::ios::binary);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size())))
    throw Error(path + ": cannot read");
  return bytes;
}

}  // namespace

IdxArray readIdxFile(const std::string& path) {
  const std::vector<uint8_t> bytes = readIdxBytes(path);
  if (bytes.size() < 4 || bytes[0] != 0 || bytes[1] != 0)
    throw Error(path + ": not an idx file (it must start with two zero bytes, a type byte and a rank byte)");
  if (bytes[2] != 0x08) {
    char type[8];
    std::snprintf(type, sizeof type, "0x%02X", bytes[2]);
    throw Error(path + ": idx value type " + type + " is not supported (hopscope reads unsigned bytes, type 0x08)");
  }
  const int rank = bytes[3];
  if (rank < 1 || rank > 4) throw Error(path + ": idx rank " + std::to_string(rank) + " is not from 1 to 4");
  const size_t header = 4 + 4 * static_cast<size_t>(rank);
  if (bytes.size() < header) throw Error(path + ": truncated idx header");
  IdxArray array;
  const uint64_t present = bytes.size() - header;
  uint64_t claimed = 1;
  for (int i = 0; i < rank; ++i) {
    const uint8_t* d = bytes.data() + 4 + 4 * i;
    const uint64_t dim = (uint64_t(d[0]) << 24) | (uint64_t(d[1]) << 16) | (uint64_t(d[2]) << 8) | uint64_t(d[3]);
    array.dims.push_back(static_cast<int64_t>(dim));
    // Sizes are claims: stop multiplying as soon as they exceed what the file holds (no overflow).
    if (dim != 0 && claimed > present / dim + 1) claimed = present + 1;
    else claimed = std::min<uint64_t>(claimed * dim, present + 1);
  }
  if (claimed != present) {
    std::string shape;
    for (int64_t dim : array.dims) shape += (shape.empty() ? "" : " x ") + std::to_string(dim);
    throw Error(path + ": idx header claims " + shape + " values but the file holds " + std::to_string(present) +
                " (truncated or lying header)");
  }
  array.values.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return array;
}

std::vector<DecodedImage> idxImages(const IdxArray& array, const std::string& path, int64_t first, int64_t count) {
  if (array.dims.size() != 3 && array.dims.size() != 4)
    throw Error(path + ": an idx image file holds [N, height, width] or [N, height, width, channels], found rank " +
                std::to_string(array.dims.size()));
  const int64_t n = array.dims[0], height = array.dims[1], width = array.dims[2];
  const int64_t channels = array.dims.size() == 4 ? array.dims[3] : 1;
  if (n < 1) throw Error(path + ": the idx file holds no images");
  if (height < 1 || width < 1 || channels < 1) throw Error(path + ": idx images of size 0");
  if (first < 0 || first > n) throw Error(path + ": holds " + std::to_string(n) + " images, cannot start at " + std::to_string(first));
  const int64_t take = count <= 0 ? n - first : std::min(count, n - first);
  // readIdxFile checked that the dimensions multiply to the bytes present, so with n >= 1 one
  // image's size is their share (never the product of claimed sizes: with n = 0 that could overflow).
  const int64_t size = static_cast<int64_t>(array.values.size()) / n;
  std::vector<DecodedImage> images;
  images.reserve(static_cast<size_t>(take));
  for (int64_t i = first; i < first + take; ++i) {
    DecodedImage image;
    image.width = width;
    image.height = height;
    image.channels = channels;
    image.pixels.assign(array.values.begin() + i * size, array.values.begin() + (i + 1) * size);
    image.source = path + "[" + std::to_string(i) + "]";
    images.push_back(std::move(image));
  }
  return images;
}

std::vector<int64_t> idxLabels(const IdxArray& array, const std::string& path) {
  if (array.dims.size() != 1) throw Error(path + ": an idx label file holds [N] values, found rank " + std::to_string(array.dims.size()));
  return std::vector<int64_t>(array.values.begin(), array.values.end());
}

std::string idxLabelsBeside(const std::string& images) {
  std::string name = fs::path(images).filename().string();
  const size_t at = name.find("images-idx3");
  if (at == std::string::npos) return "";
  name.replace(at, 11, "labels-idx1");
  const fs::path candidate = fs::path(images).parent_path() / name;
  std::error_code ec;
  return fs::is_regular_file(candidate, ec) ? candidate.string() : "";
}

ImageFolderListing listImageFolder(const std::string& directory) {
  std::error_code ec;
  if (!fs::is_directory(directory, ec)) throw Error(directory + ": not a folder");
  std::vector<fs::path> classes;
  for (const auto& entry : fs::directory_iterator(directory, ec))
    if (entry.is_directory()) classes.push_back(entry.path());
  if (ec) throw Error(directory + ": cannot list: " + ec.message());
  std::sort(classes.begin(), classes.end());
  ImageFolderListing listing;
  for (const fs::path& folder : classes) {
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(folder, ec)) {
      const std::string extension = lower(entry.path().extension().string());
      if (entry.is_regular_file() && (extension == ".png" || extension == ".jpg" || extension == ".jpeg"))
        files.push_back(entry.path().string());
    }
    std::sort(files.begin(), files.end());
    const int64_t label = static_cast<int64_t>(listing.classes.size());
    listing.classes.push_back(folder.filename().string());
    for (std::string& file : files) {
      listing.files.push_back(std::move(file));
      listing.labels.push_back(label);
    }
  }
  if (listing.files.empty())
    throw Error(directory + ": no images (an image folder holds one subfolder per class with .png / .jpg files)");
  return listing;
}

at::Tensor preprocessImage(const DecodedImage& image, const ImagePreprocessing& p, int64_t channels) {
  const std::string& source = image.source;
  if (image.width < 1 || image.height < 1)
    throw Error(source + ": empty image (" + std::to_string(image.width) + " x " + std::to_string(image.height) + ")");
  if (image.channels != 1 && image.channels != 3)
    throw Error(source + ": " + std::to_string(image.channels) + " channels; hopscope takes grey (1) or RGB (3) images");
  if (static_cast<int64_t>(image.pixels.size()) != image.width * image.height * image.channels)
    throw Error(source + ": pixel buffer of " + std::to_string(image.pixels.size()) + " bytes does not hold " +
                std::to_string(image.width) + " x " + std::to_string(image.height) + " x " + std::to_string(image.channels));
  if (channels != image.channels && !(image.channels == 1 && channels == 3))
    throw Error(source + ": " + std::to_string(image.channels) + "-channel image, but the model takes " +
                std::to_string(channels) + " channels");
  at::Tensor x = at::from_blob(const_cast<uint8_t*>(image.pixels.data()), {image.height, image.width, image.channels}, at::kByte)
                     .permute({2, 0, 1})
                     .to(at::kFloat)
                     .unsqueeze(0);  // [1, C, H, W], values 0..255
  int64_t height = image.height, width = image.width;
  if (p.resize == ImagePreprocessing::Resize::Exact) {
    height = p.height;
    width = p.width;
  } else if (p.resize == ImagePreprocessing::Resize::ShortestEdge) {
    // torchvision / Hugging Face: the short side becomes the edge, the long side int(edge * long / short).
    const int64_t edge = p.height;
    if (image.height <= image.width) {
      height = edge;
      width = static_cast<int64_t>(static_cast<double>(edge) * image.width / image.height);
    } else {
      width = edge;
      height = static_cast<int64_t>(static_cast<double>(edge) * image.height / image.width);
    }
  }
  if (height != image.height || width != image.width) {
    // The long side of a shortest-edge resize grows with the image's aspect ratio: check the area
    // before allocating it (fuzz_preprocessor_config: a 5 x 3 image to 5498 x 3299 took 2.5 GB).
    if (height > kMaxResizedPixels / std::max<int64_t>(width, 1))
      throw Error(source + ": resizing " + std::to_string(image.width) + " x " + std::to_string(image.height) +
                  " to " + std::to_string(width) + " x " + std::to_string(height) + " pixels is over the limit of " +
                  std::to_string(kMaxResizedPixels) + " pixels (check the size in " + p.source + ")");
    const std::vector<int64_t> size = {height, width};
    if (p.resample == "nearest")
      x = at::upsample_nearest2d(x, size);
    else if (p.resample == "bicubic")
      x = at::_upsample_bicubic2d_aa(x, size, false);
    else
      x = at::_upsample_bilinear2d_aa(x, size, false);
    // PIL resizes 8-bit images to 8-bit images: round and clamp as it does.
    x = x.round().clamp(0, 255);
  }
  if (p.centerCrop) {
    if (p.cropHeight > height || p.cropWidth > width)
      throw Error(source + ": center crop " + std::to_string(p.cropHeight) + " x " + std::to_string(p.cropWidth) +
                  " is larger than the resized image " + std::to_string(height) + " x " + std::to_string(width));
    const int64_t top = (height - p.cropHeight) / 2, left = (width - p.cropWidth) / 2;
    x = x.narrow(2, top, p.cropHeight).narrow(3, left, p.cropWidth);
  }
  if (p.rescale) x = x * p.rescaleFactor;
  if (image.channels == 1 && channels == 3) x = x.expand({1, 3, x.size(2), x.size(3)});
  if (p.normalize) {
    const int64_t c = x.size(1);
    auto perChannel = [&](const std::vector<double>& values, const char* what) {
      if (values.size() == 1) return at::full({1, 1, 1, 1}, values[0], at::kDouble);
      if (static_cast<int64_t>(values.size()) < c)
        throw Error(p.source + ": " + what + " has " + std::to_string(values.size()) + " values for " +
                    std::to_string(c) + " channels");
      return at::tensor(std::vector<double>(values.begin(), values.begin() + c), at::kDouble).view({1, c, 1, 1});
    };
    x = ((x.to(at::kDouble) - perChannel(p.mean, "image_mean")) / perChannel(p.std, "image_std")).to(at::kFloat);
  }
  return x[0].contiguous();
}

ImageSet makeImageSet(const std::vector<DecodedImage>& images, const std::vector<int64_t>& labels,
                      const ImagePreprocessing& preprocessing, int64_t channels) {
  if (images.empty()) throw Error("no images to evaluate");
  if (!labels.empty() && labels.size() != images.size())
    throw Error("images and labels differ in number: " + std::to_string(images.size()) + " images, " +
                std::to_string(labels.size()) + " labels");
  ImageSet set;
  std::vector<at::Tensor> pixels;
  pixels.reserve(images.size());
  for (const DecodedImage& image : images) {
    at::Tensor x = preprocessImage(image, preprocessing, channels);
    if (!pixels.empty() && x.sizes() != pixels.front().sizes())
      throw Error(image.source + ": preprocesses to a different size than " + set.names.front() +
                  " (set the preprocessor's resize or crop)");
    pixels.push_back(std::move(x));
    set.names.push_back(image.source);
  }
  set.pixels = at::stack(pixels);
  set.labels = labels.empty() ? at::full({static_cast<int64_t>(images.size())}, -1, at::kLong)
                              : at::tensor(labels, at::kLong);
  return set;
}

}  // namespace hopscope
