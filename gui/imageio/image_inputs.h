#pragma once
// Image data for both front ends (the CLI's `run --image`, `analyze` / `quantize --images`; the
// GUI's Outliers and Quantization evaluation of image models): a PNG or JPEG file, an ImageFolder
// (one subfolder per class) or an idx file (MNIST / Fashion-MNIST, raw or .gz) with its labels,
// decoded (image_file.h: QImage) and preprocessed for one model (engine image_data.h).
// Includes LibTorch through evaluation_task.h: include it from .cpp files only, never from a GUI header.
#include <cstdint>
#include <string>

#include "hopscope/evaluation_task.h"
#include "hopscope/loaded_model.h"

namespace hopscope {

struct LoadedImages {
  TaskData data;      // pixels [N, C, H, W] and labels [N] (-1: none)
  DataSource source;  // path, files, bytes, fingerprint, number of images
};

// Images [first, first + count) of SPEC (count 0: all from first). An ImageFolder is read class by
// class in turn (the first file of every class, then the second, ...), so any prefix covers the
// classes. For an idx image file, `labels` names its idx label file; empty: the file beside it
// whose name has "labels-idx1" for "images-idx3", if present. Error naming the file otherwise.
LoadedImages loadImages(const std::string& spec, const std::string& labels, const LoadedModel& model, int64_t first,
                        int64_t count);

}  // namespace hopscope
