// hopscope-cli report: the whole side-by-side comparison as one HTML file, a PDF and a bundle of
// the numbers, rendered with Qt (offscreen, no display needed) by the same report library as the
// GUI's File ▸ Export report….
#include <QApplication>
#include <QString>

#include <iostream>
#include <memory>
#include <sstream>

#include "cancel_signal.h"
#include "commands.h"
#include "image_options.h"
#include "hopscope/bundled_resources.h"
#include "hopscope/error.h"
#include "progress_bar.h"
#include "report/report_compute.h"
#include "report/report_writer.h"

namespace hopscope::cli {
namespace {

// The sentence the GUI runs by default (MainWindow::defaultText).
const char* const kDefaultSampleText = "The whale surfaced near the ship, and the men cheered.";

std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  std::string part;
  while (std::getline(stream, part, ','))
    if (!part.empty()) parts.push_back(part);
  return parts;
}

int parseInteger(const std::string& text, const std::string& option) {
  try {
    size_t used = 0;
    const int value = std::stoi(text, &used);
    if (used == text.size()) return value;
  } catch (...) {
  }
  throw CLI::ValidationError(option, "'" + text + "' is not a whole number");
}

std::vector<int> parseLayers(const std::string& text) {
  std::vector<int> layers;
  for (const std::string& part : splitList(text)) layers.push_back(part == "last" ? -1 : parseInteger(part, "--layers"));
  if (layers.empty()) throw CLI::ValidationError("--layers", "is empty");
  return layers;
}

std::vector<int> parseHeads(const std::string& text) {
  std::vector<int> heads;
  for (const std::string& part : splitList(text)) {
    if (part == "mean") heads.push_back(-1);
    else if (part == "noop") heads.push_back(-2);
    else {
      const int head = parseInteger(part, "--heads");
      if (head < 0) throw CLI::ValidationError("--heads", "'" + part + "': heads are mean, noop or an index from 0");
      heads.push_back(head);
    }
  }
  if (heads.empty()) throw CLI::ValidationError("--heads", "is empty");
  return heads;
}

std::string commandLine(const std::vector<std::string>& models, const std::string& rest) {
  std::string line = "hopscope-cli report";
  for (const std::string& model : models) line += " " + model;
  return line + rest;
}

}  // namespace

void addReportCommand(CLI::App& app) {
  struct Options {
    std::vector<std::string> models;
    std::string images, labels, calibImages, calibLabels;
    std::string data, calib, html, pdf, bundle, paper = "a4", title = "hopscope report", text = kDefaultSampleText,
                                                  layers = "0,last", heads = "mean,noop", estimator = "running";
    EvaluationSettings settings;
    int64_t calibBatches = 4;
  };
  auto o = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "report",
      "The full side-by-side comparison of the models as a self-contained HTML file (and a PDF, and the numbers "
      "as CSV and JSON): the protocol summary per family with the change against vanilla softmax, per-layer "
      "kurtosis and inf-norm, each model's worst-module histogram with its 8-bit grid, attention maps of a sample "
      "input, attention-head statistics, every quantizer, and provenance (SHA-256 of every file, settings, "
      "version). Computed as `analyze` and `quantize` do with the same settings.");
  command->add_option("MODEL", o->models, "One or more PATH[@NORMALIZER]")->required();
  command->add_option("--data", o->data,
                      "Evaluated text (file or folder of .txt); " + bundledDefaultNote(kBundledEvalText));
  command->add_option("--calib", o->calib, "Calibration text; " + bundledDefaultNote(kBundledTrainText));
  addImageOptions(*command, o->images, o->labels, &o->calibImages, &o->calibLabels);
  command->add_option("--samples", o->settings.samples, "Token blocks (or images) to evaluate")
      ->check(CLI::PositiveNumber)->capture_default_str();
  command->add_option("--seq-len", o->settings.seqLen, "Tokens per block")->check(CLI::Range(2, 1 << 20))
      ->capture_default_str();
  command->add_option("--batch", o->settings.batch, "Blocks per forward pass")->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--mask-prob", o->settings.maskProb, "Masked-LM masking probability")
      ->check(CLI::Range(0.0, 1.0))->capture_default_str();
  command->add_option("--seed", o->settings.seed, "Masking seed")->capture_default_str();
  command->add_option("--calib-batches", o->calibBatches, "Calibration batches")->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->add_option("--estimator", o->estimator, "Activation range estimator: minmax, running, percentile:P, mse")
      ->capture_default_str();
  command->add_option("--text", o->text, "Sample input whose attention maps are shown")->capture_default_str();
  command->add_option("--layers", o->layers,
                      "Layers of the attention maps: a comma list of indices, negative or 'last' counting from the end")
      ->capture_default_str();
  command->add_option("--heads", o->heads,
                      "Heads of the attention maps: a comma list of 'mean' (over heads), 'noop' (the head with the "
                      "most no-op mass) and head indices")
      ->capture_default_str();
  command->add_option("--title", o->title, "Report title")->capture_default_str();
  command->add_option("--html", o->html, "Write the report as one self-contained HTML file")->required();
  command->add_option("--pdf", o->pdf, "Also write it as a PDF");
  command->add_option("--paper", o->paper, "PDF paper size")
      ->check(CLI::IsMember({"a4", "letter"}, CLI::ignore_case))->capture_default_str();
  command->add_option("--bundle", o->bundle, "Also write every number as CSV and JSON into this folder");
  command->callback([o] {
    installCancelOnInterrupt();
    ReportOutputs outputs;
    outputs.html = QString::fromStdString(o->html);
    outputs.pdf = QString::fromStdString(o->pdf);
    outputs.bundle = QString::fromStdString(o->bundle);
    try {
      outputs.paper = paperFromName(QString::fromStdString(o->paper));
      checkReportOutputs(outputs);  // before any long work
    } catch (const Error& error) {
      throw CLI::ValidationError(error.what());
    }
    ReportRequest request;
    request.title = QString::fromStdString(o->title);
    request.data = o->data.empty() ? requireBundledFile(kBundledEvalText, "--data") : o->data;
    request.calibration = o->calib.empty() ? requireBundledFile(kBundledTrainText, "--calib") : o->calib;
    request.evaluation = o->settings;
    request.images = o->images;
    request.labels = o->labels;
    request.calibrationImages = o->calibImages;
    request.calibrationLabels = o->calibLabels;
    request.calibrationBatches = o->calibBatches;
    request.estimator = o->estimator;
    request.sampleText = o->text;
    request.attention.layers = parseLayers(o->layers);
    request.attention.heads = parseHeads(o->heads);
    request.device = deviceName();
    std::ostringstream settings;
    if (!o->images.empty()) {
      settings << " --images " << o->images;
      if (!o->labels.empty()) settings << " --labels " << o->labels;
      if (!o->calibImages.empty()) settings << " --calib-images " << o->calibImages;
      if (!o->calibLabels.empty()) settings << " --calib-labels " << o->calibLabels;
    }
    settings << " --data " << request.data << " --calib " << request.calibration << " --samples "
             << o->settings.samples << " --seq-len " << o->settings.seqLen << " --batch " << o->settings.batch
             << " --mask-prob " << o->settings.maskProb << " --seed " << o->settings.seed << " --calib-batches "
             << o->calibBatches << " --estimator " << o->estimator;
    request.command = QString::fromStdString(commandLine(o->models, settings.str()));
    std::vector<ReportModelSource> sources;
    for (const std::string& model : o->models) sources.push_back({model, nullptr, nullptr, nullptr, -1});

    // QCustomPlot draws with QtWidgets: a QApplication on the offscreen platform needs no display.
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    static int argc = 1;
    static char name[] = "hopscope-cli";
    static char* argv[] = {name, nullptr};
    // Qt's notes about the headless session (no XDG_RUNTIME_DIR, ...) are not the user's concern.
    qInstallMessageHandler([](QtMsgType type, const QMessageLogContext&, const QString& message) {
      if (type == QtCriticalMsg || type == QtFatalMsg) std::cerr << "hopscope-cli: " << message.toStdString() << "\n";
    });
    QApplication application(argc, argv);

    ProgressBar bar;
    const JobControl job = cancellableJob(bar.job());
    const ReportInput input = computeReportInput(request, sources, job.slice(0.0, 0.85));
    const ReportWritten written = writeReport(input, outputs, job.slice(0.85, 1.0));
    std::cout << "wrote " << o->html;
    if (!o->pdf.empty()) std::cout << ", " << o->pdf << " (" << written.pdfPages << " pages)";
    if (!o->bundle.empty()) std::cout << ", " << o->bundle << "/";
    std::cout << "\n";
  });
}

}  // namespace hopscope::cli
