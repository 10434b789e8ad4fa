#pragma once
// The image the Attention view runs through image models: a PNG or JPEG file (decoded with Qt's
// QImage, gui/imageio) or one image of an idx file (MNIST / Fashion-MNIST, raw or .gz). Torch-free
// header; errors are hopscope::Error naming the file and the problem.
#include <QString>

#include "hopscope/decoded_image.h"

struct ImageInput {
  hopscope::DecodedImage image;
  int index = 0;  // the image's index in an idx file (0 for a PNG or JPEG)
  int count = 1;  // images in the file (1 for a PNG or JPEG)
  bool idx = false;
};

// Whether `path` names an idx file (its first bytes 0 0 8 <rank>, or a .gz whose name says idx/ubyte).
bool isIdxImageFile(const QString& path);

// Reads the image (image `index` of an idx file). Throws hopscope::Error on a missing, empty,
// damaged or unsupported file or an index outside the file.
ImageInput readImageInput(const QString& path, int index = 0);
