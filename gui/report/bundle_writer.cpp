#include "report/bundle_writer.h"

#include <QDir>
#include <QSaveFile>

#include <cmath>
#include <sstream>

#include "hopscope/error.h"
#include "hopscope/result_json.h"
#include "views/table_export.h"  // csvField: one CSV quoting for tables and bundles

namespace {

using nlohmann::json;

void writeFile(const QString& path, const QByteArray& bytes) {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly) || file.write(bytes) != bytes.size() || !file.commit())
    throw hopscope::Error(path.toStdString() + ": cannot write: " + file.errorString().toStdString());
}

QByteArray jsonBytes(const json& document) { return QByteArray::fromStdString(document.dump(2) + "\n"); }

QString fileSafe(const std::string& name) {
  QString safe = QString::fromStdString(name);
  for (QChar& c : safe)
    if (!c.isLetterOrNumber() && c != QLatin1Char('-') && c != QLatin1Char('_') && c != QLatin1Char('.')) c = QLatin1Char('_');
  return safe;
}

QString number(double value) {
  if (std::isnan(value)) return {};
  return QString::number(value, 'g', 10);
}

json filesJson(const std::vector<ReportFile>& files) {
  json list = json::array();
  for (const ReportFile& file : files)
    list.push_back({{"path", file.path.toStdString()}, {"bytes", file.bytes}, {"sha256", file.sha256.toStdString()}});
  return list;
}

}  // namespace

void writeBundle(const ReportInput& input, const QString& dir) {
  const QDir folder(dir);
  std::vector<hopscope::ModelAnalysis> analyses;
  std::vector<hopscope::QuantizationStudy> studies;
  for (const ReportModel& model : input.models) {
    analyses.push_back(*model.analysis);
    studies.push_back(*model.quantization);
  }
  writeFile(folder.filePath(QStringLiteral("analysis.json")), jsonBytes(hopscope::analysisJson(analyses)));
  writeFile(folder.filePath(QStringLiteral("quantization.json")), jsonBytes(hopscope::quantizationJson(studies)));
  writeFile(folder.filePath(QStringLiteral("summary.csv")), QByteArray::fromStdString(hopscope::summaryCsv(analyses)));

  // The summary table in the papers' form.
  QString summary = QStringLiteral("model,family,normalizer,gate,metric,fp,quantized,wbits,abits,avg_kurtosis,max_inf_norm\n");
  for (const ReportModel& model : input.models) {
    const hopscope::QuantizationStudy& study = *model.quantization;
    summary += QStringList{csvField(QString::fromStdString(model.info.name)), QString::fromStdString(model.info.family),
                           csvField(QString::fromStdString(model.info.normalizer)), QString::fromStdString(model.info.gate),
                           QString::fromStdString(study.fp.name), number(study.fp.value),
                           number(study.main.metric.value), QString::number(study.main.weightBits),
                           QString::number(study.main.activationBits), number(model.analysis->figure("avg_kurtosis")),
                           number(model.analysis->figure("max_inf_norm"))}
                   .join(QLatin1Char(',')) +
               QLatin1Char('\n');
  }
  writeFile(folder.filePath(QStringLiteral("report_summary.csv")), summary.toUtf8());

  QString heads = QStringLiteral("model,module,layer,head,entropy,first_token_mass,delimiter_mass,no_op_mass,"
                                 "exact_zero_fraction,mean_max_weight\n");
  for (const ReportModel& model : input.models)
    for (const hopscope::AttentionAnalysis& attention : model.analysis->attention)
      for (int64_t h = 0; h < attention.heads.heads(); ++h) {
        const hopscope::HeadSummary s = attention.heads.head(h);
        heads += QStringList{csvField(QString::fromStdString(model.info.name)), QString::fromStdString(attention.module),
                             QString::number(attention.layer), QString::number(h), number(s.entropy),
                             number(s.firstTokenMass), number(s.delimiterMass), number(s.noOpMass),
                             number(s.exactZeroFraction), number(s.maxWeight)}
                     .join(QLatin1Char(',')) +
                 QLatin1Char('\n');
      }
  writeFile(folder.filePath(QStringLiteral("attention_heads.csv")), heads.toUtf8());

  for (const ReportModel& model : input.models) {
    const QString base = fileSafe(model.info.name.empty() ? model.info.path : model.info.name);
    writeFile(folder.filePath(base + QStringLiteral(".modules.csv")),
              QByteArray::fromStdString(hopscope::moduleCsv(*model.analysis)));
    QString quantizers = QStringLiteral("site,kind,layer,bits,min,max,scale,zero_point,unsigned_grid,clipped_fraction,"
                                        "sqnr_db,levels_99,values\n");
    for (const hopscope::QuantizerSummary& q : model.quantization->quantizers)
      quantizers += QStringList{csvField(QString::fromStdString(q.site)), QString::fromStdString(q.kind),
                                QString::number(q.layer), QString::number(q.bits), number(q.min), number(q.max),
                                number(q.scale), QString::number(q.zeroPoint), q.unsignedGrid ? "1" : "0",
                                number(q.clippedFraction), number(q.sqnrDb), QString::number(q.levels99),
                                QString::number(q.values)}
                        .join(QLatin1Char(',')) +
                    QLatin1Char('\n');
    writeFile(folder.filePath(base + QStringLiteral(".quantizers.csv")), quantizers.toUtf8());
  }

  const ReportProvenance& p = input.provenance;
  json models = json::array();
  for (const ReportModel& model : input.models) {
    json entry = hopscope::modelInfoJson(model.info);
    entry["files"] = filesJson(model.weights);
    models.push_back(entry);
  }
  json attention = {{"layers", input.attention.layers}, {"heads", input.attention.heads}};
  const json provenance = {{"tool", "hopscope report"},
                           {"version", p.version.toStdString()},
                           {"date", p.date.toStdString()},
                           {"machine", p.machine.toStdString()},
                           {"command", p.command.toStdString()},
                           {"sample_text", input.sampleText.toStdString()},
                           {"attention", attention},
                           {"data_files", filesJson(p.data)},
                           {"calibration_files", filesJson(p.calibration)},
                           {"models", models}};
  writeFile(folder.filePath(QStringLiteral("provenance.json")), jsonBytes(provenance));
}
