// The UI thread never blocks on the engine: while the main window analyses and quantizes a
// BERT-base-sized model (hidden 768, 12 heads, FFN 3072, the bert-base-uncased vocabulary of
// 30522 tokens and 512 positions; 2 layers instead of 12 to keep the test short; random weights
// written at run time with the engine's own checkpoint writers), a 5 ms timer on the UI thread
// measures the longest gap between its ticks, which must stay under 100 ms.
#include <QElapsedTimer>
#include <QFile>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>
#include <QtTest>

#include <nlohmann/json.hpp>

#include <algorithm>

#include "app/evaluation_controls.h"
#include "app/main_window.h"
#include "hopscope/attention_gate.h"
#include "hopscope/model_builder.h"
#include "hopscope/model_config.h"
#include "hopscope/safetensors.h"
#include "jobs/model_jobs.h"
#include "views/loaded_models_model.h"
#include "views/outlier_summary_model.h"
#include "views/outlier_view.h"
#include "views/quantization_view.h"

namespace {

constexpr int kLayers = 2;

// A bert-base-shaped checkpoint folder with random weights (float32, about 150 MB).
QString writeBertBaseSized(const QTemporaryDir& dir) {
  const QString folder = dir.filePath(QStringLiteral("bert-base-random"));
  QDir().mkpath(folder);
  const nlohmann::json config = {{"model_type", "bert"},           {"architectures", {"BertForMaskedLM"}},
                                 {"vocab_size", 30522},            {"hidden_size", 768},
                                 {"num_hidden_layers", kLayers},   {"num_attention_heads", 12},
                                 {"intermediate_size", 3072},      {"max_position_embeddings", 512},
                                 {"type_vocab_size", 2},           {"layer_norm_eps", 1e-12},
                                 {"hidden_act", "gelu"},           {"pad_token_id", 0}};
  const hopscope::ModelConfig parsed = hopscope::parseModelConfig(config, "bert-base-random/config.json");
  hopscope::writeSafetensors((folder + QStringLiteral("/model.safetensors")).toStdString(),
                             hopscope::initialWeights(parsed, hopscope::GateKind::None, 7));
  QFile json(folder + QStringLiteral("/config.json"));
  json.open(QIODevice::WriteOnly);
  json.write(QByteArray::fromStdString(config.dump(2)));
  json.close();
  QFile::copy(QStringLiteral(HOPSCOPE_RESOURCES_DIR "/tokenizers/bert-base-uncased/vocab.txt"),
              folder + QStringLiteral("/vocab.txt"));
  return folder;
}

// Records the longest gap between the ticks of a 5 ms timer on the UI thread.
class StallMeter : public QObject {
 public:
  StallMeter() {
    timer_.setInterval(5);
    timer_.setTimerType(Qt::PreciseTimer);
    connect(&timer_, &QTimer::timeout, this, [this] {
      const qint64 now = clock_.elapsed();
      longest_ = std::max(longest_, now - last_);
      if (now - last_ >= 40) gaps_ << QStringLiteral("%1 ms gap ending at %2 ms").arg(now - last_).arg(now);
      last_ = now;
    });
  }
  void start() {
    clock_.start();
    last_ = 0;
    longest_ = 0;
    timer_.start();
  }
  void stop() { timer_.stop(); }
  qint64 longest() const { return longest_; }
  qint64 now() const { return clock_.elapsed(); }
  QStringList gaps_;

 private:
  QTimer timer_;
  QElapsedTimer clock_;
  qint64 last_ = 0, longest_ = 0;
};

}  // namespace

class UiStallTest : public QObject {
  Q_OBJECT
 private slots:
  void analysisAndQuantizationNeverStallTheUiThread() {
    QTemporaryDir dir;
    const QString model = writeBertBaseSized(dir);
    MainWindow window;
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.evaluationControls()->samplesBox()->setValue(2);
    window.evaluationControls()->seqLenBox()->setValue(64);

    StallMeter meter;
    meter.start();
    QElapsedTimer total;
    total.start();
    QStringList events;
    for (auto signal : {&ModelJobs::loaded}) QObject::connect(window.jobs(), signal, &window, [&] { events << QStringLiteral("loaded at %1").arg(meter.now()); });
    QObject::connect(window.jobs(), &ModelJobs::ran, &window, [&] { events << QStringLiteral("ran at %1").arg(meter.now()); });
    QObject::connect(window.jobs(), &ModelJobs::analyzed, &window, [&] { events << QStringLiteral("analyzed at %1").arg(meter.now()); });
    QObject::connect(window.jobs(), &ModelJobs::quantized, &window, [&] { events << QStringLiteral("quantized at %1").arg(meter.now()); });
    window.openModel(model);
    QVERIFY(QTest::qWaitFor([&] { return window.jobs()->isIdle(); }, 300000));
    QVERIFY2(!window.errorVisible(), qPrintable(window.errorText()));
    QVERIFY(window.showView(QStringLiteral("outliers")));  // analysis, then quantization at once
    window.quantizeModels();
    QVERIFY(QTest::qWaitFor([&] { return window.jobs()->isIdle(); }, 300000));
    // Let the views draw what arrived.
    QTest::qWait(200);
    meter.stop();
    window.showView(QStringLiteral("quantization"));
    QTest::qWait(200);
    QVERIFY2(!window.errorVisible(), qPrintable(window.errorText()));
    QCOMPARE(window.outlierView()->summaryModel()->rowCount(), 1);
    QCOMPARE(window.quantizationView()->metricModel()->rowCount(), 1);
    qInfo("load, analysis and quantization of a %d-layer BERT-base-sized model took %lld ms; longest UI stall %lld ms",
          kLayers, total.elapsed(), meter.longest());
    qInfo("%s\n%s", qPrintable(meter.gaps_.join('\n')), qPrintable(events.join('\n')));
    // The bound is about blocking; on a machine running more threads than it has cores, a UI thread
    // that never blocks still waits for a core. There the measured stall is reported, not failed.
    double load = 0;
    QFile loadavg(QStringLiteral("/proc/loadavg"));
    if (loadavg.open(QIODevice::ReadOnly)) load = loadavg.readAll().split(' ').value(0).toDouble();
    const int cores = QThread::idealThreadCount();
    if (meter.longest() >= 100 && load > 1.5 * cores)
      QEXPECT_FAIL("", qPrintable(QStringLiteral("machine overloaded (load %1 on %2 cores): the stall includes waiting "
                                                 "for a core").arg(load).arg(cores)), Continue);
    QVERIFY2(meter.longest() < 100, qPrintable(QStringLiteral("the UI thread stalled for %1 ms").arg(meter.longest())));
  }
};

int runUiStallTests(int argc, char** argv) {
  UiStallTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "ui_stall_test.moc"
