// Images as model inputs: preprocessing against hand-computed values, the idx reader (good, gzip,
// truncated, lying header, unsupported type), bad decoded images, and preprocessor_config.json.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "hopscope/error.h"
#include "hopscope/image_data.h"

using namespace hopscope;

namespace {

const std::string kImages = std::string(HOPSCOPE_FIXTURES_DIR) + "/images";

DecodedImage grey(int64_t width, int64_t height, std::vector<uint8_t> pixels) {
  return {width, height, 1, std::move(pixels), "test image"};
}

std::string errorOf(const std::function<void()>& body) {
  try {
    body();
  } catch (const Error& error) {
    return error.what();
  }
  return "";
}

TEST(ImagePreprocessing, BilinearShrinkMatchesTheHandComputedExample) {
  // A 4 x 4 grey image whose columns are 0, 40, 80, 120. Shrinking to 2 x 2 with PIL's bilinear
  // filter (antialiased: a triangle of half-width 2 input pixels): output column 0 is centred at
  // input x = 1; the input centres 0.5, 1.5, 2.5 lie 0.5, 0.5, 1.5 away, weights 0.75, 0.75, 0.25
  // (normalised by 1.75): (0.75*0 + 0.75*40 + 0.25*80) / 1.75 = 28.571 -> 29 (8-bit, as PIL).
  // Column 1 (centre 3): (0.25*40 + 0.75*80 + 0.75*120) / 1.75 = 91.43 -> 91. Rows are constant.
  // Then / 255 and (x - 0.5) / 0.5: 29 -> -0.772549, 91 -> -0.286275, in all 3 channels.
  std::vector<uint8_t> pixels;
  for (int y = 0; y < 4; ++y)
    for (uint8_t v : {0, 40, 80, 120}) pixels.push_back(v);
  const at::Tensor x = preprocessImage(grey(4, 4, pixels), defaultPreprocessing(2), 3);
  ASSERT_EQ(x.sizes(), at::IntArrayRef({3, 2, 2}));
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t y = 0; y < 2; ++y) {
      EXPECT_NEAR(x[c][y][0].item<float>(), (29 / 255.0 - 0.5) / 0.5, 1e-6);
      EXPECT_NEAR(x[c][y][1].item<float>(), (91 / 255.0 - 0.5) / 0.5, 1e-6);
    }
}

TEST(ImagePreprocessing, CropRescaleAndNormalizePerChannel) {
  // RGB 4 x 4, pixel (y, x) = (10y + x, 100, 200); no resize, center crop 2 x 2 keeps rows and
  // columns 1..2; rescale 1/255; mean (0.1, 0.2, 0.3), std (0.5, 0.25, 0.125).
  DecodedImage image{4, 4, 3, {}, "rgb"};
  for (int y = 0; y < 4; ++y)
    for (int x = 0; x < 4; ++x)
      for (int v : {10 * y + x, 100, 200}) image.pixels.push_back(static_cast<uint8_t>(v));
  ImagePreprocessing p;
  p.resize = ImagePreprocessing::Resize::None;
  p.centerCrop = true;
  p.cropHeight = p.cropWidth = 2;
  p.mean = {0.1, 0.2, 0.3};
  p.std = {0.5, 0.25, 0.125};
  const at::Tensor x = preprocessImage(image, p, 3);
  ASSERT_EQ(x.sizes(), at::IntArrayRef({3, 2, 2}));
  EXPECT_NEAR(x[0][0][0].item<float>(), (11 / 255.0 - 0.1) / 0.5, 1e-6);
  EXPECT_NEAR(x[0][1][1].item<float>(), (22 / 255.0 - 0.1) / 0.5, 1e-6);
  EXPECT_NEAR(x[1][0][1].item<float>(), (100 / 255.0 - 0.2) / 0.25, 1e-6);
  EXPECT_NEAR(x[2][1][0].item<float>(), (200 / 255.0 - 0.3) / 0.125, 1e-5);
}

TEST(ImagePreprocessing, BadImagesAreClearErrors) {
  EXPECT_NE(errorOf([] { preprocessImage(grey(0, 0, {}), defaultPreprocessing(2), 3); }).find("test image: empty image"),
            std::string::npos);
  DecodedImage twoChannels{2, 2, 2, std::vector<uint8_t>(8), "ga.png"};
  EXPECT_NE(errorOf([&] { preprocessImage(twoChannels, defaultPreprocessing(2), 3); }).find("ga.png: 2 channels"),
            std::string::npos);
  DecodedImage rgb{2, 2, 3, std::vector<uint8_t>(12), "rgb.png"};
  EXPECT_NE(errorOf([&] { preprocessImage(rgb, defaultPreprocessing(2), 1); }).find("rgb.png: 3-channel image"),
            std::string::npos);
  // A thin image's shortest-edge resize, and a huge exact size: refused before allocating.
  ImagePreprocessing shortest = defaultPreprocessing(2);
  shortest.resize = ImagePreprocessing::Resize::ShortestEdge;
  shortest.height = shortest.width = 3299;
  DecodedImage wide{5, 3, 3, std::vector<uint8_t>(45), "wide.png"};
  EXPECT_NE(errorOf([&] { preprocessImage(wide, shortest, 3); }).find("wide.png: resizing 5 x 3 to 5498 x 3299 pixels is over the limit"),
            std::string::npos);
  ImagePreprocessing exact = defaultPreprocessing(2);
  exact.height = exact.width = 16384;
  EXPECT_NE(errorOf([&] { preprocessImage(wide, exact, 3); }).find("over the limit of 4194304 pixels"), std::string::npos);
  DecodedImage short_{2, 2, 1, std::vector<uint8_t>(3), "short.png"};
  EXPECT_NE(errorOf([&] { preprocessImage(short_, defaultPreprocessing(2), 1); }).find("short.png: pixel buffer"),
            std::string::npos);
}

TEST(ImagePreprocessing, PreprocessorConfigIsRead) {
  const nlohmann::json config = {{"do_resize", true},        {"size", {{"shortest_edge", 32}}},
                                 {"resample", 3},            {"do_center_crop", true},
                                 {"crop_size", {{"height", 28}, {"width", 28}}},
                                 {"rescale_factor", 0.5},    {"image_mean", {0.1, 0.2, 0.3}},
                                 {"image_std", {1, 2, 3}}};
  const ImagePreprocessing p = parsePreprocessorConfig(config, "pp.json", defaultPreprocessing(224));
  EXPECT_EQ(p.resize, ImagePreprocessing::Resize::ShortestEdge);
  EXPECT_EQ(p.height, 32);
  EXPECT_EQ(p.resample, "bicubic");
  EXPECT_EQ(p.outputHeight(), 28);
  EXPECT_DOUBLE_EQ(p.rescaleFactor, 0.5);
  EXPECT_DOUBLE_EQ(p.std.at(2), 3.0);
  EXPECT_NE(errorOf([] { parsePreprocessorConfig({{"image_std", {0.0}}}, "pp.json", {}); }).find("pp.json"),
            std::string::npos);
  EXPECT_NE(errorOf([] { parsePreprocessorConfig({{"resample", 5}}, "pp.json", {}); }).find("resampling"),
            std::string::npos);
}

TEST(IdxFiles, RawAndGzipReadTheSameImages) {
  const IdxArray raw = readIdxFile(kImages + "/fashion24-images-idx3-ubyte");
  const IdxArray gz = readIdxFile(kImages + "/fashion24-images-idx3-ubyte.gz");
  EXPECT_EQ(raw.dims, (std::vector<int64_t>{24, 28, 28}));
  EXPECT_EQ(raw.values, gz.values);
  const std::vector<DecodedImage> images = idxImages(raw, "f", 2, 3);
  ASSERT_EQ(images.size(), 3u);
  EXPECT_EQ(images[0].width, 28);
  EXPECT_EQ(images[0].channels, 1);
  EXPECT_EQ(images[0].source, "f[2]");
  EXPECT_TRUE(std::equal(images[1].pixels.begin(), images[1].pixels.end(), raw.values.begin() + 3 * 784));
  const std::vector<int64_t> labels =
      idxLabels(readIdxFile(kImages + "/fashion24-labels-idx1-ubyte.gz"), "labels");
  ASSERT_EQ(labels.size(), 24u);
  EXPECT_EQ(labels[0], 9);  // Fashion-MNIST test image 0 is an ankle boot
  EXPECT_EQ(labels[1], 2);  // image 1 a pullover
}

TEST(IdxFiles, BrokenFilesAreRefusedBeforeAllocating) {
  const std::string bad = kImages + "/bad/";
  EXPECT_NE(errorOf([&] { readIdxFile(bad + "truncated-idx3-ubyte"); }).find("claims 3 x 28 x 28 values but the file holds 1960"),
            std::string::npos);
  EXPECT_NE(errorOf([&] { readIdxFile(bad + "lying-header-idx3-ubyte"); }).find("lying header"), std::string::npos);
  EXPECT_NE(errorOf([&] { readIdxFile(bad + "float-idx3-ubyte"); }).find("type 0x0D is not supported"),
            std::string::npos);
  EXPECT_NE(errorOf([&] { readIdxFile(bad + "text.png"); }).find("not an idx file"), std::string::npos);
  EXPECT_NE(errorOf([&] { readIdxFile(bad + "missing-idx3-ubyte"); }).find("no such file"), std::string::npos);
  // Fuzzing found: no images but huge image sizes (0 x 16910092 x 219942157 x 1) passed the byte
  // count (0 = 0) and the size of one image overflowed. Refused now, before any product is formed.
  IdxArray empty;
  empty.dims = {0, 0x01020b0c, 0x0d0b0c0d, 0x0e0f1011};
  EXPECT_EQ(errorOf([&] { idxImages(empty, "e-idx3-ubyte", 0, 4); }), "e-idx3-ubyte: the idx file holds no images");
}

TEST(ImageFolders, ClassesAreSortedSubfolders) {
  const ImageFolderListing listing = listImageFolder(kImages + "/folder");
  EXPECT_EQ(listing.classes, (std::vector<std::string>{"Ankle_boot", "Coat", "Pullover", "Shirt", "Trouser"}));
  ASSERT_EQ(listing.files.size(), 8u);
  EXPECT_EQ(listing.labels.front(), 0);
  EXPECT_EQ(listing.labels.back(), 4);
  EXPECT_THROW(listImageFolder(kImages + "/bad"), Error);
}

}  // namespace
