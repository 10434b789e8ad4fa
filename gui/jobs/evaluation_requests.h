#pragma once
// What the Outliers and Quantization views ask the engine to evaluate: plain values the UI thread
// fills from its controls and a worker turns into engine settings. Text models read the text
// fields (dataPath, seqLen, maskProb, calibrationPath); image models (TaskKind::ImageClassification,
// the ViT family) read imagePath instead, as hopscope-cli analyze / quantize --images do. forImages()
// keeps only the fields a model of that kind reads, so a text change never makes an image result
// stale and the reverse.
#include <QString>

#include <cstdint>

struct AnalysisRequest {
  QString dataPath;      // UTF-8 text file or folder of .txt files
  // Image models: an idx image file (raw or .gz, its labels-idx1 file beside it), an ImageFolder (one
  // subfolder per class) or one image; its first `samples` images are evaluated.
  QString imagePath;
  int64_t samples = 16;  // token blocks (image models: images)
  // Tokens per block; 0: the CLI's default (128, or the model's position table if shorter). A
  // value beyond a model's position table is that model's error, as in the CLI (never capped).
  int64_t seqLen = 0;
  int64_t batch = 8;
  double maskProb = 0.15;
  uint64_t seed = 0;

  bool operator==(const AnalysisRequest& o) const {
    return dataPath == o.dataPath && imagePath == o.imagePath && samples == o.samples && seqLen == o.seqLen &&
           batch == o.batch && maskProb == o.maskProb && seed == o.seed;
  }
  bool operator!=(const AnalysisRequest& o) const { return !(*this == o); }
  // What a model of this kind reads: image models drop the text fields, text models the image source.
  AnalysisRequest forImages(bool images) const {
    AnalysisRequest r = *this;
    if (images) {
      r.dataPath.clear();
      r.seqLen = 0;
      r.maskProb = 0;
    } else {
      r.imagePath.clear();
    }
    return r;
  }
};

struct QuantizationRequest {
  QString dataPath;         // evaluation text
  QString calibrationPath;  // calibration text (disjoint from the evaluation text)
  // Image models: evaluation images as AnalysisRequest::imagePath; calibration uses the
  // calibrationBatches × batch images that follow the evaluated ones in the same source (the
  // default of hopscope-cli quantize without --calib-images), so it never sees an evaluated image.
  QString imagePath;
  int64_t samples = 16;
  int64_t seqLen = 0;  // as AnalysisRequest::seqLen
  int64_t batch = 8;
  int64_t calibrationBatches = 2;
  int weightBits = 8;
  int activationBits = 8;
  bool sweepActivationBits = false;  // also 4..(activationBits - 1) for the bit-width plot
  QString estimator = QStringLiteral("running");
  bool unsignedGridWhenNonNegative = false;  // --weight-grid auto
  bool referenceCompat = false;  // image models: --vit-quant-mode reference-compat (text models ignore it)
  double maskProb = 0.15;
  uint64_t seed = 0;

  bool operator==(const QuantizationRequest& o) const {
    return dataPath == o.dataPath && calibrationPath == o.calibrationPath && imagePath == o.imagePath &&
           samples == o.samples &&
           seqLen == o.seqLen && batch == o.batch && calibrationBatches == o.calibrationBatches &&
           weightBits == o.weightBits && activationBits == o.activationBits &&
           sweepActivationBits == o.sweepActivationBits && estimator == o.estimator &&
           unsignedGridWhenNonNegative == o.unsignedGridWhenNonNegative && referenceCompat == o.referenceCompat &&
           maskProb == o.maskProb && seed == o.seed;
  }
  bool operator!=(const QuantizationRequest& o) const { return !(*this == o); }
  // As AnalysisRequest::forImages.
  QuantizationRequest forImages(bool images) const {
    QuantizationRequest r = *this;
    if (images) {
      r.dataPath.clear();
      r.calibrationPath.clear();
      r.seqLen = 0;
      r.maskProb = 0;
    } else {
      r.imagePath.clear();
      r.referenceCompat = false;
    }
    return r;
  }
};
