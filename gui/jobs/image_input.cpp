#include "jobs/image_input.h"

#include <QFile>
#include <QFileInfo>

#include "hopscope/error.h"
#include "hopscope/image_data.h"
#include "image_file.h"

bool isIdxImageFile(const QString& path) {
  const QString name = QFileInfo(path).fileName().toLower();
  if (name.endsWith(QLatin1String(".gz"))) return name.contains(QLatin1String("idx")) || name.contains(QLatin1String("ubyte"));
  QFile file(path);
  if (!file.open(QIODevice::ReadOnly)) return false;
  const QByteArray head = file.read(4);
  return head.size() == 4 && head[0] == 0 && head[1] == 0 && head[2] == 0x08 && head[3] >= 1 && head[3] <= 4;
}

ImageInput readImageInput(const QString& path, int index) {
  const std::string file = path.toStdString();
  ImageInput input;
  if (!isIdxImageFile(path)) {
    input.image = hopscope::decodeImageFile(file);
    return input;
  }
  const hopscope::IdxArray array = hopscope::readIdxFile(file);
  if (array.dims.size() < 3)
    throw hopscope::Error(file + ": an idx file of " + std::to_string(array.dims.size()) +
                          " dimensions, not images (a labels file?)");
  input.idx = true;
  input.count = static_cast<int>(array.dims.front());
  if (index < 0 || index >= input.count)
    throw hopscope::Error(file + ": no image " + std::to_string(index) + " (it holds " + std::to_string(input.count) +
                          ", 0 to " + std::to_string(input.count - 1) + ")");
  input.index = index;
  input.image = hopscope::idxImages(array, file, index, 1).at(0);
  return input;
}
