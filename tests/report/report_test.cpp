// Reports from the fixture checkpoints: every section and every model present, the HTML well-formed
// and free of external references, the PDF's pages (pdfinfo when installed, else its page objects)
// and its selectable text, the numbers equal to `analyze` and `quantize` on the same settings, a
// cancelled report leaving nothing behind, clear errors (exit code 2) for bad arguments, and the
// GUI's File ▸ Export report… reusing the results on screen.
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QXmlStreamReader>
#include <QtTest>

#include <atomic>
#include <nlohmann/json.hpp>

#include "app/evaluation_controls.h"
#include "app/main_window.h"
#include "hopscope/bundled_resources.h"
#include "hopscope/job_control.h"
#include "jobs/model_jobs.h"
#include "report/html_writer.h"
#include "report/report_compute.h"
#include "report/report_document.h"
#include "report/report_exporter.h"
#include "report/report_writer.h"
#include "views/outlier_summary_model.h"

using nlohmann::json;

namespace {

QString fixture(const QString& name) { return QStringLiteral(HOPSCOPE_FIXTURES_DIR "/models/") + name; }

const QStringList kModels = {fixture("bert-tiny") + "@softmax", fixture("bert-tiny") + "@softmax1",
                             fixture("bert-tiny") + "@clipped:-0.025:1", fixture("opt-tiny")};
const QStringList kNames = {"bert-tiny@softmax", "bert-tiny@softmax1", "bert-tiny@clipped:-0.025:1", "opt-tiny@softmax"};
const QStringList kSettings = {"--samples", "8", "--seq-len", "32"};

struct Run {
  int exitCode = -1;
  QString out, err;
};

Run runCli(const QStringList& arguments) {
  QProcess process;
  QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
  environment.remove(QStringLiteral("HOPSCOPE_RESOURCES"));
  process.setProcessEnvironment(environment);
  process.start(QStringLiteral(HOPSCOPE_CLI_BINARY), arguments);
  process.waitForFinished(600000);
  return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
          QString::fromUtf8(process.readAllStandardOutput()), QString::fromUtf8(process.readAllStandardError())};
}

QByteArray readAll(const QString& path) {
  QFile file(path);
  return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

json readJson(const QString& path) { return json::parse(readAll(path).toStdString()); }

// Page objects of a PDF ("/Type /Page", not "/Pages").
int pageObjects(const QByteArray& pdf) {
  static const QRegularExpression page(QStringLiteral("/Type\\s*/Page(?![s\\w])"));
  return static_cast<int>(QString::fromLatin1(pdf).count(page));
}

// Every external reference an offline file must not hold.
QStringList externalReferences(const QString& html) {
  QStringList found;
  for (const char* pattern : {"http://", "https://", "src=\"file", "href=\"file", "<link", "<script", "@import"})
    if (html.contains(QLatin1String(pattern), Qt::CaseInsensitive)) found << QString::fromLatin1(pattern);
  static const QRegularExpression url(QStringLiteral("url\\(\\s*['\"]?(?!#)"));
  if (html.contains(url)) found << QStringLiteral("url(…) not pointing into the file");
  static const QRegularExpression source(QStringLiteral("(?:src|href)=\"(?!#|data:)"));
  if (html.contains(source)) found << QStringLiteral("src/href not in the file");
  return found;
}

QString xmlError(const QByteArray& html) {
  QXmlStreamReader reader(html);
  while (!reader.atEnd()) reader.readNext();
  return reader.hasError() ? QStringLiteral("%1 at line %2").arg(reader.errorString()).arg(reader.lineNumber()) : QString();
}

// A request on the fixtures as the CLI makes it.
ReportRequest fixtureRequest() {
  ReportRequest request;
  request.data = hopscope::findBundledFile(hopscope::kBundledEvalText).path;
  request.calibration = hopscope::findBundledFile(hopscope::kBundledTrainText).path;
  request.evaluation.samples = 4;
  request.evaluation.seqLen = 16;
  request.calibrationBatches = 1;
  request.sampleText = "The whale surfaced near the ship.";
  return request;
}

std::vector<ReportModelSource> fixtureSources(int count) {
  std::vector<ReportModelSource> sources;
  for (int i = 0; i < count; ++i) sources.push_back({kModels[i].toStdString(), nullptr, nullptr, nullptr, -1});
  return sources;
}

}  // namespace

class ReportTest : public QObject {
  Q_OBJECT

 private slots:
  void cliReportHasEverySectionAndModelAndTheNumbersOfAnalyzeAndQuantize() {
    QTemporaryDir dir;
    const QString html = dir.filePath("report.html"), pdf = dir.filePath("report.pdf"), bundle = dir.filePath("bundle");
    const Run report = runCli(QStringList{"report"} + kModels + kSettings +
                              QStringList{"--html", html, "--pdf", pdf, "--bundle", bundle});
    QVERIFY2(report.exitCode == 0, qPrintable(report.err));

    // HTML: well-formed, offline, every section and model.
    const QByteArray htmlBytes = readAll(html);
    const QString error = xmlError(htmlBytes);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QString text = QString::fromUtf8(htmlBytes);
    const QStringList external = externalReferences(text);
    QVERIFY2(external.isEmpty(), qPrintable(external.join(", ")));
    for (const QString& section : reportSectionTitles()) QVERIFY2(text.contains(">" + section + "</h1>"), qPrintable(section));
    for (const QString& name : kNames) QVERIFY2(text.contains(name), qPrintable(name));
    QVERIFY(text.contains("<nav class=\"toc\">"));
    QVERIFY(text.count("<svg") >= 4 * 2 + 4 + 4);  // per-layer charts of two families, histograms, attention rows

    // PDF: the page count the CLI reports, seen by pdfinfo and in the file; selectable text.
    const QByteArray pdfBytes = readAll(pdf);
    QVERIFY(pdfBytes.startsWith("%PDF"));
    static const QRegularExpression pages(QStringLiteral("\\((\\d+) pages\\)"));
    const QRegularExpressionMatch match = pages.match(report.out);
    QVERIFY2(match.hasMatch(), qPrintable(report.out));
    const int pageCount = match.captured(1).toInt();
    QVERIFY(pageCount >= 8);
    QCOMPARE(pageObjects(pdfBytes), pageCount);
    if (!QStandardPaths::findExecutable("pdfinfo").isEmpty()) {
      QProcess info;
      info.start("pdfinfo", {pdf});
      QVERIFY(info.waitForFinished());
      QVERIFY(QString::fromUtf8(info.readAllStandardOutput()).contains(QRegularExpression(QStringLiteral("Pages:\\s+%1\\n").arg(pageCount))));
    }
    if (!QStandardPaths::findExecutable("pdftotext").isEmpty()) {
      QProcess extract;
      extract.start("pdftotext", {pdf, "-"});
      QVERIFY(extract.waitForFinished());
      const QString pdfText = QString::fromUtf8(extract.readAllStandardOutput());
      for (const QString& section : reportSectionTitles()) QVERIFY2(pdfText.contains(section), qPrintable(section));
      QVERIFY(pdfText.contains(QStringLiteral("page %1 of %1").arg(pageCount)));
      for (const QString& name : kNames) QVERIFY2(pdfText.contains(name), qPrintable(name));
    }

    // The numbers: `analyze` and `quantize` with the same settings give the very same values, and
    // the report shows them as the views do.
    const Run analyze = runCli(QStringList{"analyze"} + kModels + kSettings + QStringList{"--json", dir.filePath("a.json")});
    QVERIFY2(analyze.exitCode == 0, qPrintable(analyze.err));
    const Run quantize = runCli(QStringList{"quantize"} + kModels + kSettings + QStringList{"--json", dir.filePath("q.json")});
    QVERIFY2(quantize.exitCode == 0, qPrintable(quantize.err));
    const json analysis = readJson(dir.filePath("a.json")), bundled = readJson(bundle + "/analysis.json");
    const json quantization = readJson(dir.filePath("q.json")), bundledQ = readJson(bundle + "/quantization.json");
    QCOMPARE(bundled["models"].size(), analysis["models"].size());
    QCOMPARE(bundled["settings"], analysis["settings"]);
    for (size_t m = 0; m < analysis["models"].size(); ++m) {
      const json& expected = analysis["models"][m];
      QCOMPARE(bundled["models"][m]["summary"], expected["summary"]);
      QCOMPARE(bundled["models"][m]["modules"], expected["modules"]);
      QCOMPARE(bundled["models"][m]["attention"], expected["attention"]);
      for (const char* key : {"avg_kurtosis", "max_inf_norm"})
        QVERIFY2(text.contains(OutlierSummaryModel::formatNumber(expected["summary"][key].get<double>())), key);
      const json& expectedQ = quantization["models"][m];
      QCOMPARE(bundledQ["models"][m]["metric"], expectedQ["metric"]);
      QCOMPARE(bundledQ["models"][m]["quantizers"], expectedQ["quantizers"]);
      for (const char* key : {"fp", "quantized"})
        QVERIFY2(text.contains(OutlierSummaryModel::formatNumber(expectedQ["metric"][key].get<double>())), key);
    }
    for (const char* file : {"summary.csv", "report_summary.csv", "attention_heads.csv", "provenance.json",
                             "bert-tiny_softmax1.modules.csv", "bert-tiny_softmax1.quantizers.csv"})
      QVERIFY2(QFileInfo::exists(bundle + "/" + file), file);
    const json provenance = readJson(bundle + "/provenance.json");
    QCOMPARE(provenance["models"].size(), size_t(4));
    QVERIFY(provenance["models"][0]["files"].size() >= 2);  // config.json and the weights
    QCOMPARE(provenance["models"][0]["files"][1]["sha256"].get<std::string>().size(), size_t(64));
    QVERIFY(text.contains(QString::fromStdString(provenance["models"][0]["files"][1]["sha256"].get<std::string>())));
    // Only the outputs, no temporary leftovers.
    QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot).size(), 5);
  }

  // A report of image models (ViT) on the fashion24 images: every section, the accuracies of
  // `analyze --images` and `quantize --images` on the same settings, the image files' hashes, no
  // token maps; and a report mixing image and text models is a clear error that writes nothing.
  void cliImageReportHasTheAccuraciesOfAnalyzeAndQuantize() {
    QTemporaryDir dir;
    const QString images = QStringLiteral(HOPSCOPE_FIXTURES_DIR "/images/fashion24-images-idx3-ubyte.gz");
    const QStringList models = {fixture("vit-tiny-hf"), fixture("vit-tiny-timm-gated") + "@softmax1"};
    const QStringList common = {"--images", images, "--samples", "8", "--batch", "4"};
    const QString html = dir.filePath("vit.html"), pdf = dir.filePath("vit.pdf"), bundle = dir.filePath("bundle");
    const Run report = runCli(QStringList{"report"} + models + common +
                              QStringList{"--calib-batches", "2", "--html", html, "--pdf", pdf, "--bundle", bundle});
    QVERIFY2(report.exitCode == 0, qPrintable(report.err));
    const QByteArray htmlBytes = readAll(html);
    const QString error = xmlError(htmlBytes);
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const QString text = QString::fromUtf8(htmlBytes);
    QVERIFY(externalReferences(text).isEmpty());
    for (const QString& section : reportSectionTitles()) QVERIFY2(text.contains(">" + section + "</h1>"), qPrintable(section));
    for (const char* name : {"vit-tiny-hf", "vit-tiny-timm-gated"}) QVERIFY2(text.contains(name), name);
    QVERIFY(text.contains("FP top-1 accuracy"));
    QVERIFY(text.contains("Not drawn for image models"));
    QVERIFY(!text.contains("Attention probabilities of the sample input"));
    QVERIFY(text.contains("evaluated images"));
    QVERIFY(text.contains("--images " + images));
    QVERIFY(readAll(pdf).startsWith("%PDF"));

    const Run analyze = runCli(QStringList{"analyze"} + models + common + QStringList{"--json", dir.filePath("a.json")});
    QVERIFY2(analyze.exitCode == 0, qPrintable(analyze.err));
    const Run quantize = runCli(QStringList{"quantize"} + models + common +
                                QStringList{"--calib-batches", "2", "--json", dir.filePath("q.json")});
    QVERIFY2(quantize.exitCode == 0, qPrintable(quantize.err));
    const json analysis = readJson(dir.filePath("a.json")), bundled = readJson(bundle + "/analysis.json");
    const json quantization = readJson(dir.filePath("q.json")), bundledQ = readJson(bundle + "/quantization.json");
    QCOMPARE(bundled["models"].size(), size_t(2));
    QCOMPARE(bundledQ["models"].size(), size_t(2));
    for (size_t m = 0; m < 2; ++m) {
      const json& expected = analysis["models"][m];
      QCOMPARE(bundled["models"][m]["summary"], expected["summary"]);
      QCOMPARE(bundled["models"][m]["modules"], expected["modules"]);
      QCOMPARE(bundled["models"][m]["attention"], expected["attention"]);
      QCOMPARE(bundled["models"][m]["metric"], expected["metric"]);
      const json& expectedQ = quantization["models"][m];
      QCOMPARE(bundledQ["models"][m]["metric"], expectedQ["metric"]);
      QCOMPARE(bundledQ["models"][m]["quantizers"], expectedQ["quantizers"]);
      for (const char* key : {"fp", "quantized"})
        QVERIFY2(text.contains(OutlierSummaryModel::formatNumber(expectedQ["metric"][key].get<double>())), key);
    }
    // The images' file and its SHA-256 in the provenance.
    const json provenance = readJson(bundle + "/provenance.json");
    QVERIFY(!provenance["data_files"].empty());
    const json& imageFile = provenance["data_files"][0];
    QVERIFY(QString::fromStdString(imageFile["path"].get<std::string>()).endsWith("fashion24-images-idx3-ubyte.gz"));
    QCOMPARE(imageFile["sha256"].get<std::string>().size(), size_t(64));
    QVERIFY(text.contains(QString::fromStdString(imageFile["sha256"].get<std::string>())));

    // Image and text models in one report: a clear error, nothing written.
    QTemporaryDir mixedDir;
    const Run mixed = runCli(QStringList{"report", models[0], kModels[0]} + common +
                             QStringList{"--html", mixedDir.filePath("m.html")});
    QCOMPARE(mixed.exitCode, 1);
    QVERIFY2(mixed.err.contains("text models or image models, not both"), qPrintable(mixed.err));
    // An image model without --images: says so.
    const Run noImages = runCli({"report", models[0], "--html", mixedDir.filePath("m.html")});
    QCOMPARE(noImages.exitCode, 1);
    QVERIFY2(noImages.err.contains("give --images"), qPrintable(noImages.err));
    QVERIFY(QDir(mixedDir.path()).isEmpty());
  }

  void badArgumentsAreUsageErrors() {
    QTemporaryDir dir;
    const Run noModel = runCli({"report", "--html", dir.filePath("r.html")});
    QCOMPARE(noModel.exitCode, 2);
    QVERIFY2(noModel.err.contains("MODEL"), qPrintable(noModel.err));
    const Run unwritable = runCli({"report", kModels[0], "--html", "/nonexistent-folder/r.html"});
    QCOMPARE(unwritable.exitCode, 2);
    QVERIFY2(unwritable.err.contains("/nonexistent-folder") && unwritable.err.contains("does not exist"),
             qPrintable(unwritable.err));
    const Run paper = runCli({"report", kModels[0], "--html", dir.filePath("r.html"), "--paper", "a5"});
    QCOMPARE(paper.exitCode, 2);
    QVERIFY2(paper.err.contains("--paper"), qPrintable(paper.err));
    const Run folder = runCli({"report", kModels[0], "--html", dir.path()});
    QCOMPARE(folder.exitCode, 2);
    const Run heads = runCli({"report", kModels[0], "--html", dir.filePath("r.html"), "--heads", "mean,x"});
    QCOMPARE(heads.exitCode, 2);
    QVERIFY(QDir(dir.path()).isEmpty());
  }

  void cancelledReportLeavesNothingBehind() {
    const ReportInput input = computeReportInput(fixtureRequest(), fixtureSources(2));
    QTemporaryDir dir;
    ReportOutputs outputs{dir.filePath("r.html"), dir.filePath("r.pdf"), dir.filePath("bundle"), QPageSize::Letter};
    // Cancelled at every stage in turn: during the HTML, the PDF, and just before moving files into place.
    for (int cancelAfter : {2, 20, 60, 1000}) {
      auto polls = std::make_shared<std::atomic<int>>(0);
      hopscope::JobControl job;
      job.cancelled = [polls, cancelAfter] { return ++*polls > cancelAfter; };
      bool cancelled = false;
      try {
        writeReport(input, outputs, job);
      } catch (const hopscope::Cancelled&) {
        cancelled = true;
      }
      if (!cancelled) break;  // more polls than the report makes: it was written
      QVERIFY2(QDir(dir.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot).isEmpty(),
               qPrintable(QDir(dir.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot).join(", ")));
    }
    // And cancelling the computation throws before anything exists.
    hopscope::JobControl stop;
    stop.cancelled = [] { return true; };
    QVERIFY_THROWS_EXCEPTION(hopscope::Cancelled, computeReportInput(fixtureRequest(), fixtureSources(1), stop));

    // Uncancelled, the same call writes all three; Letter paper.
    const ReportWritten written = writeReport(input, outputs);
    QVERIFY(written.pdfPages > 0);
    QVERIFY(QFileInfo::exists(outputs.html) && QFileInfo::exists(outputs.pdf) && QFileInfo(outputs.bundle).isDir());
    QCOMPARE(pageObjects(readAll(outputs.pdf)), written.pdfPages);
    // Written again over the old bundle: replaced, nothing left over.
    writeReport(input, outputs);
    QCOMPARE(QDir(dir.path()).entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot).size(), 3);
  }

  void documentHasEverySectionAndEveryModel() {
    const ReportInput input = computeReportInput(fixtureRequest(), fixtureSources(4));
    const ReportDocument document = buildReportDocument(input);
    QStringList headings;
    for (const ReportBlock& block : document.blocks)
      if (block.kind == ReportBlock::Kind::Heading && block.level == 1) headings << block.text;
    QCOMPARE(headings, reportSectionTitles());
    int histograms = 0, heatmapPanels = 0;
    for (const ReportBlock& block : document.blocks) {
      if (block.kind != ReportBlock::Kind::Plot) continue;
      if (block.plot.kind == ReportPlot::Kind::Heatmaps) heatmapPanels += static_cast<int>(block.plot.heatmaps.size());
      if (!block.plot.gridLines.empty()) {
        ++histograms;
        QCOMPARE(block.plot.gridLines.size(), size_t(256));  // the 8-bit grid
        QCOMPARE(block.plot.rangeLines.size(), size_t(2));
      }
    }
    QCOMPARE(histograms, 4);
    QCOMPARE(heatmapPanels, 4 * 2 * 2);  // models × layers (first, last) × heads (mean, most no-op)
    // The summary tables compare against vanilla softmax in the BERT family only (OPT has none).
    int changes = 0;
    for (const ReportBlock& block : document.blocks)
      if (block.kind == ReportBlock::Kind::Table && block.table.caption.contains("changes against")) ++changes;
    QCOMPARE(changes, 2);
    // An inline SVG keeps no namespace URL and prefixes its ids.
    const QByteArray svg = inlineSvg("<?xml version=\"1.0\"?>\n<svg width=\"1mm\" height=\"2mm\" viewBox=\"0 0 1 2\" "
                                     "xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\">"
                                     "<g id=\"a\" fill=\"url(#b)\"/><image xlink:href=\"data:image/png;base64,AA\"/></svg>",
                                     "p1-");
    QCOMPARE(svg, QByteArray("<svg viewBox=\"0 0 1 2\"><g id=\"p1-a\" fill=\"url(#p1-b)\"/>"
                             "<image href=\"data:image/png;base64,AA\"/></svg>"));
  }

  void guiExportReusesTheResultsOnScreen() {
    MainWindow window;
    window.evaluationControls()->samplesBox()->setValue(4);
    window.evaluationControls()->seqLenBox()->setValue(16);
    window.show();
    window.openModel(kModels[0]);
    window.openModel(kModels[1]);
    QVERIFY(QTest::qWaitFor([&] { return window.jobs()->isIdle(); }, 120000));
    window.analyzeModels();  // on screen: analyses, no quantization yet
    QVERIFY(QTest::qWaitFor([&] { return window.jobs()->isIdle(); }, 120000));

    QTemporaryDir dir;
    ReportDialogChoice choice;
    choice.outputs = {dir.filePath("gui.html"), dir.filePath("gui.pdf"), QString(), QPageSize::A4};
    ReportExporter* exporter = window.exportReport(choice);
    QVERIFY(exporter);
    QSignalSpy finished(exporter, &ReportExporter::finished);
    QVERIFY(finished.wait(300000));
    QVERIFY2(finished.front().at(0).toBool(), qPrintable(finished.front().at(1).toString()));
    QCOMPARE(exporter->reusedResults(), 2);  // both analyses; the quantizations were computed
    QVERIFY(QFileInfo(dir.filePath("gui.html")).size() > 10000);
    QVERIFY(QFileInfo(dir.filePath("gui.pdf")).size() > 10000);
    QVERIFY(!window.errorVisible());

    // Cancelled from the status bar: nothing written.
    ReportDialogChoice other = choice;
    other.outputs.html = dir.filePath("cancelled.html");
    other.outputs.pdf.clear();
    ReportExporter* second = window.exportReport(other);
    QVERIFY(second);
    QSignalSpy stopped(second, &ReportExporter::finished);
    second->cancel();
    QVERIFY(stopped.wait(300000));
    QVERIFY(!stopped.front().at(0).toBool());
    QVERIFY(!QFileInfo::exists(dir.filePath("cancelled.html")));
  }
};

int main(int argc, char** argv) {
  if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
  QApplication app(argc, argv);
  ReportTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "report_test.moc"
