#pragma once
// What a report is made of, as values: per model its identity, its outlier analysis, its
// quantization study and its run of the sample text, plus the provenance of every input (weight
// hashes, data hashes, settings, version, date, machine). Both front ends fill it (the CLI by
// computing everything, the GUI from the results on screen plus what is missing) and hand it to
// report_document.h, so the same values give the same report.
#include <QString>
#include <QStringList>

#include <optional>
#include <vector>

#include "hopscope/loaded_model.h"
#include "hopscope/model_analysis.h"
#include "hopscope/model_info.h"
#include "hopscope/quantization_study.h"

// A file that went into the report, with its SHA-256.
struct ReportFile {
  QString path;
  QString sha256;
  qint64 bytes = 0;
};

struct ReportModel {
  hopscope::ModelInfo info;
  int slot = 0;  // palette slot (model_palette.h): the model's colour in every figure
  hopscope::ModelAnalysisPtr analysis;         // required
  hopscope::QuantizationStudyPtr quantization; // required
  std::optional<hopscope::TextRunResult> sample;  // the sample text's run (attention maps)
  std::vector<ReportFile> weights;             // config.json and every weight file of the checkpoint
};

// Which attention maps the report shows: layers (negative counts from the end: -1 = last) and
// heads (-1 = the mean over heads, -2 = the head with the most no-op mass, else a head index).
struct AttentionChoice {
  std::vector<int> layers{0, -1};
  std::vector<int> heads{-1, -2};
};

struct ReportProvenance {
  QString version;   // hopscope version
  QString date;      // ISO 8601, UTC
  QString machine;   // host, OS, CPU architecture, cores
  QString command;   // the command line or "File ▸ Export report…"
  std::vector<ReportFile> data;         // the evaluated text's files (image models: the images')
  std::vector<ReportFile> calibration;  // the calibration text's files (image models: the images')
  // Image models: the --labels, --calib-images and --calib-labels given (empty when not).
  QString labels, calibrationImages, calibrationLabels;
};

struct ReportInput {
  QString title = QStringLiteral("hopscope report");
  QString sampleText;  // the text whose attention maps are shown
  AttentionChoice attention;
  std::vector<ReportModel> models;  // in display order
  ReportProvenance provenance;
};
