#pragma once
// Decoding image files for the front ends. Why Qt's QImage: it is maintained, already a dependency of
// the GUI (Debian's qt6-base-dev), reads PNG and JPEG through libpng and libjpeg-turbo with its own
// validation, and reports failures without crashing; the engine takes decoded pixels only.
// No Qt and no LibTorch in this header.
#include <string>

#include "hopscope/decoded_image.h"

namespace hopscope {

// Decodes a PNG or JPEG file to 8-bit grey (1 channel, for grey images) or RGB (3 channels; alpha is
// dropped, indexed colour expanded). Throws hopscope::Error naming the file when it is missing,
// empty, truncated, not an image or of a format other than PNG and JPEG, or decodes to 0 x 0.
DecodedImage decodeImageFile(const std::string& path);

}  // namespace hopscope
