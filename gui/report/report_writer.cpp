#include "report/report_writer.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QSaveFile>
#include <QTemporaryDir>

#include <optional>

#include "hopscope/error.h"
#include "report/bundle_writer.h"
#include "report/html_writer.h"
#include "report/pdf_writer.h"

namespace {

[[noreturn]] void fail(const QString& message) { throw hopscope::Error(message.toStdString()); }

void checkFolderFor(const QString& path, const QString& what) {
  const QFileInfo info(path);
  const QFileInfo folder(info.absolutePath());
  if (!folder.exists()) fail(QStringLiteral("%1: the folder %2 does not exist").arg(path, folder.filePath()));
  if (!folder.isDir()) fail(QStringLiteral("%1: %2 is not a folder").arg(path, folder.filePath()));
  if (!folder.isWritable()) fail(QStringLiteral("%1: cannot write %2 into the folder %3").arg(path, what, folder.filePath()));
}

void checkFile(const QString& path, const QString& what) {
  if (path.isEmpty()) return;
  if (QFileInfo(path).isDir()) fail(QStringLiteral("%1: is a folder, expected the %2 file to write").arg(path, what));
  checkFolderFor(path, what);
}

// QSaveFile: the file appears whole on commit() or not at all.
class PendingFile {
 public:
  PendingFile(const QString& path, const QByteArray& bytes) : file_(path) {
    if (!file_.open(QIODevice::WriteOnly) || file_.write(bytes) != bytes.size())
      fail(QStringLiteral("%1: cannot write: %2").arg(path, file_.errorString()));
  }
  void commit() {
    if (!file_.commit()) fail(QStringLiteral("%1: cannot write: %2").arg(file_.fileName(), file_.errorString()));
  }

 private:
  QSaveFile file_;
};

}  // namespace

QPageSize::PageSizeId paperFromName(const QString& name) {
  const QString lower = name.trimmed().toLower();
  if (lower == QLatin1String("a4")) return QPageSize::A4;
  if (lower == QLatin1String("letter")) return QPageSize::Letter;
  fail(QStringLiteral("unknown paper '%1' (use a4 or letter)").arg(name));
}

void checkReportOutputs(const ReportOutputs& outputs) {
  if (outputs.html.isEmpty() && outputs.pdf.isEmpty() && outputs.bundle.isEmpty())
    fail(QStringLiteral("no output: give an HTML file, a PDF file or a bundle folder"));
  checkFile(outputs.html, QStringLiteral("HTML"));
  checkFile(outputs.pdf, QStringLiteral("PDF"));
  if (!outputs.bundle.isEmpty()) {
    const QFileInfo info(outputs.bundle);
    if (info.exists() && !info.isDir())
      fail(QStringLiteral("%1: is a file, expected the bundle folder to write").arg(outputs.bundle));
    checkFolderFor(outputs.bundle, QStringLiteral("the bundle folder"));
  }
}

ReportWritten writeReport(const ReportInput& input, const ReportOutputs& outputs, const hopscope::JobControl& job) {
  checkReportOutputs(outputs);
  if (input.models.empty()) fail(QStringLiteral("a report needs at least one model"));
  ReportWritten written;
  written.document = buildReportDocument(input);
  job.checkCancelled();

  QByteArray html, pdf;
  if (!outputs.html.isEmpty()) html = renderHtml(written.document, job.slice(0.0, 0.45));
  if (!outputs.pdf.isEmpty()) {
    const PdfReport report = renderPdf(written.document, outputs.paper, job.slice(0.45, 0.9));
    pdf = report.bytes;
    written.pdfPages = report.pages;
  }
  std::optional<QTemporaryDir> bundle;
  if (!outputs.bundle.isEmpty()) {
    const QFileInfo target(outputs.bundle);
    bundle.emplace(target.absolutePath() + QStringLiteral("/.") + target.fileName() + QStringLiteral(".partial-XXXXXX"));
    if (!bundle->isValid()) fail(QStringLiteral("%1: cannot create a temporary folder beside it").arg(outputs.bundle));
    job.report(0.9, "bundle");
    writeBundle(input, bundle->path());
  }
  job.checkCancelled();

  // Everything is rendered: move it into place.
  job.report(0.97, "writing");
  std::optional<PendingFile> htmlFile, pdfFile;
  if (!outputs.html.isEmpty()) htmlFile.emplace(outputs.html, html);
  if (!outputs.pdf.isEmpty()) pdfFile.emplace(outputs.pdf, pdf);
  if (bundle) {
    const QString target = QFileInfo(outputs.bundle).absoluteFilePath();
    QString old;
    if (QFileInfo::exists(target)) {  // replaced only once the new one is complete
      old = target + QStringLiteral(".old-") + QString::number(QDateTime::currentMSecsSinceEpoch());
      if (!QDir().rename(target, old)) fail(QStringLiteral("%1: cannot replace the existing folder").arg(outputs.bundle));
    }
    if (!QDir().rename(bundle->path(), target)) {
      if (!old.isEmpty()) QDir().rename(old, target);
      fail(QStringLiteral("%1: cannot move the bundle into place").arg(outputs.bundle));
    }
    bundle->setAutoRemove(false);
    // QTemporaryDir made it private (0700): a bundle is for sharing.
    QFile::setPermissions(target, QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner |
                                      QFileDevice::ReadGroup | QFileDevice::ExeGroup | QFileDevice::ReadOther |
                                      QFileDevice::ExeOther);
    if (!old.isEmpty()) QDir(old).removeRecursively();
  }
  bool htmlCommitted = false;
  try {
    if (htmlFile) htmlFile->commit();
    htmlCommitted = htmlFile.has_value();
    if (pdfFile) pdfFile->commit();
  } catch (...) {
    if (bundle) QDir(QFileInfo(outputs.bundle).absoluteFilePath()).removeRecursively();
    if (htmlCommitted) QFile::remove(outputs.html);
    throw;
  }
  job.report(1.0, "done");
  return written;
}
