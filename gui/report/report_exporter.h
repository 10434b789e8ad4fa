#pragma once
// File ▸ Export report… in the GUI: a dialog for the output files, paper and attention choices,
// and a job that computes what the results on screen lack (on a worker thread, with the engine's
// progress and cancel) and then writes the report on the GUI thread with the report library the
// CLI's `report` command uses.
#include <QObject>
#include <QString>

#include <atomic>
#include <memory>
#include <vector>

#include "jobs/evaluation_requests.h"
#include "report/report_compute.h"
#include "report/report_writer.h"

class QWidget;

struct ReportDialogChoice {
  ReportOutputs outputs;
  QString title = QStringLiteral("hopscope report");
  AttentionChoice attention;
};

// The dialog; false when the user cancels it. `choice` holds the defaults going in.
bool askReportChoice(QWidget* parent, ReportDialogChoice& choice);

// The report's settings from the Outliers / Quantization settings row, so the results on screen
// match them: the same text, blocks, tokens (capped per model), calibration and grid.
ReportRequest reportRequestFor(const QuantizationRequest& controls, const QString& sampleText, const QString& title,
                               const AttentionChoice& attention);

class ReportExporter : public QObject {
  Q_OBJECT
 public:
  explicit ReportExporter(QObject* parent = nullptr);
  ~ReportExporter() override;  // cancels and waits for the worker

  // Computes what the sources lack, then writes the outputs. One report at a time.
  void start(const ReportRequest& request, const std::vector<ReportModelSource>& sources, const ReportOutputs& outputs);
  void cancel();
  bool busy() const { return busy_; }
  int reusedResults() const { return reused_; }  // results taken over from the sources in the last report

 signals:
  void progress(double fraction, const QString& stage);
  // ok: `message` says what was written; otherwise the error, or "cancelled".
  void finished(bool ok, const QString& message);

 private:
  void write(const ReportInput& input);
  void done(bool ok, const QString& message);

  ReportOutputs outputs_;
  std::shared_ptr<std::atomic<bool>> cancelled_ = std::make_shared<std::atomic<bool>>(false);
  class QThread* worker_ = nullptr;
  bool busy_ = false;
  int reused_ = 0;
};
