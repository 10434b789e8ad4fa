#pragma once
// What the Outliers and Quantization views ask the engine to evaluate: plain values the UI thread
// fills from its controls and a worker turns into engine settings.
#include <QString>

#include <cstdint>

struct AnalysisRequest {
  QString dataPath;      // UTF-8 text file or folder of .txt files
  int64_t samples = 16;  // token blocks
  int64_t seqLen = 128;  // tokens per block (capped to each model's position table)
  int64_t batch = 8;
  double maskProb = 0.15;
  uint64_t seed = 0;
};

struct QuantizationRequest {
  QString dataPath;         // evaluation text
  QString calibrationPath;  // calibration text (disjoint from the evaluation text)
  int64_t samples = 16;
  int64_t seqLen = 128;
  int64_t batch = 8;
  int64_t calibrationBatches = 2;
  int weightBits = 8;
  int activationBits = 8;
  bool sweepActivationBits = false;  // also 4..(activationBits - 1) for the bit-width plot
  QString estimator = QStringLiteral("running");
  bool unsignedGridWhenNonNegative = false;  // --weight-grid auto
  double maskProb = 0.15;
  uint64_t seed = 0;
};
