#include "report/report_provenance.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>
#include <QSysInfo>

#include <thread>

#include "hopscope/file_hash.h"
#include "hopscope/version.h"

std::vector<ReportFile> hashFiles(const std::vector<std::string>& paths, const hopscope::JobControl& job) {
  std::vector<ReportFile> files;
  for (size_t i = 0; i < paths.size(); ++i) {
    job.checkCancelled();
    const QString path = QString::fromStdString(paths[i]);
    job.report(static_cast<double>(i) / static_cast<double>(paths.size()),
               "hashing " + QFileInfo(path).fileName().toStdString());
    files.push_back({path, QString::fromStdString(hopscope::sha256OfFiles({paths[i]})), QFileInfo(path).size()});
  }
  return files;
}

std::vector<std::string> checkpointFiles(const hopscope::ModelInfo& info) {
  std::vector<std::string> files;
  const QDir folder(QString::fromStdString(info.path));
  if (folder.exists(QStringLiteral("config.json"))) files.push_back(folder.filePath(QStringLiteral("config.json")).toStdString());
  const QStringList weights =
      folder.entryList({QStringLiteral("*.safetensors"), QStringLiteral("*.bin")}, QDir::Files, QDir::Name);
  for (const QString& name : weights) files.push_back(folder.filePath(name).toStdString());
  return files;
}

ReportProvenance describeThisRun(const QString& command) {
  ReportProvenance provenance;
  provenance.version = QString::fromLatin1(hopscope::hopscopeVersion());
  provenance.date = QDateTime::currentDateTimeUtc().toString(Qt::ISODate);
  provenance.machine = QStringLiteral("%1 — %2, %3, %4 cores")
                           .arg(QSysInfo::machineHostName(), QSysInfo::prettyProductName(),
                                QSysInfo::currentCpuArchitecture())
                           .arg(std::thread::hardware_concurrency());
  provenance.command = command;
  return provenance;
}
