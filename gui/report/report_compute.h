#pragma once
// Fills a ReportInput with the engine: opens the models that are not open yet, and for each model
// runs the outlier analysis (as `hopscope-cli analyze`), the quantization study (as `quantize`)
// and the sample text, unless an already computed result with the very same settings and data is
// given (the GUI passes the results on screen). Hashes every input file. Progress and cancel
// through the JobControl; runs on any thread (it creates no widget).
#include <QString>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "hopscope/evaluation_settings.h"
#include "hopscope/job_control.h"
#include "hopscope/loaded_model.h"
#include "hopscope/model_analysis.h"
#include "hopscope/quantization_study.h"
#include "report/report_input.h"

struct ReportRequest {
  QString title = QStringLiteral("hopscope report");
  std::string data;         // evaluated text (file or folder)
  std::string calibration;  // calibration text
  // Image models (ViT), as `analyze` / `quantize --images`: the evaluated images (an idx file, an
  // image folder or one image; image_inputs.h) and their idx labels (empty: the file beside them);
  // calibration images (empty: the calibrationBatches × batch images that follow the evaluated ones)
  // and their labels. A report holds text models or image models, not both.
  std::string images, labels, calibrationImages, calibrationLabels;
  hopscope::EvaluationSettings evaluation;  // analysis and quantization alike
  bool capSeqLenToModel = false;  // the GUI caps the block length to each model's position table
  int64_t calibrationBatches = 4;
  int weightBits = 8, activationBits = 8;
  std::string estimator = "running";
  bool unsignedWeightGrid = false;  // --weight-grid auto
  std::string sampleText;
  AttentionChoice attention;
  std::string device = "cpu";
  QString command;  // recorded in the provenance
};

// One model of the report: an argument to open, or a model already open, with any results already
// computed (used only when their settings match the request).
struct ReportModelSource {
  std::string argument;
  std::shared_ptr<const hopscope::LoadedModel> model;
  hopscope::ModelAnalysisPtr analysis;
  hopscope::QuantizationStudyPtr quantization;
  int slot = -1;  // palette slot; -1: the model's index among the models of its family
};

// Whether an existing result was computed with the request's settings on the given data (by
// fingerprint); seqLen is the one used for this model.
bool analysisMatches(const hopscope::ModelAnalysis& analysis, const ReportRequest& request, int64_t seqLen,
                     const std::string& dataFingerprint);
bool studyMatches(const hopscope::QuantizationStudy& study, const ReportRequest& request, int64_t seqLen,
                  const std::string& dataFingerprint, const std::string& calibrationFingerprint);

// Throws hopscope::Error (bad model, data, settings) or hopscope::Cancelled.
// `reused`, when given, receives how many results were taken over instead of computed.
ReportInput computeReportInput(const ReportRequest& request, const std::vector<ReportModelSource>& sources,
                               const hopscope::JobControl& job = {}, int* reused = nullptr);
