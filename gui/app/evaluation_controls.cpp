#include "app/evaluation_controls.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QVBoxLayout>

#include "hopscope/bundled_resources.h"

namespace {

QSpinBox* spinBox(int minimum, int maximum, int value, const QString& tip) {
  auto* box = new QSpinBox;
  box->setRange(minimum, maximum);
  box->setValue(value);
  box->setToolTip(tip);
  return box;
}

QString bundledPath(const char* relative) {
  return QString::fromStdString(hopscope::findBundledFile(relative).path);
}

// The Fashion-MNIST test images when installed (Debian's datasets folder), else none.
QString defaultImagePath() {
  const QString path = QStringLiteral("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
  return QFileInfo::exists(path) ? path : QString();
}

}  // namespace

EvaluationControls::EvaluationControls(QWidget* parent) : QWidget(parent) {
  calibrationPath_ = bundledPath(hopscope::kBundledTrainText);
  dataLabel_ = new QLabel;
  dataLabel_->setMinimumWidth(160);
  auto* choose = new QPushButton(tr("Text…"));
  choose->setToolTip(tr("Evaluate another UTF-8 text file (one document per line)"));
  connect(choose, &QPushButton::clicked, this, &EvaluationControls::chooseData);
  setDataPath(bundledPath(hopscope::kBundledEvalText));

  imageLabel_ = new QLabel;
  imageLabel_->setMinimumWidth(120);
  auto* chooseImages = new QPushButton(tr("Images…"));
  chooseImages->setToolTip(tr("Evaluate image models on another idx file or image folder"));
  auto* imageMenu = new QMenu(chooseImages);
  imageMenu->addAction(tr("idx image file…"), this, &EvaluationControls::chooseImages);
  imageMenu->addAction(tr("Image folder (one subfolder per class)…"), this, [this] {
    const QString folder = QFileDialog::getExistingDirectory(this, tr("Image folder to evaluate"),
                                                             QFileInfo(imagePath_).path());
    if (!folder.isEmpty()) setImagePath(folder);
  });
  chooseImages->setMenu(imageMenu);
  setImagePathQuietly(defaultImagePath());

  samples_ = spinBox(1, 100000, 16,
                     tr("Token blocks to evaluate (each text model sees the same text); image models: the first "
                        "N images of the image source"));
  // The minimum is "auto": the CLI's default without --seq-len.
  seqLen_ = spinBox(1, 1 << 20, 1,
                    tr("Tokens per block. auto: 128, or the model's position table if shorter (the CLI's default);\n"
                       "a length beyond a model's position table is an error for that model, as in the CLI"));
  seqLen_->setSpecialValueText(tr("auto"));
  analyzeButton_ = new QPushButton(tr("Analyze"));
  analyzeButton_->setToolTip(tr("Outlier statistics of every loaded model on this text, image models on the images (Ctrl+Shift+A)"));
  connect(analyzeButton_, &QPushButton::clicked, this, &EvaluationControls::analyzeRequested);

  weightBits_ = spinBox(2, 16, 8, tr("Weight bits (symmetric, per tensor)"));
  activationBits_ = spinBox(2, 16, 8, tr("Activation bits (asymmetric, per tensor)"));
  estimator_ = new QComboBox;
  estimator_->addItems({QStringLiteral("running"), QStringLiteral("minmax"), QStringLiteral("percentile:99.999"),
                        QStringLiteral("mse")});
  estimator_->setToolTip(tr("Activation range estimator over the calibration batches"));
  sweep_ = new QCheckBox(tr("sweep A bits"));
  sweep_->setToolTip(tr("Also evaluate every activation bit width from A−1 down to 4 (the bit-width plot)"));
  unsignedGrid_ = new QCheckBox(tr("unsigned grid for w ≥ 0"));
  unsignedGrid_->setToolTip(tr("As the reference code: weights without negative values (LayerNorm gains) use "
                               "codes 0…2^b−1 (--weight-grid auto)"));
  referenceCompat_ = new QCheckBox(tr("ViT reference-compat"));
  referenceCompat_->setToolTip(
      tr("Image models (ViT) only, as hopscope-cli quantize --vit-quant-mode reference-compat: the quantized "
         "model runs the OutEffHop reference's quantized block, x + LN(sublayer(x)), a LayerNorm after each "
         "sublayer that the float model never ran, to reproduce the paper's W8A8 ViT numbers. Off (pre-norm): "
         "the quantized model is the trained one. The FP metric is the pre-norm one either way.\n"
         "Enabled while an image model is loaded; text models ignore it."));
  referenceCompat_->setEnabled(false);
  quantizeButton_ = new QPushButton(tr("Quantize"));
  showCalibration();
  connect(quantizeButton_, &QPushButton::clicked, this, &EvaluationControls::quantizeRequested);

  quantizationFields_ = new QWidget;
  auto* quantization = new QHBoxLayout(quantizationFields_);
  quantization->setContentsMargins(0, 0, 0, 0);
  quantization->addWidget(new QLabel(tr("Bits: W")));
  quantization->addWidget(weightBits_);
  quantization->addWidget(new QLabel(tr("A")));
  quantization->addWidget(activationBits_);
  quantization->addWidget(estimator_);
  quantization->addWidget(sweep_);
  quantization->addWidget(unsignedGrid_);
  quantization->addWidget(referenceCompat_);
  quantization->addStretch(1);
  quantization->addWidget(quantizeButton_);

  // Two rows at most, so the window keeps room for the Models dock: what to evaluate, then (for
  // quantization) how.
  auto* data = new QHBoxLayout;
  textFields_ = new QWidget;
  auto* text = new QHBoxLayout(textFields_);
  text->setContentsMargins(0, 0, 0, 0);
  text->addWidget(new QLabel(tr("Text:")));
  text->addWidget(dataLabel_, 1);
  text->addWidget(choose);
  imageFields_ = new QWidget;
  auto* image = new QHBoxLayout(imageFields_);
  image->setContentsMargins(0, 0, 0, 0);
  auto* imageTitle = new QLabel(tr("Images:"));
  const QString imageTip = tr("Image models (ViT) are evaluated on this idx file (MNIST / Fashion-MNIST, raw or "
                              ".gz, labels from the labels-idx1 file beside it) or image folder (one subfolder "
                              "per class), as hopscope-cli --images; quantization calibrates on the images "
                              "after the evaluated ones. Text models keep using the text.");
  imageTitle->setToolTip(imageTip);
  imageFields_->setToolTip(imageTip);
  image->addWidget(imageTitle);
  image->addWidget(imageLabel_, 1);
  image->addWidget(chooseImages);
  imageFields_->setVisible(false);
  auto* tokens = new QWidget;  // text models only
  auto* tokensLayout = new QHBoxLayout(tokens);
  tokensLayout->setContentsMargins(0, 0, 0, 0);
  tokensLayout->addWidget(new QLabel(tr("Tokens:")));
  tokensLayout->addWidget(seqLen_);
  samplesLabel_ = new QLabel(tr("Blocks:"));
  data->addWidget(textFields_, 1);
  data->addWidget(imageFields_, 1);
  data->addSpacing(8);
  data->addWidget(samplesLabel_);
  data->addWidget(samples_);
  data->addWidget(tokens);
  data->addSpacing(8);
  data->addWidget(analyzeButton_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(data);
  layout->addWidget(quantizationFields_);
  showFor(false);
  tokensField_ = tokens;

  for (QSpinBox* box : {samples_, seqLen_, weightBits_, activationBits_})
    connect(box, &QSpinBox::valueChanged, this, &EvaluationControls::settingsChanged);
  connect(estimator_, &QComboBox::currentTextChanged, this, &EvaluationControls::settingsChanged);
  for (QCheckBox* box : {sweep_, unsignedGrid_, referenceCompat_})
    connect(box, &QCheckBox::toggled, this, &EvaluationControls::settingsChanged);
}

void EvaluationControls::setRequest(const QuantizationRequest& request, const QString& dataNote) {
  {
    const QSignalBlocker blockSamples(samples_), blockSeqLen(seqLen_), blockWeights(weightBits_),
        blockActivations(activationBits_), blockEstimator(estimator_), blockSweep(sweep_), blockGrid(unsignedGrid_),
        blockCompat(referenceCompat_);
    if (!request.dataPath.isEmpty()) setDataPathQuietly(request.dataPath, dataNote);
    if (!request.calibrationPath.isEmpty()) calibrationPath_ = request.calibrationPath;
    calibrationBatches_ = request.calibrationBatches;
    showCalibration();
    referenceCompat_->setChecked(request.referenceCompat);
    if (!request.imagePath.isEmpty()) setImagePathQuietly(request.imagePath);
    samples_->setValue(static_cast<int>(request.samples));
    seqLen_->setValue(request.seqLen > 0 ? static_cast<int>(request.seqLen) : seqLen_->minimum());
    weightBits_->setValue(request.weightBits);
    activationBits_->setValue(request.activationBits);
    if (estimator_->findText(request.estimator) < 0) estimator_->addItem(request.estimator);
    estimator_->setCurrentText(request.estimator);
    sweep_->setChecked(request.sweepActivationBits);
    unsignedGrid_->setChecked(request.unsignedGridWhenNonNegative);
  }
  emit settingsChanged();
}

void EvaluationControls::showCalibration() {
  quantizeButton_->setToolTip(tr("FP versus quantized metric of every loaded model, text models calibrated on %1 "
                                 "(%2 batches; never the evaluated text), image models on the images after the "
                                 "evaluated ones (Ctrl+Shift+Q)")
                                  .arg(QFileInfo(calibrationPath_).fileName())
                                  .arg(calibrationBatches_));
}

void EvaluationControls::setDataPathQuietly(const QString& path, const QString& note) {
  dataPath_ = path;
  dataLabel_->setText(QFileInfo(path).fileName());
  dataLabel_->setToolTip(note.isEmpty() ? tr("Evaluated text: %1").arg(path)
                                        : tr("Evaluated text: %1\n%2").arg(path, note));
}

void EvaluationControls::setDataPath(const QString& path) {
  const bool changed = path != dataPath_;
  setDataPathQuietly(path);
  if (changed) emit settingsChanged();
}

void EvaluationControls::setImagePathQuietly(const QString& path) {
  imagePath_ = path;
  imageLabel_->setText(path.isEmpty() ? tr("(none: choose one)") : QFileInfo(path).fileName());
  imageLabel_->setToolTip(path.isEmpty() ? tr("No image source: choose an idx file or an image folder")
                                         : tr("Evaluated images: %1").arg(path));
}

void EvaluationControls::setImagePath(const QString& path) {
  const bool changed = path != imagePath_;
  setImagePathQuietly(path);
  if (changed) emit settingsChanged();
}

void EvaluationControls::chooseImages() {
  const QString path =
      QFileDialog::getOpenFileName(this, tr("Images to evaluate"), QFileInfo(imagePath_).path(),
                                   tr("idx image files (*idx3-ubyte *idx3-ubyte.gz *-ubyte *.gz);;All files (*)"));
  if (!path.isEmpty()) setImagePath(path);
}

void EvaluationControls::setModelKinds(bool text, bool images) {
  imageFieldsHidden_ = !images;
  imageFields_->setVisible(images);
  referenceCompat_->setEnabled(images);
  // With no model loaded the text row stays: the default, as before.
  textFields_->setVisible(text || !images);
  tokensField_->setVisible(text || !images);
  samplesLabel_->setText(images && !text ? tr("Samples:") : images ? tr("Blocks / images:") : tr("Blocks:"));
}

void EvaluationControls::chooseData() {
  const QString path = QFileDialog::getOpenFileName(this, tr("Text to evaluate"), QFileInfo(dataPath_).path(),
                                                    tr("Text (*.txt);;All files (*)"));
  if (!path.isEmpty()) setDataPath(path);
}

void EvaluationControls::showFor(bool quantization) {
  analyzeButton_->setVisible(!quantization);
  quantizationFields_->setVisible(quantization);
}

AnalysisRequest EvaluationControls::analysisRequest() const {
  AnalysisRequest request;
  request.dataPath = dataPath_;
  request.imagePath = imagePath_;
  request.samples = samples_->value();
  request.seqLen = seqLen_->value() == seqLen_->minimum() ? 0 : seqLen_->value();
  return request;
}

QuantizationRequest EvaluationControls::quantizationRequest() const {
  QuantizationRequest request;
  request.dataPath = dataPath_;
  request.calibrationPath = calibrationPath_;
  request.imagePath = imagePath_;
  request.samples = samples_->value();
  request.seqLen = seqLen_->value() == seqLen_->minimum() ? 0 : seqLen_->value();
  request.weightBits = weightBits_->value();
  request.activationBits = activationBits_->value();
  request.sweepActivationBits = sweep_->isChecked();
  request.estimator = estimator_->currentText();
  request.unsignedGridWhenNonNegative = unsignedGrid_->isChecked();
  request.calibrationBatches = calibrationBatches_;
  request.referenceCompat = referenceCompat_->isChecked();
  return request;
}
