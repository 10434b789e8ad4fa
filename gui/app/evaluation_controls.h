#pragma once
// The settings row of the Outliers and Quantization views: which text to evaluate, how many token
// blocks of how many tokens, the quantization grid, and the buttons that start the jobs. The
// defaults are the bundled held-out text (resources/corpora/moby-dick-eval.txt), and calibration
// always uses the bundled training chapters, never the evaluated text. Image models (the ViT
// family) read the "Images:" source instead (an idx file or an ImageFolder; default: the
// Fashion-MNIST test images when installed), shown while an image model is loaded.
#include <QWidget>

#include "jobs/evaluation_requests.h"

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;

class EvaluationControls : public QWidget {
  Q_OBJECT
 public:
  explicit EvaluationControls(QWidget* parent = nullptr);

  AnalysisRequest analysisRequest() const;
  QuantizationRequest quantizationRequest() const;
  // Sets every field from a request (a workspace's settings, the demo set's); emits settingsChanged
  // once. dataNote: why this text, added to its tooltip until another text is chosen.
  void setRequest(const QuantizationRequest& request, const QString& dataNote = {});
  QString dataPath() const { return dataPath_; }
  void setDataPath(const QString& path);
  QString imagePath() const { return imagePath_; }
  void setImagePath(const QString& path);
  // Shows the image source (an image model is loaded) and the text fields (a text model is); the
  // sample count's label says blocks, images or both.
  void setModelKinds(bool text, bool images);
  bool imageFieldsShown() const { return !imageFieldsHidden_; }
  // Which buttons and fields show: the outlier analysis's or the quantization's.
  void showFor(bool quantization);

  QPushButton* analyzeButton() const { return analyzeButton_; }
  QPushButton* quantizeButton() const { return quantizeButton_; }
  QSpinBox* samplesBox() const { return samples_; }
  QSpinBox* seqLenBox() const { return seqLen_; }
  QSpinBox* weightBitsBox() const { return weightBits_; }
  QSpinBox* activationBitsBox() const { return activationBits_; }
  QComboBox* estimatorBox() const { return estimator_; }
  QCheckBox* sweepBox() const { return sweep_; }
  QCheckBox* unsignedGridBox() const { return unsignedGrid_; }
  // Image models' quantized block as the OutEffHop reference builds it (--vit-quant-mode
  // reference-compat); enabled while an image model is loaded.
  QCheckBox* referenceCompatBox() const { return referenceCompat_; }
  QString calibrationPath() const { return calibrationPath_; }
  // The text's label, whose tooltip names the file (and the demo note).
  QLabel* dataLabel() const { return dataLabel_; }

 signals:
  void analyzeRequested();
  void quantizeRequested();
  // Any field changed: results computed with other settings are now stale.
  void settingsChanged();

 private:
  void chooseData();
  void setDataPathQuietly(const QString& path, const QString& note = {});
  void showCalibration();  // the Quantize button's tooltip names the calibration text
  void chooseImages();
  void setImagePathQuietly(const QString& path);

  QString dataPath_;
  QString calibrationPath_;
  int64_t calibrationBatches_ = QuantizationRequest{}.calibrationBatches;
  QLabel* dataLabel_;
  QString imagePath_;
  QLabel* imageLabel_;
  QWidget* textFields_;
  QWidget* imageFields_;
  QLabel* samplesLabel_;
  QWidget* tokensField_ = nullptr;
  bool imageFieldsHidden_ = true;
  QSpinBox* samples_;
  QSpinBox* seqLen_;
  QPushButton* analyzeButton_;
  QWidget* quantizationFields_;
  QSpinBox* weightBits_;
  QSpinBox* activationBits_;
  QComboBox* estimator_;
  QCheckBox* sweep_;
  QCheckBox* unsignedGrid_;
  QCheckBox* referenceCompat_;
  QPushButton* quantizeButton_;
};
