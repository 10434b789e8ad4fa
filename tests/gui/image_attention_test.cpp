// The attention view for images: ViT models run the window's image (PNG, JPEG or an idx file) while
// text models run the text, each image pane shows the image as the model saw it with its patch grid
// and one query's attention over the patches; the overlay equals the probabilities of the engine's
// own run of the same image (LoadedModel::runImage called here directly), a clicked patch becomes
// the query of every image pane, the no-op toggle shows 1 − Σp per patch query, and bad image files
// give one clear error and no crash.
#include <QCheckBox>
#include <QComboBox>
#include <QFileInfo>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <memory>

#include "app/main_window.h"
#include "hopscope/loaded_model.h"
#include "image_file.h"
#include "jobs/model_jobs.h"
#include "plots/heatmap_plot.h"
#include "views/attention_grid.h"
#include "views/attention_view.h"
#include "views/loaded_models_model.h"

namespace {

QString fixture(const QString& name) { return QStringLiteral(HOPSCOPE_FIXTURES_DIR "/") + name; }
QString model(const QString& name) { return fixture(QStringLiteral("models/") + name); }
const QString kImage = fixture(QStringLiteral("images/ankle-boot.png"));

// p(query → key) of one head or the mean over heads, from the engine's result, in double.
double engineProbability(const hopscope::AttentionProbabilities& a, int head, int query, int key) {
  if (head >= 0) return a.at(head, query, key);
  double sum = 0;
  for (int h = 0; h < a.heads; ++h) sum += a.at(h, query, key);
  return sum / a.heads;
}

double engineNoOp(const hopscope::AttentionProbabilities& a, int head, int query) {
  double sum = 0;
  for (int key = 0; key < a.keys; ++key) sum += engineProbability(a, head, query, key);
  return 1.0 - sum;
}

QPoint cellCentre(HeatmapPlot* plot, int row, int column) {
  return QPoint(static_cast<int>(plot->xAxis->coordToPixel(column)), static_cast<int>(plot->yAxis->coordToPixel(row)));
}

}  // namespace

class ImageAttentionTest : public QObject {
  Q_OBJECT
  std::unique_ptr<MainWindow> window_;

  AttentionView& view() { return *window_->attentionView(); }
  AttentionGrid& grid() { return *view().grid(); }
  bool waitIdle() { return QTest::qWaitFor([this] { return window_->jobs()->isIdle(); }, 60000); }
  void replotAll() {
    QCoreApplication::processEvents();
    for (int i = 0; i < grid().paneCount(); ++i) grid().pane(i)->replot();
  }

  // Every image pane shows, for each patch, the engine's probability from `query` (or its no-op
  // mass), computed from a run of the same image straight through the engine API.
  void checkImagePanes(int layer, int head, int query, bool noOp) {
    int checked = 0;
    for (int index = 0; index < grid().paneCount(); ++index) {
      if (!grid().isImagePane(index)) continue;
      const LoadedModelsModel::Entry* entry = window_->models()->entryById(grid().paneModelId(index));
      QVERIFY(entry && entry->model);
      const auto engineModel = hopscope::LoadedModel::open(entry->argument.toStdString());
      const hopscope::ImageRunResult run = engineModel->runImage(hopscope::decodeImageFile(kImage.toStdString()));
      const hopscope::AttentionProbabilities& a = run.attention[static_cast<size_t>(layer)];
      HeatmapPlot* plot = grid().pane(index);
      const HeatmapData& data = plot->heatmapData();
      QVERIFY(data.isPatchMap());
      QCOMPARE(data.rows(), 4);
      QCOMPARE(data.columns(), 4);
      for (int row = 0; row < 4; ++row)
        for (int column = 0; column < 4; ++column) {
          const int patch = 1 + row * 4 + column;
          const double expected = noOp ? engineNoOp(a, head, patch) : engineProbability(a, head, query, patch);
          QVERIFY2(std::abs(plot->colorMap()->data()->cell(column, row) - expected) <= 1e-6,
                   qPrintable(QStringLiteral("pane %1 patch (%2, %3)").arg(index).arg(row).arg(column)));
        }
      if (noOp) {
        QVERIFY(std::isnan(data.classTokenWeight));
        QVERIFY(std::abs(data.noOpMass - engineNoOp(a, head, 0)) <= 1e-6);
      } else {
        QVERIFY(std::abs(data.classTokenWeight - engineProbability(a, head, query, 0)) <= 1e-6);
        QVERIFY(std::abs(data.noOpMass - engineNoOp(a, head, query)) <= 1e-6);
      }
      ++checked;
    }
    QCOMPARE(checked, 2);
  }

 private slots:
  void init() {
    for (const QString& name : {QStringLiteral("vit-tiny-hf"), QStringLiteral("vit-tiny-timm"), QStringLiteral("bert-tiny")})
      if (!QFileInfo::exists(model(name) + "/config.json")) QSKIP("fixtures missing");
    window_ = std::make_unique<MainWindow>();
    window_->resize(1800, 1000);
    window_->setInputText(MainWindow::defaultText());
    window_->show();
    QVERIFY(QTest::qWaitForWindowExposed(window_.get()));
    window_->showView(QStringLiteral("attention"));
  }
  void cleanup() { window_.reset(); }

  void imageModelWithoutAnImageSaysSo() {
    window_->openModel(model("vit-tiny-hf"));
    QVERIFY(waitIdle());
    QVERIFY(!window_->hasImage());
    QVERIFY(!window_->errorVisible());
    const QString message = grid().pane(0)->title();
    QVERIFY2(message.contains(QStringLiteral("open an image")), qPrintable(message));
    QVERIFY(!message.contains(QStringLiteral("tokenizer")));
    QCOMPARE(window_->imageThumbnail()->text(), QStringLiteral("no image"));
  }

  void theTextBoxGivesWayWhileOnlyImageModelsAreLoaded() {
    QVERIFY(window_->textEdit()->isVisibleTo(window_.get()));  // nothing loaded: the text box, as before
    QVERIFY(!window_->imageOnlyNote()->isVisibleTo(window_.get()));
    const int vit = window_->openModel(model("vit-tiny-hf"));
    QVERIFY(waitIdle());
    // The text means nothing to an image model: a note in its place says why and what brings it back.
    QVERIFY(!window_->textEdit()->isVisibleTo(window_.get()));
    QVERIFY(window_->imageOnlyNote()->isVisibleTo(window_.get()));
    QVERIFY(window_->imageOnlyNote()->text().contains(QStringLiteral("text model")));
    QVERIFY(window_->runButton()->toolTip().contains(QStringLiteral("image")));
    QVERIFY(window_->openImageButton()->isVisibleTo(window_.get()));
    // A text model brings it back; removing it hides it again.
    const int bert = window_->openModel(model("bert-tiny"));
    QVERIFY(waitIdle());
    QVERIFY(window_->textEdit()->isVisibleTo(window_.get()));
    QVERIFY(!window_->imageOnlyNote()->isVisibleTo(window_.get()));
    window_->removeModel(bert);
    QVERIFY(!window_->textEdit()->isVisibleTo(window_.get()));
    window_->removeModel(vit);
    QVERIFY(window_->textEdit()->isVisibleTo(window_.get()));
  }

  void theImageInputGivesWayWhileOnlyTextModelsAreLoaded() {
    QVERIFY(window_->imageInput()->isVisibleTo(window_.get()));  // nothing loaded: both inputs
    const int bert = window_->openModel(model("bert-tiny"));
    QVERIFY(waitIdle());
    QVERIFY(!window_->imageInput()->isVisibleTo(window_.get()));
    QVERIFY(window_->textEdit()->isVisibleTo(window_.get()));
    // An image model brings it back; an opened image keeps it in view.
    const int vit = window_->openModel(model("vit-tiny-hf"));
    QVERIFY(waitIdle());
    QVERIFY(window_->imageInput()->isVisibleTo(window_.get()));
    window_->removeModel(vit);
    QVERIFY(!window_->imageInput()->isVisibleTo(window_.get()));
    QVERIFY(window_->openImage(kImage));
    QVERIFY(window_->imageInput()->isVisibleTo(window_.get()));
    window_->removeModel(bert);
    QVERIFY(window_->imageInput()->isVisibleTo(window_.get()));
  }

  void mixedLoadRunsTheImageAndTheText() {
    window_->openModel(model("vit-tiny-hf"));
    window_->openModel(model("vit-tiny-timm@softmax1"));
    window_->openModel(model("bert-tiny"));
    QVERIFY(window_->openImage(kImage));
    QVERIFY(waitIdle());
    replotAll();
    QCOMPARE(grid().paneCount(), 3);
    const auto& entries = window_->models()->entries();
    QVERIFY(entries[0].lastImageRun && !entries[0].lastRun);
    QVERIFY(entries[1].lastImageRun && !entries[1].lastRun);
    QVERIFY(entries[2].lastRun && !entries[2].lastImageRun);
    // Image panes: the 28 × 28 image as the model saw it under a 4 × 4 patch grid (28 / 7 per side).
    for (int index : {0, 1}) {
      QVERIFY(grid().isImagePane(index));
      const HeatmapData& data = grid().pane(index)->heatmapData();
      QVERIFY(data.isPatchMap());
      QCOMPARE(data.rows(), 4);
      QCOMPARE(data.columns(), 4);
      QCOMPARE(data.image.size(), QSize(28, 28));
      QVERIFY(grid().pane(index)->subtitle().contains(QStringLiteral("query: class token")));
    }
    // The text pane is unchanged: tokens × tokens with its no-op strip.
    QVERIFY(!grid().isImagePane(2));
    const HeatmapData& text = grid().pane(2)->heatmapData();
    QVERIFY(!text.isPatchMap());
    QCOMPARE(text.rows(), static_cast<int>(entries[2].lastRun->ids.size()));
    QVERIFY(text.hasStrip());
    QVERIFY(view().imageControls()->isVisibleTo(&view()));
    QVERIFY(!window_->imageThumbnail()->pixmap().isNull());
    QVERIFY(window_->imageCaption()->text().contains(QStringLiteral("ankle-boot.png")));
    // Tooltips name the patch and the value.
    QVERIFY2(grid().pane(0)->tooltipForCell(1, 2).startsWith(QStringLiteral("patch (1, 2): attention from the class token ")),
             qPrintable(grid().pane(0)->tooltipForCell(1, 2)));
    // A difference to an image model has nothing to subtract from a text map: the text pane says so.
    view().referenceBox()->setCurrentIndex(view().referenceBox()->findData(entries[0].id));
    QVERIFY2(grid().pane(2)->subtitle().contains(QStringLiteral("ran an image")), qPrintable(grid().pane(2)->subtitle()));
    QVERIFY(!grid().pane(2)->heatmapData().diverging);
    view().referenceBox()->setCurrentIndex(0);
    // The predictions tab lists the classes of the current image pane.
    view().selectModelId(entries[0].id);
    QVERIFY(view().predictionsList()->topLevelItemCount() > 0);
  }

  void overlayEqualsTheEngineProbabilitiesAndFollowsTheQuery() {
    window_->openModel(model("vit-tiny-hf"));
    window_->openModel(model("bert-tiny"));
    window_->openModel(model("vit-tiny-timm@softmax1"));
    QVERIFY(window_->openImage(kImage));
    QVERIFY(waitIdle());
    replotAll();
    checkImagePanes(0, 0, 0, false);
    view().layerBox()->setValue(1);
    view().headBox()->setValue(2);
    checkImagePanes(1, 2, 0, false);
    view().meanOverHeadsBox()->setChecked(true);
    checkImagePanes(1, -1, 0, false);
    view().meanOverHeadsBox()->setChecked(false);
    replotAll();

    // A click on patch (1, 2) of the first image pane makes it the query of every image pane.
    HeatmapPlot* first = grid().pane(0);
    const std::vector<double> before = [&] {
      std::vector<double> values;
      for (int i = 0; i < 16; ++i) values.push_back(first->colorMap()->data()->cell(i % 4, i / 4));
      return values;
    }();
    QTest::mouseClick(first, Qt::LeftButton, Qt::NoModifier, cellCentre(first, 1, 2));
    QCOMPARE(grid().imageQuery().row, 1);
    QCOMPARE(grid().imageQuery().column, 2);
    QCOMPARE(grid().selectedRow(), -1);  // the text pane's selection is its own
    checkImagePanes(1, 2, 1 + 1 * 4 + 2, false);
    bool changed = false;
    for (int i = 0; i < 16; ++i) changed |= std::abs(first->colorMap()->data()->cell(i % 4, i / 4) - before[i]) > 1e-7;
    QVERIFY(changed);
    QCOMPARE(grid().pane(2)->selectedRow(), 1);  // the query patch is outlined in the other image pane
    QCOMPARE(grid().pane(2)->selectedColumn(), 2);
    QVERIFY(view().imageQueryLabel()->text().contains(QStringLiteral("patch (1, 2)")));
    QVERIFY(grid().pane(2)->subtitle().contains(QStringLiteral("query: patch (1, 2)")));
    QVERIFY(view().selectionLabel()->text().contains(QStringLiteral("no-op")));

    // The no-op mass of every patch's query instead.
    view().imageNoOpBox()->setChecked(true);
    checkImagePanes(1, 2, 0, true);
    view().imageNoOpBox()->setChecked(false);
    // Class token: back to the default query.
    QVERIFY(view().classTokenButton()->isEnabled());
    view().classTokenButton()->click();
    QVERIFY(grid().imageQuery().isClassToken());
    checkImagePanes(1, 2, 0, false);

    // The log colour scale reaches the image panes too.
    view().colourScaleBox()->setCurrentIndex(view().colourScaleBox()->findData(static_cast<int>(AttentionGrid::ColourMode::Log)));
    QCOMPARE(grid().pane(0)->colourScaleType(), HeatmapPlot::Scale::Log);
  }

  void idxImagesAndTheirIndex() {
    const QString idx = fixture(QStringLiteral("images/fashion24-images-idx3-ubyte.gz"));
    window_->openModel(model("vit-tiny-hf"));
    QVERIFY(window_->openImage(idx, 3));
    QVERIFY(waitIdle());
    QVERIFY(window_->image()->idx);
    QCOMPARE(window_->image()->count, 24);
    QCOMPARE(window_->image()->image.channels, 1);
    QVERIFY(window_->imageIndexBox()->isVisibleTo(window_.get()));
    QCOMPARE(window_->imageIndexBox()->value(), 3);
    const auto first = window_->models()->entryAt(0).lastImageRun->attention[0].probs;
    window_->imageIndexBox()->setValue(7);
    QCOMPARE(window_->image()->index, 7);
    QVERIFY(waitIdle());
    QVERIFY(window_->models()->entryAt(0).lastImageRun->attention[0].probs != first);
    // An index outside the file is an error; the image stays.
    QVERIFY(!window_->openImage(idx, 24));
    QVERIFY(window_->errorText().contains(QStringLiteral("no image 24")));
    QCOMPARE(window_->image()->index, 7);
  }

  void badImageFilesGiveAClearErrorAndNoCrash() {
    window_->openModel(model("vit-tiny-hf"));
    QVERIFY(window_->openImage(kImage));
    QVERIFY(waitIdle());
    for (const QString& bad : {QStringLiteral("bad/text.png"), QStringLiteral("bad/empty.png"),
                               QStringLiteral("bad/truncated.png"), QStringLiteral("bad/truncated-idx3-ubyte"),
                               QStringLiteral("does-not-exist.png")}) {
      window_->dismissErrors();
      const QString path = fixture(QStringLiteral("images/") + bad);
      QVERIFY2(!window_->openImage(path), qPrintable(bad));
      QVERIFY(window_->errorVisible());
      QVERIFY2(window_->errorText().contains(path), qPrintable(window_->errorText()));
      QVERIFY(waitIdle());
    }
    // The previous image and its maps stay.
    QCOMPARE(window_->imagePath(), kImage);
    QVERIFY(window_->models()->entryAt(0).lastImageRun.has_value());
    QVERIFY(grid().pane(0)->heatmapData().isPatchMap());
  }

  void droppedImageFileOpensAsTheImage() {
    window_->openModel(model("vit-tiny-hf"));
    window_->openPath(kImage);
    QVERIFY(window_->hasImage());
    QVERIFY(waitIdle());
    QCOMPARE(window_->models()->rowCount(), 1);  // not opened as a model
    QVERIFY(window_->models()->entryAt(0).lastImageRun.has_value());
  }

  void gridExportHoldsTheImagePanes() {
    window_->openModel(model("vit-tiny-hf"));
    window_->openModel(model("bert-tiny"));
    QVERIFY(window_->openImage(kImage));
    QVERIFY(waitIdle());
    replotAll();
    QTemporaryDir dir;
    const QString path = dir.filePath(QStringLiteral("grid.png"));
    QVERIFY(view().exportGrid(path));
    const QImage exported(path);
    QVERIFY(!exported.isNull());
    QVERIFY(exported.width() > exported.height());  // two panes side by side
    const QString single = dir.filePath(QStringLiteral("pane.svg"));
    view().selectModelId(window_->models()->entryAt(0).id);
    QVERIFY(window_->exportPlot(single));
    QVERIFY(QFileInfo(single).size() > 1000);
  }
};

int runImageAttentionTests(int argc, char** argv) {
  ImageAttentionTest test;
  return QTest::qExec(&test, argc, argv);
}

#include "image_attention_test.moc"
