// The idx reader (raw or gzip: every size the header claims checked against the bytes present) and
// the preprocessing of what it yields (resize, rescale, normalize) into a ViT's pixel values.
#include "fuzz_checks.h"
#include "fuzz_input_file.h"
#include "hopscope/error.h"
#include "hopscope/image_data.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // A gzip stream (magic 1f 8b) goes through the inflater, anything else is read raw.
  const bool gzip = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
  const std::string path =
      hopscope::fuzz::writeInputFile(gzip ? "images-idx3-ubyte.gz" : "images-idx3-ubyte", data, size);
  try {
    const hopscope::IdxArray array = hopscope::readIdxFile(path);
    if (array.dims.size() == 1) {
      (void)hopscope::idxLabels(array, path);
      return 0;
    }
    const std::vector<hopscope::DecodedImage> images = hopscope::idxImages(array, path, 0, 4);
    hopscope::ImagePreprocessing preprocessing = hopscope::defaultPreprocessing(8);
    (void)hopscope::makeImageSet(images, {}, preprocessing, images.empty() ? 1 : images.front().channels);
  } catch (const hopscope::Error& error) {
    hopscope::fuzz::expectOneLine(error);
  }
  return 0;
}
