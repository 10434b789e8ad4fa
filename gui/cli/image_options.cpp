#include "image_options.h"

namespace hopscope::cli {

void addImageOptions(CLI::App& command, std::string& images, std::string& labels, std::string* calibImages,
                     std::string* calibLabels) {
  command.add_option("--images", images,
                     "Image models (ViT): an idx image file (Fashion-MNIST, raw or .gz), a folder with one "
                     "subfolder of .png / .jpg files per class, or one image; the first --samples images");
  command.add_option("--labels", labels,
                     "idx label file for --images (default: the labels-idx1 file beside an images-idx3 file)");
  if (calibImages)
    command.add_option("--calib-images", *calibImages,
                       "Image models: calibration images (default: the --calib-batches x --batch images that "
                       "follow the evaluated ones in --images, so calibration never sees an evaluated image)");
  if (calibLabels) command.add_option("--calib-labels", *calibLabels, "idx label file for --calib-images");
}

}  // namespace hopscope::cli
