#include "views/activations_view.h"

#include <QCheckBox>
#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QSignalBlocker>
#include <QStackedWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <map>

#include "hopscope/error.h"
#include "plots/figure_plot.h"
#include "plots/plot_export.h"
#include "views/result_text.h"

namespace {

constexpr int kSideColumns = 2;

QString roleText(hopscope::SiteRole role) { return qtext(hopscope::roleName(role)).replace(QLatin1Char('_'), QLatin1Char(' ')); }

}  // namespace

ActivationsView::ActivationsView(QWidget* parent) : QWidget(parent) {
  placeholder_ = new QLabel(tr("Opening this view analyses and quantizes every loaded model (as the Outliers and "
                               "Quantization views do).\nHere: the histogram of any module for every variant, with "
                               "the 8-bit grid of its activation quantizer drawn over it."));
  placeholder_->setAlignment(Qt::AlignCenter);
  placeholder_->setWordWrap(true);
  placeholder_->setStyleSheet(QStringLiteral("color: #505050; font-size: 12pt;"));

  moduleSelector_ = new QComboBox;
  moduleSelector_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  moduleSelector_->setMinimumContentsLength(34);
  moduleSelector_->setMaxVisibleItems(30);
  moduleSelector_->setToolTip(tr("The module whose activation histogram is shown for every variant"));
  worstButton_ = new QToolButton;
  worstButton_->setText(tr("Highest kurtosis"));
  worstButton_->setToolTip(tr("Show the module with the highest kurtosis over every variant"));
  layerFilter_ = new QComboBox;
  layerFilter_->setToolTip(tr("List only the modules of this layer"));
  roleFilter_ = new QComboBox;
  roleFilter_->setToolTip(tr("List only the modules of this role in the block"));
  modeSelector_ = new QComboBox;
  modeSelector_->addItems({tr("Overlaid"), tr("Side by side")});
  modeSelector_->setToolTip(tr("One plot with a curve per variant, or one plot per variant on the same axes"));
  yScaleSelector_ = new QComboBox;
  yScaleSelector_->addItems({tr("Counts"), tr("Fractions")});
  yScaleSelector_->setToolTip(tr("Y axis (log scale): values per bin, or the fraction of the variant's values per bin"));
  gridCheck_ = new QCheckBox(tr("Quantization grid"));
  gridCheck_->setChecked(true);
  gridCheck_->setToolTip(tr("Draw each variant's activation quantizer of this module: calibrated range (dashed), "
                            "clipped tails (shaded), grid levels (ticks on top)"));

  auto* controls = new QHBoxLayout;
  auto* moduleLabel = new QLabel(tr("&Module:"));
  moduleLabel->setBuddy(moduleSelector_);
  controls->addWidget(moduleLabel);
  controls->addWidget(moduleSelector_, 1);
  controls->addWidget(worstButton_);
  controls->addSpacing(8);
  controls->addWidget(new QLabel(tr("Layer:")));
  controls->addWidget(layerFilter_);
  controls->addWidget(new QLabel(tr("Role:")));
  controls->addWidget(roleFilter_);
  controls->addSpacing(8);
  controls->addWidget(modeSelector_);
  controls->addWidget(yScaleSelector_);
  controls->addWidget(gridCheck_);

  status_ = new QLabel;
  status_->setWordWrap(true);
  status_->setStyleSheet(QStringLiteral("color: #6a4a00;"));
  quantizeButton_ = new QPushButton(tr("Quantize"));
  quantizeButton_->setToolTip(tr("Quantize every loaded model with the settings above (Ctrl+Shift+Q)"));
  analyzeButton_ = new QPushButton(tr("Analyze"));
  analyzeButton_->setToolTip(tr("Analyse every loaded model with the settings above (Ctrl+Shift+A)"));
  auto* statusRow = new QHBoxLayout;
  statusRow->addWidget(status_, 1);
  statusRow->addWidget(analyzeButton_);
  statusRow->addWidget(quantizeButton_);

  overlay_ = new FigurePlot;
  sideGrid_ = new QWidget;
  sideLayout_ = new QGridLayout(sideGrid_);
  sideLayout_->setContentsMargins(0, 0, 0, 0);
  sideScroll_ = new QScrollArea;
  sideScroll_->setWidgetResizable(true);
  sideScroll_->setFrameShape(QFrame::NoFrame);
  sideScroll_->setWidget(sideGrid_);
  plotPages_ = new QStackedWidget;
  plotPages_->addWidget(overlay_);
  plotPages_->addWidget(sideScroll_);

  auto* content = new QWidget;
  auto* contentLayout = new QVBoxLayout(content);
  contentLayout->setContentsMargins(4, 4, 4, 4);
  contentLayout->addLayout(controls);
  contentLayout->addLayout(statusRow);
  contentLayout->addWidget(plotPages_, 1);

  pages_ = new QStackedWidget;
  pages_->addWidget(placeholder_);
  pages_->addWidget(content);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(pages_);

  connect(moduleSelector_, &QComboBox::currentIndexChanged, this, [this] {
    automaticSubject_.clear();  // chosen by the user
    redraw();
  });
  connect(layerFilter_, &QComboBox::currentIndexChanged, this, [this] { fillModuleSelector(); });
  connect(roleFilter_, &QComboBox::currentIndexChanged, this, [this] { fillModuleSelector(); });
  connect(modeSelector_, &QComboBox::currentIndexChanged, this, [this] { redraw(); });
  connect(yScaleSelector_, &QComboBox::currentIndexChanged, this, [this] { redraw(); });
  connect(gridCheck_, &QCheckBox::toggled, this, [this] { redraw(); });
  connect(worstButton_, &QToolButton::clicked, this, [this] { selectWorst(); });
  connect(quantizeButton_, &QPushButton::clicked, this, &ActivationsView::quantizeRequested);
  connect(analyzeButton_, &QPushButton::clicked, this, &ActivationsView::analyzeRequested);
  setResults({}, {}, {}, {});
}

void ActivationsView::setResults(const std::vector<hopscope::ModelAnalysisPtr>& analyses,
                                 const std::vector<int>& analysisSlots,
                                 const std::vector<hopscope::QuantizationStudyPtr>& studies,
                                 const std::vector<int>& studySlots) {
  analyses_ = analyses;
  analysisSlots_ = analysisSlots;
  studies_ = studies;
  studySlots_ = studySlots;
  restate();
  pages_->setCurrentIndex(variants_.empty() ? 0 : 1);
  const HistogramSubjects subjects = histogramSubjects(analysed_);
  subjects_ = subjects.entries;
  preferred_ = subjects.entries.empty() ? -1 : subjects.preferred;
  fillFilters();
  fillModuleSelector();
}

void ActivationsView::setStatuses(const std::vector<ResultStatus>& analysis, const std::vector<ResultStatus>& quantization) {
  if (sameStatuses(analysis, analysisStatuses_) && sameStatuses(quantization, quantizationStatuses_)) return;
  analysisStatuses_ = analysis;
  quantizationStatuses_ = quantization;
  restate();
  redraw();
}

void ActivationsView::restate() {
  variants_ = pairVariants(analyses_, analysisSlots_, studies_, studySlots_);
  analysed_.clear();
  for (ActivationVariant& variant : variants_) {
    variant.analysisStatus = statusAt(analysisStatuses_, static_cast<size_t>(variant.slot));
    variant.quantizationStatus = statusAt(quantizationStatuses_, static_cast<size_t>(variant.slot));
    if (variant.analysis) analysed_.push_back(variant.analysis);
  }
}

void ActivationsView::fillFilters() {
  std::set<int> layers;
  std::map<int, QString> roles;  // by enum order: the forward order of a block
  for (const HistogramSubject& subject : subjects_) {
    const SubjectPlace place = subjectPlace(subject, analysed_);
    layers.insert(place.layer);
    roles[static_cast<int>(place.role)] = roleText(place.role);
  }
  const QVariant layer = layerFilter_->currentData(), role = roleFilter_->currentData();
  const QSignalBlocker blockLayers(layerFilter_), blockRoles(roleFilter_);
  layerFilter_->clear();
  layerFilter_->addItem(tr("all"), QVariant());
  for (int l : layers) layerFilter_->addItem(l < 0 ? tr("outside layers") : QString::number(l), l);
  roleFilter_->clear();
  roleFilter_->addItem(tr("all"), QVariant());
  for (const auto& [r, text] : roles) roleFilter_->addItem(text, r);
  layerFilter_->setCurrentIndex(std::max(0, layer.isValid() ? layerFilter_->findData(layer) : 0));
  roleFilter_->setCurrentIndex(std::max(0, role.isValid() ? roleFilter_->findData(role) : 0));
}

void ActivationsView::fillModuleSelector() {
  const QString previous = moduleSelector_->currentText();
  const QVariant layer = layerFilter_->currentData(), role = roleFilter_->currentData();
  listed_.clear();
  {
    const QSignalBlocker blocker(moduleSelector_);
    moduleSelector_->clear();
    for (size_t i = 0; i < subjects_.size(); ++i) {
      const SubjectPlace place = subjectPlace(subjects_[i], analysed_);
      if (layer.isValid() && layer.toInt() != place.layer) continue;
      if (role.isValid() && role.toInt() != static_cast<int>(place.role)) continue;
      listed_.push_back(static_cast<int>(i));
      moduleSelector_->addItem(subjects_[i].label);
      const QString tip = subjects_[i].tooltip.isEmpty() ? subjects_[i].label : subjects_[i].tooltip;
      moduleSelector_->setItemData(moduleSelector_->count() - 1, tip, Qt::ToolTipRole);
    }
    // Keep a subject the user chose; one the view chose follows the arriving results.
    int index = previous == automaticSubject_ ? -1 : moduleSelector_->findText(previous);
    const bool kept = index >= 0;
    if (!kept) {
      const auto at = std::find(listed_.begin(), listed_.end(), preferred_);
      index = at != listed_.end() ? static_cast<int>(at - listed_.begin()) : (listed_.empty() ? -1 : 0);
    }
    moduleSelector_->setCurrentIndex(index);
    automaticSubject_ = kept ? QString() : moduleSelector_->currentText();
  }
  QString what;
  worstButton_->setEnabled(worstSubject(subjects_, analysed_, &what) >= 0);
  worstButton_->setToolTip(what.isEmpty() ? tr("Show the module with the highest kurtosis over every variant")
                                          : tr("Show the module with the highest kurtosis: %1").arg(what));
  redraw();
}

void ActivationsView::selectWorst() {
  const int worst = worstSubject(subjects_, analysed_);
  if (worst >= 0) {
    const HistogramSubject& subject = subjects_[static_cast<size_t>(worst)];
    if (!subject.module.isEmpty()) {
      selectModule(subject.module);
      return;
    }
    const QSignalBlocker blockLayers(layerFilter_), blockRoles(roleFilter_);
    layerFilter_->setCurrentIndex(0);
    roleFilter_->setCurrentIndex(0);
    automaticSubject_.clear();
    fillModuleSelector();
    moduleSelector_->setCurrentText(subject.label);
  }
}

bool ActivationsView::selectModule(const QString& name) {
  const auto known = std::find_if(subjects_.begin(), subjects_.end(),
                                  [&](const HistogramSubject& subject) { return subject.module == name; });
  if (known == subjects_.end()) return false;
  if (moduleSelector_->findText(name) < 0) {  // hidden by a filter
    const QSignalBlocker blockLayers(layerFilter_), blockRoles(roleFilter_);
    layerFilter_->setCurrentIndex(0);
    roleFilter_->setCurrentIndex(0);
    fillModuleSelector();
  }
  automaticSubject_.clear();
  if (moduleSelector_->currentText() == name) {
    redraw();
  } else {
    moduleSelector_->setCurrentIndex(moduleSelector_->findText(name));
  }
  automaticSubject_.clear();
  return true;
}

QString ActivationsView::currentModule() const { return moduleSelector_->currentText(); }

int ActivationsView::plotWidth() const {
  const int pixels = plotPages_->width() > 100 ? plotPages_->width() : std::max(width(), 900);
  return modeSelector_->currentIndex() == 1 && variants_.size() > 1 ? pixels / kSideColumns - 20 : pixels;
}

void ActivationsView::redraw() {
  const int index = moduleSelector_->currentIndex();
  const bool valid = index >= 0 && index < static_cast<int>(listed_.size());
  const HistogramSubject subject = valid ? subjects_[static_cast<size_t>(listed_[static_cast<size_t>(index)])]
                                         : HistogramSubject{};
  ActivationPlotOptions options;
  options.sideBySide = modeSelector_->currentIndex() == 1;
  options.fractions = yScaleSelector_->currentIndex() == 1;
  options.grid = gridCheck_->isChecked();
  options.plotWidth = plotWidth();
  lastWidth_ = plotPages_->width();
  std::vector<Figure> figures = activationFigures(variants_, subject, options);
  if (options.sideBySide && figures.size() == 1 && options.plotWidth < plotPages_->width() - 40) {
    options.plotWidth = plotPages_->width();  // one plot takes the whole width: more levels fit
    figures = activationFigures(variants_, subject, options);
  }

  if (!options.sideBySide) {
    plotPages_->setCurrentWidget(overlay_);
    overlay_->setFigure(figures.empty() ? Figure{} : std::move(figures.front()));
  } else {
    plotPages_->setCurrentWidget(sideScroll_);
    while (sidePlots_.size() > figures.size()) {
      delete sidePlots_.back();
      sidePlots_.pop_back();
    }
    while (sidePlots_.size() < figures.size()) {
      auto* plot = new FigurePlot;
      plot->setMinimumHeight(380);
      sidePlots_.push_back(plot);
    }
    // Rebuilt each time: as many columns as there are plots (at most kSideColumns), sharing the width.
    const int columns = std::min<int>(kSideColumns, std::max<int>(1, static_cast<int>(figures.size())));
    while (QLayoutItem* item = sideLayout_->takeAt(0)) delete item;  // the plots stay
    for (int c = 0; c < kSideColumns; ++c) sideLayout_->setColumnStretch(c, c < columns ? 1 : 0);
    for (size_t i = 0; i < figures.size(); ++i) {
      sideLayout_->addWidget(sidePlots_[i], static_cast<int>(i) / columns, static_cast<int>(i) % columns);
      sidePlots_[i]->setFigure(std::move(figures[i]));
    }
  }
  updateStatus();
}

void ActivationsView::updateStatus() {
  QStringList lines, unquantized;
  bool pending = false;
  for (size_t v = 0; v < variants_.size(); ++v) {
    const ActivationVariant& variant = variants_[v];
    pending = pending || variant.analysisPending() || variant.quantizationPending();
    if (!variant.study && !variant.quantizationPending() && variant.analysis)
      unquantized << variantLabel(variant.analysis->info, v);
    if (!variant.analysis && !variant.analysisPending() && variant.study)
      lines << tr("%1 has no outlier analysis: Analyze computes its histograms.").arg(variantLabel(variant.study->info, v));
  }
  if (!unquantized.isEmpty())
    lines << tr("No quantization study for %1: Quantize computes the grids (with the settings above).")
                 .arg(unquantized.join(QStringLiteral(", ")));
  // A model being evaluated for the first time has no variant yet, but its status says so.
  const auto anyPending = [](const std::vector<ResultStatus>& statuses) {
    return std::any_of(statuses.begin(), statuses.end(),
                       [](const ResultStatus& status) { return status.state == ResultStatus::State::Pending; });
  };
  if (pending || anyPending(analysisStatuses_) || anyPending(quantizationStatuses_))
    lines << tr("Results are being computed; marked \"pending\" where an older result is shown.");
  status_->setText(lines.join(QLatin1Char('\n')));
  status_->setVisible(!lines.isEmpty());
  quantizeButton_->setVisible(!unquantized.isEmpty());
  analyzeButton_->setVisible(lines.join(QString()).contains(tr("Analyze")));
}

std::vector<FigurePlot*> ActivationsView::visiblePlots() const {
  if (modeSelector_->currentIndex() != 1) return {overlay_};
  return sidePlots_;
}

QCustomPlot* ActivationsView::currentPlot() const {
  const std::vector<FigurePlot*> plots = visiblePlots();
  return plots.empty() ? nullptr : plots.front();
}

void ActivationsView::exportPlots(const QString& path) const {
  const std::vector<FigurePlot*> plots = visiblePlots();
  if (plots.empty()) throw hopscope::Error("the Activations view has no plot to export");
  std::vector<QCustomPlot*> all(plots.begin(), plots.end());
  exportPlotGrid(all, path, kSideColumns);
}

QString ActivationsView::suggestedFileStem() const {
  QStringList words{QStringLiteral("activations"), moduleSelector_->currentText()};
  if (variants_.size() == 1) {
    const ActivationVariant& variant = variants_.front();
    words << qtext(variant.analysis ? variant.analysis->info.name : variant.study->info.name);
  } else if (!variants_.empty()) {
    words << tr("%1-variants").arg(variants_.size());
  }
  words << (modeSelector_->currentIndex() == 1 ? QStringLiteral("side-by-side") : QStringLiteral("overlaid"));
  return plotFileStem(words);
}

void ActivationsView::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  // The number of grid levels drawn depends on the width.
  if (std::abs(plotPages_->width() - lastWidth_) > 40 && !variants_.empty()) redraw();
}
