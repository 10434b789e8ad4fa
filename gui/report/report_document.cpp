#include "report/report_document.h"

#include <QObject>
#include <QRegularExpression>

#include <algorithm>
#include <cmath>
#include <map>

#include "report/report_attention_figure.h"
#include "report/report_histogram_figure.h"
#include "views/outlier_figures.h"
#include "views/outlier_summary_model.h"
#include "views/quantizer_table_model.h"
#include "views/result_text.h"

namespace {

using hopscope::ModelAnalysis;
using hopscope::QuantizationStudy;

QString tr(const char* text) { return QObject::tr(text); }

QString number(double value) { return std::isfinite(value) ? OutlierSummaryModel::formatNumber(value) : tr("n/a"); }

// "+12.3 %" / "−97.1 %" (a real minus sign), relative to a reference value.
QString change(double value, double reference) {
  if (!std::isfinite(value) || !std::isfinite(reference) || reference == 0) return {};
  const double percent = (value - reference) / std::abs(reference) * 100.0;
  QString text = QString::number(std::abs(percent), 'f', 1);
  return (percent < 0 ? QStringLiteral("−") : QStringLiteral("+")) + text + QStringLiteral("\u00a0%");
}

// An accuracy's change, in percentage points as the Quantization view shows it: "+1.2 pt" / "−3.0 pt".
QString pointChange(double value, double reference) {
  if (!std::isfinite(value) || !std::isfinite(reference)) return {};
  const double points = (value - reference) * 100.0;
  QString text = QString::number(std::abs(points), 'f', 1);
  return (points < 0 ? QStringLiteral("−") : QStringLiteral("+")) + text + QStringLiteral("\u00a0") + QObject::tr("pt");
}

QString withChange(double value, double reference, bool show, bool points = false) {
  const QString delta = show ? (points ? pointChange(value, reference) : change(value, reference)) : QString();
  return delta.isEmpty() ? number(value) : QStringLiteral("%1\u00a0(%2)").arg(number(value), delta);
}

// Attention masses: 4 decimals, float noise around 0 shown as 0.
QString mass(double value) {
  if (!std::isfinite(value)) return QObject::tr("n/a");
  if (std::abs(value) < 5e-5) value = 0.0;
  return QString::number(value, 'f', 4);
}

bool isAccuracy(const std::string& metricName) { return metricName.find("accuracy") != std::string::npos; }

bool isImageModel(const ReportModel& model) { return model.info.imageSize > 0; }

bool imageReport(const ReportInput& input) {
  return std::any_of(input.models.begin(), input.models.end(), isImageModel);
}

QString metricShortName(const std::string& name) {
  if (name.find("perplexity") != std::string::npos) return tr("ppl");
  if (name == "top1_accuracy") return tr("top-1 accuracy");
  return qtext(name);
}

struct Family {
  QString name;
  std::vector<const ReportModel*> models;
};

std::vector<Family> familiesOf(const ReportInput& input) {
  std::vector<Family> families;
  for (const ReportModel& model : input.models) {
    const QString name = qtext(model.info.family);
    auto it = std::find_if(families.begin(), families.end(), [&](const Family& f) { return f.name == name; });
    if (it == families.end()) it = families.insert(families.end(), Family{name, {}});
    it->models.push_back(&model);
  }
  return families;
}

const ReportModel* vanillaOf(const Family& family) {
  for (const ReportModel* model : family.models)
    if (model->info.normalizer == "softmax" && (model->info.gate.empty() || model->info.gate == "none")) return model;
  return nullptr;
}

QString familyTitle(const Family& family) { return family.name.isEmpty() ? tr("models") : family.name.toUpper(); }

class Builder {
 public:
  explicit Builder(ReportDocument& document) : document_(document) {}

  void heading(int level, const QString& text) {
    ReportBlock block;
    block.kind = ReportBlock::Kind::Heading;
    block.level = level;
    block.text = text;
    block.anchor = QStringLiteral("s%1").arg(++headings_);
    document_.blocks.push_back(std::move(block));
  }
  void paragraph(const QString& text) {
    ReportBlock block;
    block.kind = ReportBlock::Kind::Paragraph;
    block.text = text;
    document_.blocks.push_back(std::move(block));
  }
  void table(ReportTable table) {
    ReportBlock block;
    block.kind = ReportBlock::Kind::Table;
    block.table = std::move(table);
    document_.blocks.push_back(std::move(block));
  }
  void plot(ReportPlot plot) {
    ReportBlock block;
    block.kind = ReportBlock::Kind::Plot;
    block.plot = std::move(plot);
    document_.blocks.push_back(std::move(block));
  }

 private:
  ReportDocument& document_;
  int headings_ = 0;
};

std::vector<bool> numericColumns(int count, int firstNumeric) {
  std::vector<bool> numeric(static_cast<size_t>(count), false);
  for (int i = firstNumeric; i < count; ++i) numeric[static_cast<size_t>(i)] = true;
  return numeric;
}

void summarySection(Builder& out, const ReportInput& input, const std::vector<Family>& families) {
  out.heading(1, reportSectionTitles()[0]);
  const QuantizationStudy& firstStudy = *input.models.front().quantization;
  const QString bits = QStringLiteral("W%1A%2").arg(firstStudy.main.weightBits).arg(firstStudy.main.activationBits);
  out.paragraph(tr("The reference protocol (Bondarenko et al. 2023; OutEffHop, Hu et al. 2024): the task metric of "
                   "the float model and of its simulated %1 quantization on the same blocks and masks, the average "
                   "kurtosis and the largest infinity norm of the protocol's modules. In brackets: the change "
                   "against the vanilla softmax model of the family (lower is better for every column).")
                    .arg(bits));
  if (imageReport(input))
    out.paragraph(tr("Image models: the task metric is the top-1 accuracy over the evaluated images, for which "
                     "higher is better; its changes are in percentage points (pt), as in the Quantization view."));
  for (const Family& family : families) {
    const ReportModel* vanilla = vanillaOf(family);
    const QString metric = metricShortName(family.models.front()->quantization->fp.name);
    ReportTable table;
    table.caption = vanilla ? tr("%1: changes against %2").arg(familyTitle(family), modelName(vanilla->info, 0))
                            : tr("%1: no vanilla softmax model loaded, so no changes are shown").arg(familyTitle(family));
    table.header = {tr("Model"), tr("Normalizer"), tr("Gate"), tr("FP %1").arg(metric), tr("%1 %2").arg(bits, metric),
                    tr("Avg kurtosis"), tr("Max inf-norm")};
    table.numeric = numericColumns(7, 3);
    for (const ReportModel* model : family.models) {
      const bool show = vanilla && vanilla != model;
      auto reference = [&](double (*get)(const ReportModel&)) { return vanilla ? get(*vanilla) : NAN; };
      auto fp = [](const ReportModel& m) { return m.quantization->fp.value; };
      auto quantized = [](const ReportModel& m) { return m.quantization->main.metric.value; };
      auto kurtosis = [](const ReportModel& m) { return m.analysis->figure("avg_kurtosis"); };
      auto infNorm = [](const ReportModel& m) { return m.analysis->figure("max_inf_norm"); };
      const bool points = isAccuracy(model->quantization->fp.name);
      table.rows.push_back({modelName(model->info, 0), qtext(model->info.normalizer), qtext(model->info.gate),
                            withChange(fp(*model), reference(fp), show, points),
                            withChange(quantized(*model), reference(quantized), show, points),
                            withChange(kurtosis(*model), reference(kurtosis), show),
                            withChange(infNorm(*model), reference(infNorm), show)});
    }
    out.table(std::move(table));

    // Every protocol figure and the analysis's own metric, as `analyze` reports them.
    ReportTable figures;
    figures.caption = tr("%1: every protocol figure of the outlier analysis").arg(familyTitle(family));
    figures.header = {tr("Model"), tr("Analysis %1").arg(metric)};
    std::vector<std::string> names;
    for (const ReportModel* model : family.models)
      for (const hopscope::Figure& figure : model->analysis->summary)
        if (std::find(names.begin(), names.end(), figure.name) == names.end()) names.push_back(figure.name);
    for (const std::string& name : names) figures.header << qtext(name).replace(QLatin1Char('_'), QLatin1Char(' '));
    figures.numeric = numericColumns(static_cast<int>(figures.header.size()), 1);
    for (const ReportModel* model : family.models) {
      QStringList row{modelName(model->info, 0), number(model->analysis->metric.value)};
      for (const std::string& name : names) row << number(model->analysis->figure(name));
      figures.rows.push_back(row);
    }
    out.table(std::move(figures));
  }
}

std::vector<hopscope::ModelAnalysisPtr> analysesOf(const Family& family, std::vector<int>& paletteSlots) {
  std::vector<hopscope::ModelAnalysisPtr> analyses;
  paletteSlots.clear();
  for (const ReportModel* model : family.models) {
    analyses.push_back(model->analysis);
    paletteSlots.push_back(model->slot);
  }
  return analyses;
}

void perLayerSection(Builder& out, const std::vector<Family>& families) {
  out.heading(1, reportSectionTitles()[1]);
  out.paragraph(tr("Kurtosis and infinity norm of every layer's block output and FFN output, one line per model "
                   "(log scale), as the Outliers view draws them."));
  for (const Family& family : families) {
    if (families.size() > 1) out.heading(2, familyTitle(family));
    std::vector<int> paletteSlots;
    const auto analyses = analysesOf(family, paletteSlots);
    for (LayerFigure figure : {LayerFigure::BlockKurtosis, LayerFigure::BlockInfNorm, LayerFigure::FfnKurtosis,
                               LayerFigure::FfnInfNorm}) {
      ReportPlot plot;
      plot.figure = perLayerFigure(analyses, paletteSlots, figure);
      plot.height = 360;
      out.plot(std::move(plot));
    }
  }
}

void histogramSection(Builder& out, const ReportInput& input) {
  out.heading(1, reportSectionTitles()[2]);
  out.paragraph(tr("For each model, the symmetric-log histogram of its worst module (the largest inf-norm among the "
                   "modules with an activation quantizer) over the evaluated text, with the integer grid of that "
                   "quantizer as calibrated for the quantization study drawn over it: with outliers, the bulk of "
                   "the values near zero falls on very few levels."));
  if (imageReport(input)) out.paragraph(tr("Image models: the values are those of the evaluated images."));
  for (const ReportModel& model : input.models) out.plot(quantizedHistogramPlot(model));
}

QString layerChoiceName(int layer) {
  if (layer == -1) return tr("last layer");
  if (layer < 0) return tr("layer L%1").arg(layer);
  return tr("layer %1").arg(layer);
}

QString headChoiceName(int head) {
  if (head == -1) return tr("mean over heads");
  if (head == -2) return tr("the head with the most no-op mass");
  return tr("head %1").arg(head);
}

void attentionSection(Builder& out, const ReportInput& input) {
  out.heading(1, reportSectionTitles()[3]);
  if (imageReport(input)) {
    QStringList names;
    for (size_t m = 0; m < input.models.size(); ++m)
      if (isImageModel(input.models[m])) names << modelName(input.models[m].info, m);
    out.paragraph(tr("Not drawn for image models (%1): their attention runs over image patches, not over the tokens "
                     "of a sample text, so this section's token maps do not apply. The GUI's Attention view shows "
                     "an image's class-token attention over the patch grid; the per-layer head statistics over the evaluated images follow in the next "
                     "section.")
                      .arg(names.join(QStringLiteral(", "))));
    return;
  }
  out.paragraph(tr("Attention probabilities of the sample input “%1”, query tokens down, key tokens across, colours "
                   "0 to 1 in every panel. The no-op mass is the mean over query rows of 1 − Σp: the weight a "
                   "softmax1 head assigns to nothing (0 for softmax; clipped softmax may also go above or below 0). "
                   "“The head with the most no-op mass” is chosen per model over the evaluated text (the most "
                   "delimiter mass when no head has any).")
                    .arg(input.sampleText));
  constexpr int kPanelsPerRow = 2;  // wide enough for the token labels of a sentence
  for (int layerChoice : input.attention.layers) {
    for (int headChoice : input.attention.heads) {
      out.heading(2, tr("%1, %2").arg(layerChoiceName(layerChoice), headChoiceName(headChoice)));
      std::vector<HeatmapData> panels;
      QStringList missing;
      for (size_t m = 0; m < input.models.size(); ++m) {
        const ReportModel& model = input.models[m];
        const QString name = modelName(model.info, m);
        if (!model.sample || model.sample->attention.empty()) {
          missing << name;
          continue;
        }
        const int layers = static_cast<int>(model.sample->attention.size());
        const int layer = layerChoice < 0 ? layers + layerChoice : layerChoice;
        if (layer < 0 || layer >= layers) {
          missing << tr("%1 (has %2 layers)").arg(name).arg(layers);
          continue;
        }
        const int heads = static_cast<int>(model.sample->attention[static_cast<size_t>(layer)].heads);
        int head = headChoice == -2 ? headWithMostNoOpMass(*model.analysis, layer) : headChoice;
        if (head >= heads) {
          missing << tr("%1 (has %2 heads)").arg(name).arg(heads);
          continue;
        }
        HeatmapData data = attentionHeatmap(name, model.info.normalizer, *model.sample, layer, head);
        const QString which = head < 0 ? tr("mean of %1 heads").arg(heads) : tr("head %1").arg(head);
        // A long name breaks before its normalizer so the panel title is not cut.
        const QString shown = name.size() > 24 ? QString(name).replace(QLatin1Char('@'), QStringLiteral("\n@")) : name;
        data.title = tr("%1\nlayer %2, %3\nno-op mass %4")
                         .arg(shown).arg(layer).arg(which)
                         .arg(mass(sampleNoOpMass(*model.sample, layer, head)));
        panels.push_back(std::move(data));
      }
      for (size_t first = 0; first < panels.size(); first += kPanelsPerRow) {
        ReportPlot plot;
        plot.kind = ReportPlot::Kind::Heatmaps;
        const size_t last = std::min(panels.size(), first + kPanelsPerRow);
        plot.heatmaps.assign(panels.begin() + static_cast<std::ptrdiff_t>(first),
                             panels.begin() + static_cast<std::ptrdiff_t>(last));
        plot.width = 900;
        plot.height = 420;
        out.plot(std::move(plot));
      }
      if (!missing.isEmpty()) out.paragraph(tr("Not shown: %1.").arg(missing.join(QStringLiteral("; "))));
    }
  }
}

void headStatisticsSection(Builder& out, const std::vector<Family>& families) {
  out.heading(1, reportSectionTitles()[4]);
  out.paragraph(tr("Per layer over the evaluated text, the mean over heads and the largest head (its index in "
                   "brackets) of: the no-op mass (mean over query rows of 1 − Σp), the delimiter mass (weight on "
                   "[CLS], [SEP], '.', </s>), the first-token mass, and the mean entropy of a row (nats). Every "
                   "head's values are in the bundle's analysis.json."));
  for (const Family& family : families) {
    ReportTable table;
    table.caption = familyTitle(family);
    table.header = {tr("Model"), tr("Layer"), tr("No-op mass"), tr("Max no-op (head)"), tr("Delimiter mass"),
                    tr("Max delimiter (head)"), tr("First-token mass"), tr("Entropy")};
    table.numeric = numericColumns(8, 1);
    for (const ReportModel* model : family.models) {
      for (const hopscope::AttentionAnalysis& attention : model->analysis->attention) {
        const int64_t heads = attention.heads.heads();
        if (heads <= 0) continue;
        double noOp = 0, delimiter = 0, first = 0, entropy = 0, maxNoOp = -1, maxDelimiter = -1;
        int64_t noOpHead = 0, delimiterHead = 0;
        for (int64_t h = 0; h < heads; ++h) {
          const hopscope::HeadSummary s = attention.heads.head(h);
          noOp += s.noOpMass, delimiter += s.delimiterMass, first += s.firstTokenMass, entropy += s.entropy;
          if (s.noOpMass > maxNoOp) maxNoOp = s.noOpMass, noOpHead = h;
          if (s.delimiterMass > maxDelimiter) maxDelimiter = s.delimiterMass, delimiterHead = h;
        }
        const double n = static_cast<double>(heads);
        table.rows.push_back({modelName(model->info, 0), QString::number(attention.layer), mass(noOp / n),
                              QStringLiteral("%1 (%2)").arg(mass(maxNoOp)).arg(noOpHead), mass(delimiter / n),
                              QStringLiteral("%1 (%2)").arg(mass(maxDelimiter)).arg(delimiterHead),
                              mass(first / n), number(entropy / n)});
      }
    }
    out.table(std::move(table));
  }
}

void quantizerSection(Builder& out, const ReportInput& input) {
  out.heading(1, reportSectionTitles()[5]);
  out.paragraph(tr("Every quantizer of the main configuration, as the Quantization view lists them: weights (range "
                   "of the tensor) then activations (range frozen after calibration) in forward order; clipped "
                   "share of the values, signal-to-quantization-noise ratio, and the number of grid levels "
                   "holding 99 % of the values."));
  QuantizerTableModel model;
  for (size_t m = 0; m < input.models.size(); ++m) {
    const ReportModel& entry = input.models[m];
    out.heading(2, modelName(entry.info, m));
    model.setQuantizers(entry.quantization->quantizers);
    ReportTable table;
    const hopscope::QuantizedRun& run = entry.quantization->main;
    table.caption = tr("%1: W%2A%3, %4 estimator, %5 = %6 (FP %7)")
                        .arg(modelName(entry.info, m)).arg(run.weightBits).arg(run.activationBits)
                        .arg(qtext(run.estimator), metricShortName(entry.quantization->fp.name))
                        .arg(number(run.metric.value), number(entry.quantization->fp.value));
    for (int c = 0; c < model.columnCount(); ++c) table.header << model.headerData(c, Qt::Horizontal).toString();
    table.numeric = numericColumns(model.columnCount(), QuantizerTableModel::Bits);
    for (int r = 0; r < model.rowCount(); ++r) {
      QStringList row;
      for (int c = 0; c < model.columnCount(); ++c) row << model.index(r, c).data().toString();
      table.rows.push_back(row);
    }
    out.table(std::move(table));
  }
}

QString fileRole(const QString& path) { return path.section(QLatin1Char('/'), -1); }

QString shellQuote(const QString& text) {
  static const QRegularExpression plain(QStringLiteral("^[A-Za-z0-9_./:@=,+-]+$"));
  if (plain.match(text).hasMatch()) return text;
  QString quoted = text;
  quoted.replace(QLatin1Char('\''), QStringLiteral("'\\''"));
  return QLatin1Char('\'') + quoted + QLatin1Char('\'');
}

void provenanceSection(Builder& out, const ReportInput& input) {
  out.heading(1, reportSectionTitles()[6]);
  const ReportProvenance& p = input.provenance;
  const ModelAnalysis& analysis = *input.models.front().analysis;
  const QuantizationStudy& study = *input.models.front().quantization;

  out.heading(2, tr("Models"));
  ReportTable models;
  models.header = {tr("Model"), tr("MODEL argument"), tr("Family"), tr("Normalizer"), tr("Gate"), tr("Layers × hidden, heads"),
                   tr("Parameters"), tr("Device")};
  models.numeric = numericColumns(8, 6);
  models.numeric[7] = false;
  for (size_t m = 0; m < input.models.size(); ++m) {
    const hopscope::ModelInfo& info = input.models[m].info;
    models.rows.push_back({modelName(info, m), qtext(info.argument), QStringLiteral("%1 (%2)").arg(qtext(info.family), qtext(info.architecture)),
                           qtext(info.normalizer), qtext(info.gate),
                           QStringLiteral("%1 × %2, %3").arg(info.layers).arg(info.hidden).arg(info.heads),
                           QString::number(info.parameterCount), qtext(info.device)});
  }
  out.table(std::move(models));

  out.heading(2, tr("Files"));
  ReportTable files;
  files.caption = tr("SHA-256 of every file the numbers depend on");
  files.header = {tr("Used as"), tr("File"), tr("Bytes"), tr("SHA-256")};
  files.numeric = {false, false, true, false};
  files.monospace = true;
  for (size_t m = 0; m < input.models.size(); ++m)
    for (const ReportFile& file : input.models[m].weights)
      files.rows.push_back({tr("%1: %2").arg(modelName(input.models[m].info, m), fileRole(file.path)), file.path,
                            QString::number(file.bytes), file.sha256});
  const bool images = imageReport(input);
  const QString evaluatedRole = images ? tr("evaluated images") : tr("evaluated text");
  const QString calibrationRole = images ? tr("calibration images") : tr("calibration text");
  for (const ReportFile& file : p.data)
    files.rows.push_back({evaluatedRole, file.path, QString::number(file.bytes), file.sha256});
  for (const ReportFile& file : p.calibration)
    files.rows.push_back({calibrationRole, file.path, QString::number(file.bytes), file.sha256});
  out.table(std::move(files));

  out.heading(2, tr("Settings"));
  ReportTable settings;
  settings.header = {tr("Setting"), tr("Value")};
  settings.numeric = {false, false};
  auto add = [&](const QString& key, const QString& value) { settings.rows.push_back({key, value}); };
  if (images) {
    add(evaluatedRole, tr("%1 (%2 images, %3 bytes, %4)")
                           .arg(qtext(analysis.data.path)).arg(analysis.data.documents).arg(analysis.data.bytes)
                           .arg(qtext(analysis.data.fingerprint)));
    add(calibrationRole, tr("%1 (%2 images, %3 bytes, %4)")
                             .arg(qtext(study.calibration.path)).arg(study.calibration.documents)
                             .arg(study.calibration.bytes).arg(qtext(study.calibration.fingerprint)));
  } else {
  add(tr("evaluated text"), tr("%1 (%2 documents, %3 bytes, %4)")
                                .arg(qtext(analysis.data.path)).arg(analysis.data.documents).arg(analysis.data.bytes)
                                .arg(qtext(analysis.data.fingerprint)));
  add(tr("calibration text"), tr("%1 (%2 documents, %3 bytes, %4)")
                                  .arg(qtext(study.calibration.path)).arg(study.calibration.documents)
                                  .arg(study.calibration.bytes).arg(qtext(study.calibration.fingerprint)));
  }
  QStringList seqLens;
  for (const ReportModel& model : input.models) {
    const QString value = QString::number(model.analysis->settings.seqLen);
    if (!seqLens.contains(value)) seqLens << value;
  }
  if (images)
    add(tr("images"), QString::number(analysis.settings.samples));
  else
    add(tr("token blocks × tokens"), tr("%1 × %2").arg(analysis.settings.samples).arg(seqLens.join(QStringLiteral(" / "))));
  add(tr("batch"), QString::number(analysis.settings.batch));
  if (!images)
    add(tr("masking probability, seed"), tr("%1, %2").arg(analysis.settings.maskProb).arg(analysis.settings.seed));
  add(tr("quantization"), tr("W%1A%2, activation estimator %3, weights per %4 (%5 range, %6 grid), %7 calibration batches")
                              .arg(study.main.weightBits).arg(study.main.activationBits).arg(qtext(study.main.estimator))
                              .arg(qtext(study.settings.granularity), qtext(study.settings.weightRange),
                                   qtext(study.settings.weightGrid))
                              .arg(study.settings.calibrationBatches));
  if (!images) {
  add(tr("sample input"), input.sampleText);
  QStringList layers, heads;
  for (int layer : input.attention.layers) layers << layerChoiceName(layer);
  for (int head : input.attention.heads) heads << headChoiceName(head);
  add(tr("attention maps"), tr("%1; %2").arg(layers.join(QStringLiteral(", ")), heads.join(QStringLiteral(", "))));
  }
  add(tr("hopscope version"), p.version);
  add(tr("date (UTC)"), p.date);
  add(tr("machine"), p.machine);
  add(tr("made by"), p.command);
  out.table(std::move(settings));

  out.heading(2, tr("Reproducing the numbers"));
  QStringList arguments;
  for (const ReportModel& model : input.models) arguments << shellQuote(qtext(model.info.argument));
  QString common = QStringLiteral("--data %1 --samples %2 --seq-len %3 --batch %4 --mask-prob %5 --seed %6")
                       .arg(shellQuote(qtext(analysis.data.path))).arg(analysis.settings.samples)
                       .arg(analysis.settings.seqLen).arg(analysis.settings.batch).arg(analysis.settings.maskProb)
                       .arg(analysis.settings.seed);
  QString calibrationArguments = QStringLiteral(" --calib %1").arg(shellQuote(qtext(study.calibration.path)));
  if (images) {
    common = QStringLiteral("--images %1").arg(shellQuote(qtext(analysis.data.path)));
    if (!p.labels.isEmpty()) common += QStringLiteral(" --labels %1").arg(shellQuote(p.labels));
    common += QStringLiteral(" --samples %1 --batch %2").arg(analysis.settings.samples).arg(analysis.settings.batch);
    calibrationArguments.clear();
    if (!p.calibrationImages.isEmpty()) calibrationArguments = QStringLiteral(" --calib-images %1").arg(shellQuote(p.calibrationImages));
    if (!p.calibrationLabels.isEmpty())
      calibrationArguments += QStringLiteral(" --calib-labels %1").arg(shellQuote(p.calibrationLabels));
  }
  ReportTable commands;
  commands.header = {tr("Command")};
  commands.numeric = {false};
  commands.monospace = true;
  commands.rows.push_back({QStringLiteral("hopscope-cli analyze %1 %2 --json analysis.json").arg(arguments.join(QLatin1Char(' ')), common)});
  commands.rows.push_back({QStringLiteral("hopscope-cli quantize %1 %2%3 --calib-batches %4 --wbits %5 "
                                          "--abits %6 --estimator %7 --weight-grid %8 --json quantization.json")
                               .arg(arguments.join(QLatin1Char(' ')), common, calibrationArguments)
                               .arg(study.settings.calibrationBatches).arg(study.main.weightBits).arg(study.main.activationBits)
                               .arg(qtext(study.main.estimator), qtext(study.settings.weightGrid))});
  out.paragraph(tr("These commands recompute every number of this report (the JSON files hold them all; the "
                   "bundle beside the report, if written, holds the same JSON). With block lengths capped per model "
                   "(several values above), run each model on its own with its --seq-len."));
  out.table(std::move(commands));
}

}  // namespace

int ReportDocument::plotCount() const {
  return static_cast<int>(std::count_if(blocks.begin(), blocks.end(),
                                        [](const ReportBlock& b) { return b.kind == ReportBlock::Kind::Plot; }));
}

QStringList reportSectionTitles() {
  return {QObject::tr("Summary"),
          QObject::tr("Outliers per layer"),
          QObject::tr("Activation histograms and the quantization grid"),
          QObject::tr("Attention maps of a sample input"),
          QObject::tr("Attention-head statistics"),
          QObject::tr("Quantizers"),
          QObject::tr("Provenance")};
}

ReportDocument buildReportDocument(const ReportInput& input) {
  ReportDocument document;
  document.title = input.title;
  QStringList names;
  for (size_t m = 0; m < input.models.size(); ++m) names << modelName(input.models[m].info, m);
  document.subtitle = QObject::tr("%1 — hopscope %2, %3").arg(names.join(QStringLiteral(", ")), input.provenance.version,
                                                             input.provenance.date);
  if (input.models.empty()) return document;
  Builder out(document);
  const std::vector<Family> families = familiesOf(input);
  summarySection(out, input, families);
  perLayerSection(out, families);
  histogramSection(out, input);
  attentionSection(out, input);
  headStatisticsSection(out, families);
  quantizerSection(out, input);
  provenanceSection(out, input);
  return document;
}
