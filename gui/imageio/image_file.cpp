#include "image_file.h"

#include <QImage>
#include <QImageReader>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <mutex>

#include "hopscope/error.h"

namespace hopscope {
namespace {

// Decoders report trouble on their own: Qt's plugins through qWarning (collected here for the
// message) and libpng's default error handler, which Qt keeps, with fprintf to stderr ("libpng
// error: Read Error"). Either would print a second line beside our one-line error, so during a
// decode qWarning is collected and stderr points at /dev/null.
std::mutex decoderMessagesMutex;
std::string* decoderMessages = nullptr;

void collectDecoderMessage(QtMsgType, const QMessageLogContext&, const QString& message) {
  if (decoderMessages && decoderMessages->size() < 200)
    *decoderMessages += (decoderMessages->empty() ? "" : "; ") + message.toStdString();
}

}  // namespace

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
  std::string messages;
  bool read = false;
  {
    std::lock_guard<std::mutex> lock(decoderMessagesMutex);
    decoderMessages = &messages;
    const QtMessageHandler previous = qInstallMessageHandler(collectDecoderMessage);
    std::fflush(stderr);
    const int savedStderr = ::dup(STDERR_FILENO);
    const int devNull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (savedStderr >= 0 && devNull >= 0) ::dup2(devNull, STDERR_FILENO);
    read = reader.read(&image);
    std::fflush(stderr);
    if (savedStderr >= 0) {
      ::dup2(savedStderr, STDERR_FILENO);
      ::close(savedStderr);
    }
    if (devNull >= 0) ::close(devNull);
    qInstallMessageHandler(previous);
    decoderMessages = nullptr;
  }
  for (char& c : messages)
    if (c == '\n' || c == '\r') c = ' ';
  if (!read || image.isNull())
    throw Error(path + ": cannot decode the " + format.toStdString() + " image (" + reader.errorString().toStdString() +
                (messages.empty() ? "" : ", " + messages) + "; truncated or damaged?)");
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
