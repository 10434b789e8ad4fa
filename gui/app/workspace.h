#pragma once
// A workspace: what a session of the workbench shows, as a JSON file. The models (each with its
// normalizer), the input text, the evaluation settings row, the selected view, and the attention
// layer and head. Model and text paths inside the workspace file's folder are stored relative to
// it (so a folder of checkpoints and its workspace move together), others absolute; relative paths
// are resolved against the folder when read.
//
//   {"hopscope_workspace": 1, "models": [{"path": "bert", "normalizer": "softmax1"}],
//    "text": "...", "view": "outliers", "attention": {"layer": 1, "head": 2, "colours": "log"},
//    "evaluation": {"data": "...", "blocks": 16, "tokens": 0, "weight_bits": 8,
//                   "activation_bits": 8, "estimator": "running", "sweep_activation_bits": false,
//                   "unsigned_weight_grid": false, "calibration": "...", "calibration_batches": 2,
//                   "vit_reference_compat": false}}
//
// "tokens": 0 is "auto" (the CLI's default); "head": -1 is the mean over heads; "colours" is the
// attention colour scale (unit, shared, per-map, log; absent: as it is); "normalizer": "" is the
// variant stored in the checkpoint.
#include <QString>

#include <vector>

#include "jobs/evaluation_requests.h"

struct WorkspaceModel {
  QString path;        // absolute once read
  QString normalizer;  // empty: as stored in config.json
  QString argument() const;  // PATH[@NORMALIZER], as MainWindow::openModel takes it
  // Splits a MODEL argument (hopscope::parseModelArgument's rules).
  static WorkspaceModel fromArgument(const QString& argument);
};

struct Workspace {
  static constexpr int kFormatVersion = 1;
  std::vector<WorkspaceModel> models;
  QString text;
  QuantizationRequest evaluation;  // the settings row: text file, blocks, tokens, bits, estimator, ...
  QString view;
  int layer = 0;
  int head = 0;  // -1: mean over heads
  QString colours;  // attention_selection.h attentionColourNames(); empty: unchanged
};

// True when the file is JSON with a "hopscope_workspace" key (how a dropped .json is told apart).
bool isWorkspaceFile(const QString& path);

// Throws hopscope::Error naming the file and the problem: missing or unreadable file, not JSON, not
// a workspace, a format version this build does not read, a field of the wrong type.
Workspace readWorkspace(const QString& path);

// Writes atomically (QSaveFile); throws hopscope::Error naming the file and the problem.
void writeWorkspace(const Workspace& workspace, const QString& path);
