#include "report/report_exporter.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QMetaObject>
#include <QPushButton>
#include <QThread>

#include <exception>

#include "hopscope/error.h"

namespace {

// A path field with a Browse… button.
QLineEdit* pathRow(QDialog& dialog, QFormLayout* form, const QString& label, const QString& value, bool folder,
                   const QString& filter) {
  auto* edit = new QLineEdit(value);
  edit->setMinimumWidth(380);
  auto* browse = new QPushButton(QObject::tr("Browse…"));
  QObject::connect(browse, &QPushButton::clicked, &dialog, [&dialog, edit, folder, filter] {
    const QString chosen = folder ? QFileDialog::getExistingDirectory(&dialog, QObject::tr("Bundle folder"), edit->text())
                                  : QFileDialog::getSaveFileName(&dialog, QObject::tr("Save as"), edit->text(), filter);
    if (!chosen.isEmpty()) edit->setText(chosen);
  });
  auto* row = new QHBoxLayout;
  row->addWidget(edit, 1);
  row->addWidget(browse);
  form->addRow(label, row);
  return edit;
}

QString listText(const std::vector<int>& values, bool heads) {
  QStringList parts;
  for (int value : values)
    parts << (heads && value == -1 ? QStringLiteral("mean")
              : heads && value == -2 ? QStringLiteral("noop")
              : !heads && value == -1 ? QStringLiteral("last")
                                      : QString::number(value));
  return parts.join(QLatin1Char(','));
}

bool parseList(const QString& text, bool heads, std::vector<int>& values) {
  std::vector<int> parsed;
  for (const QString& raw : text.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
    const QString part = raw.trimmed();
    bool ok = false;
    if (heads && part == QLatin1String("mean")) parsed.push_back(-1);
    else if (heads && part == QLatin1String("noop")) parsed.push_back(-2);
    else if (!heads && part == QLatin1String("last")) parsed.push_back(-1);
    else {
      const int value = part.toInt(&ok);
      if (!ok || (heads && value < 0)) return false;
      parsed.push_back(value);
    }
  }
  if (parsed.empty()) return false;
  values = parsed;
  return true;
}

}  // namespace

bool askReportChoice(QWidget* parent, ReportDialogChoice& choice) {
  QDialog dialog(parent);
  dialog.setWindowTitle(QObject::tr("Export report"));
  auto* form = new QFormLayout;
  auto* title = new QLineEdit(choice.title);
  form->addRow(QObject::tr("Title:"), title);
  QLineEdit* html = pathRow(dialog, form, QObject::tr("HTML file:"), choice.outputs.html, false,
                            QObject::tr("HTML (*.html)"));
  QLineEdit* pdf = pathRow(dialog, form, QObject::tr("PDF file:"), choice.outputs.pdf, false, QObject::tr("PDF (*.pdf)"));
  QLineEdit* bundle = pathRow(dialog, form, QObject::tr("Bundle folder:"), choice.outputs.bundle, true, {});
  html->setToolTip(QObject::tr("One self-contained file (empty: none)"));
  pdf->setToolTip(QObject::tr("Paginated PDF (empty: none)"));
  bundle->setToolTip(QObject::tr("Every number as CSV and JSON (empty: none)"));
  auto* paper = new QComboBox;
  paper->addItems({QStringLiteral("A4"), QStringLiteral("Letter")});
  paper->setCurrentIndex(choice.outputs.paper == QPageSize::Letter ? 1 : 0);
  form->addRow(QObject::tr("Paper:"), paper);
  auto* layers = new QLineEdit(listText(choice.attention.layers, false));
  layers->setToolTip(QObject::tr("Layers of the attention maps: indices, 'last' or negative counting from the end"));
  form->addRow(QObject::tr("Attention layers:"), layers);
  auto* heads = new QLineEdit(listText(choice.attention.heads, true));
  heads->setToolTip(QObject::tr("'mean' (over heads), 'noop' (the head with the most no-op mass), or head indices"));
  form->addRow(QObject::tr("Attention heads:"), heads);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Save | QDialogButtonBox::Cancel);
  QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  QObject::connect(buttons, &QDialogButtonBox::accepted, &dialog, [&] {
    ReportDialogChoice next = choice;
    next.title = title->text().trimmed().isEmpty() ? choice.title : title->text().trimmed();
    next.outputs.html = html->text().trimmed();
    next.outputs.pdf = pdf->text().trimmed();
    next.outputs.bundle = bundle->text().trimmed();
    next.outputs.paper = paper->currentIndex() == 1 ? QPageSize::Letter : QPageSize::A4;
    if (!parseList(layers->text(), false, next.attention.layers) || !parseList(heads->text(), true, next.attention.heads)) {
      layers->setStyleSheet(QStringLiteral("background: #fdecea"));
      heads->setStyleSheet(QStringLiteral("background: #fdecea"));
      return;
    }
    try {
      checkReportOutputs(next.outputs);
    } catch (const std::exception& error) {
      html->setToolTip(QString::fromStdString(error.what()));
      html->setStyleSheet(QStringLiteral("background: #fdecea"));
      dialog.setWindowTitle(QString::fromStdString(error.what()));
      return;
    }
    choice = next;
    dialog.accept();
  });
  auto* layout = new QVBoxLayout(&dialog);
  layout->addLayout(form);
  layout->addWidget(buttons);
  return dialog.exec() == QDialog::Accepted;
}

ReportRequest reportRequestFor(const QuantizationRequest& controls, const QString& sampleText, const QString& title,
                               const AttentionChoice& attention) {
  ReportRequest request;
  request.title = title;
  request.data = controls.dataPath.toStdString();
  request.calibration = controls.calibrationPath.toStdString();
  request.images = controls.imagePath.toStdString();  // image models only; calibration follows them
  request.evaluation.samples = controls.samples;
  request.evaluation.seqLen = controls.seqLen;
  request.evaluation.batch = controls.batch;
  request.evaluation.maskProb = controls.maskProb;
  request.evaluation.seed = controls.seed;
  request.capSeqLenToModel = true;  // as ModelJobs does
  request.calibrationBatches = controls.calibrationBatches;
  request.weightBits = controls.weightBits;
  request.activationBits = controls.activationBits;
  request.estimator = controls.estimator.toStdString();
  request.unsignedWeightGrid = controls.unsignedGridWhenNonNegative;
  request.sampleText = sampleText.trimmed().toStdString();
  request.attention = attention;
  request.command = QObject::tr("hopscope GUI, File ▸ Export report…");
  return request;
}

ReportExporter::ReportExporter(QObject* parent) : QObject(parent) {}

ReportExporter::~ReportExporter() {
  cancel();
  if (worker_) {
    worker_->wait();
    delete worker_;
  }
}

void ReportExporter::cancel() { cancelled_->store(true); }

void ReportExporter::start(const ReportRequest& request, const std::vector<ReportModelSource>& sources,
                           const ReportOutputs& outputs) {
  if (busy_) return;
  busy_ = true;
  outputs_ = outputs;
  cancelled_ = std::make_shared<std::atomic<bool>>(false);
  if (worker_) {
    worker_->wait();
    delete worker_;
  }
  hopscope::JobControl job;
  auto flag = cancelled_;
  job.cancelled = [flag] { return flag->load(); };
  job.progress = [this](double fraction, const std::string& stage) {
    const QString text = QString::fromStdString(stage);
    QMetaObject::invokeMethod(this, [this, fraction, text] { emit progress(0.85 * fraction, text); }, Qt::QueuedConnection);
  };
  worker_ = QThread::create([this, request, sources, job] {
    try {
      int reused = 0;
      auto input = std::make_shared<const ReportInput>(computeReportInput(request, sources, job, &reused));
      QMetaObject::invokeMethod(this, [this, input, reused] {
        reused_ = reused;
        write(*input);
      }, Qt::QueuedConnection);
    } catch (const hopscope::Cancelled&) {
      QMetaObject::invokeMethod(this, [this] { done(false, tr("cancelled")); }, Qt::QueuedConnection);
    } catch (const std::exception& error) {
      const QString message = QString::fromStdString(error.what());
      QMetaObject::invokeMethod(this, [this, message] { done(false, message); }, Qt::QueuedConnection);
    }
  });
  worker_->start();
}

void ReportExporter::write(const ReportInput& input) {
  hopscope::JobControl job;
  auto flag = cancelled_;
  job.cancelled = [flag] { return flag->load(); };
  job.progress = [this](double fraction, const std::string& stage) {
    emit progress(0.85 + 0.15 * fraction, QString::fromStdString(stage));
  };
  try {
    const ReportWritten written = writeReport(input, outputs_, job);
    QStringList files;
    for (const QString& path : {outputs_.html, outputs_.pdf, outputs_.bundle})
      if (!path.isEmpty()) files << QFileInfo(path).fileName();
    done(true, tr("Report written: %1").arg(files.join(QStringLiteral(", "))));
  } catch (const hopscope::Cancelled&) {
    done(false, tr("cancelled"));
  } catch (const std::exception& error) {
    done(false, QString::fromStdString(error.what()));
  }
}

void ReportExporter::done(bool ok, const QString& message) {
  busy_ = false;
  emit finished(ok, message);
}
