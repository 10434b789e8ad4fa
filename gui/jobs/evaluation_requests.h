#pragma once
// What the Outliers and Quantization views ask the engine to evaluate: plain values the UI thread
// fills from its controls and a worker turns into engine settings.
#include <QString>

#include <cstdint>

struct AnalysisRequest {
  QString dataPath;      // UTF-8 text file or folder of .txt files
  int64_t samples = 16;  // token blocks
  // Tokens per block; 0: the CLI's default (128, or the model's position table if shorter). A
  // value beyond a model's position table is that model's error, as in the CLI (never capped).
  int64_t seqLen = 0;
  int64_t batch = 8;
  double maskProb = 0.15;
  uint64_t seed = 0;

  bool operator==(const AnalysisRequest& o) const {
    return dataPath == o.dataPath && samples == o.samples && seqLen == o.seqLen && batch == o.batch &&
           maskProb == o.maskProb && seed == o.seed;
  }
  bool operator!=(const AnalysisRequest& o) const { return !(*this == o); }
};

struct QuantizationRequest {
  QString dataPath;         // evaluation text
  QString calibrationPath;  // calibration text (disjoint from the evaluation text)
  int64_t samples = 16;
  int64_t seqLen = 0;  // as AnalysisRequest::seqLen
  int64_t batch = 8;
  int64_t calibrationBatches = 2;
  int weightBits = 8;
  int activationBits = 8;
  bool sweepActivationBits = false;  // also 4..(activationBits - 1) for the bit-width plot
  QString estimator = QStringLiteral("running");
  bool unsignedGridWhenNonNegative = false;  // --weight-grid auto
  double maskProb = 0.15;
  uint64_t seed = 0;

  bool operator==(const QuantizationRequest& o) const {
    return dataPath == o.dataPath && calibrationPath == o.calibrationPath && samples == o.samples &&
           seqLen == o.seqLen && batch == o.batch && calibrationBatches == o.calibrationBatches &&
           weightBits == o.weightBits && activationBits == o.activationBits &&
           sweepActivationBits == o.sweepActivationBits && estimator == o.estimator &&
           unsignedGridWhenNonNegative == o.unsignedGridWhenNonNegative && maskProb == o.maskProb && seed == o.seed;
  }
  bool operator!=(const QuantizationRequest& o) const { return !(*this == o); }
};
