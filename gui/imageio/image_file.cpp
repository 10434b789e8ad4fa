#include "image_file.h"

#include <QImage>
#include <QImageReader>

#include <filesystem>

#include "hopscope/error.h"

namespace hopscope {

DecodedImage decodeImageFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) throw Error(path + ": no such image file");
  if (std::filesystem::file_size(path, ec) == 0) throw Error(path + ": empty file, not an image");
  QImageReader reader(QString::fromStdString(path));
  reader.setDecideFormatFromContent(true);  // the content decides, not the file name
  const QByteArray format = reader.format();
  if (format.isEmpty())
    throw Error(path + ": not a PNG or JPEG image (" + reader.errorString().toStdString() + ")");
  if (format != "png" && format != "jpeg" && format != "jpg")
    throw Error(path + ": " + format.toStdString() + " images are not supported (PNG or JPEG)");
  QImage image;
  if (!reader.read(&image) || image.isNull())
    throw Error(path + ": cannot decode the " + format.toStdString() + " image (" + reader.errorString().toStdString() +
                "; truncated or damaged?)");
  if (image.width() < 1 || image.height() < 1)
    throw Error(path + ": empty image (" + std::to_string(image.width()) + " x " + std::to_string(image.height()) + ")");
  DecodedImage decoded;
  decoded.source = path;
  decoded.width = image.width();
  decoded.height = image.height();
  const bool grey = image.isGrayscale();
  const QImage converted = image.convertToFormat(grey ? QImage::Format_Grayscale8 : QImage::Format_RGB888);
  decoded.channels = grey ? 1 : 3;
  const int64_t rowBytes = decoded.width * decoded.channels;
  decoded.pixels.resize(static_cast<size_t>(rowBytes * decoded.height));
  for (int y = 0; y < converted.height(); ++y) {
    const uchar* row = converted.constScanLine(y);
    std::copy(row, row + rowBytes, decoded.pixels.begin() + y * rowBytes);
  }
  return decoded;
}

}  // namespace hopscope
