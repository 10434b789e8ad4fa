#pragma once
// An image as a decoder hands it to the engine: 8-bit samples, rows top to bottom, channels
// interleaved (1 = grey, 3 = RGB). Torch-free, so front-end decoders (Qt's QImage in
// gui/imageio) fill it without LibTorch; image_data.h turns it into pixel values.
#include <cstdint>
#include <string>
#include <vector>

namespace hopscope {

struct DecodedImage {
  int64_t width = 0, height = 0, channels = 0;
  std::vector<uint8_t> pixels;  // height * width * channels
  std::string source;           // file (and index) it came from, for messages
};

}  // namespace hopscope
