#include "image_inputs.h"

#include <filesystem>

#include "hopscope/error.h"
#include "hopscope/file_hash.h"
#include "hopscope/image_data.h"
#include "hopscope/transformer_model.h"
#include "image_file.h"

namespace hopscope {
namespace fs = std::filesystem;

namespace {

bool isIdx(const std::string& path) {
  const std::string name = fs::path(path).filename().string();
  return name.find("idx") != std::string::npos || name.find("-ubyte") != std::string::npos;
}

}  // namespace

LoadedImages loadImages(const std::string& spec, const std::string& labelsPath, const LoadedModel& model, int64_t first,
                        int64_t count) {
  const ModelConfig& config = model.model().config();
  if (model.model().family().task != TaskKind::ImageClassification)
    throw Error(model.info().name + " is a text model: it takes text, not images");
  std::error_code ec;
  std::vector<DecodedImage> images;
  std::vector<int64_t> labels;
  std::vector<std::string> files;
  if (fs::is_directory(spec, ec)) {
    const ImageFolderListing listing = listImageFolder(spec);
    // Class by class in turn, so that the first N images cover every class.
    std::vector<std::vector<size_t>> byClass(listing.classes.size());
    for (size_t i = 0; i < listing.files.size(); ++i) byClass[static_cast<size_t>(listing.labels[i])].push_back(i);
    std::vector<size_t> order;
    for (size_t round = 0; order.size() < listing.files.size(); ++round)
      for (const std::vector<size_t>& members : byClass)
        if (round < members.size()) order.push_back(members[round]);
    const int64_t total = static_cast<int64_t>(order.size());
    if (first >= total)
      throw Error(spec + ": holds " + std::to_string(total) + " images, none left from image " + std::to_string(first));
    const int64_t end = count <= 0 ? total : std::min(total, first + count);
    for (int64_t i = first; i < end; ++i) {
      const size_t index = order[static_cast<size_t>(i)];
      images.push_back(decodeImageFile(listing.files[index]));
      labels.push_back(listing.labels[index]);
      files.push_back(listing.files[index]);
    }
    if (static_cast<int64_t>(listing.classes.size()) > config.vocabSize)
      throw Error(spec + ": " + std::to_string(listing.classes.size()) + " class folders but " + model.info().name +
                  " has " + std::to_string(config.vocabSize) + " classes");
  } else if (isIdx(spec)) {
    const IdxArray array = readIdxFile(spec);
    images = idxImages(array, spec, first, count);
    files.push_back(spec);
    const std::string labelFile = labelsPath.empty() ? idxLabelsBeside(spec) : labelsPath;
    if (!labelFile.empty()) {
      const std::vector<int64_t> all = idxLabels(readIdxFile(labelFile), labelFile);
      if (static_cast<int64_t>(all.size()) != array.dims[0])
        throw Error(labelFile + ": " + std::to_string(all.size()) + " labels for the " + std::to_string(array.dims[0]) +
                    " images of " + spec);
      labels.assign(all.begin() + first, all.begin() + first + static_cast<int64_t>(images.size()));
      files.push_back(labelFile);
    }
    if (images.empty()) throw Error(spec + ": no images from image " + std::to_string(first));
  } else {
    if (first > 0) throw Error(spec + ": a single image cannot also provide calibration images (give --calib-images)");
    images.push_back(decodeImageFile(spec));
    files.push_back(spec);
  }
  if (!labelsPath.empty() && !isIdx(spec) )
    throw Error("--labels is for idx image files; an image folder's labels are its subfolders");
  ImageSet set = makeImageSet(images, labels, model.preprocessing(), config.channels);
  LoadedImages loaded;
  loaded.data = TaskData(set.pixels, set.labels);
  loaded.source.path = spec;
  loaded.source.files = files;
  for (const std::string& file : files) loaded.source.bytes += static_cast<int64_t>(fs::file_size(file, ec));
  loaded.source.fingerprint = sha256OfFiles(files);
  loaded.source.documents = static_cast<int64_t>(images.size());
  return loaded;
}

}  // namespace hopscope
