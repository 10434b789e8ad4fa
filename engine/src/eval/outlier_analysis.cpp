#include "hopscope/outlier_analysis.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <unordered_map>

#include "hopscope/error.h"
#include "hopscope/evaluation_task.h"
#include "hopscope/forward_hooks.h"
#include "hopscope/loaded_model.h"
#include "hopscope/token_context.h"
#include "hopscope/tokenizer.h"
#include "hopscope/transformer_model.h"

namespace hopscope {
namespace {

// Routes every tap of a forward to the statistics of its site.
class AnalysisHooks : public ForwardHooks {
 public:
  AnalysisHooks(const TransformerModel& model, std::vector<int64_t> delimiterIds)
      : family_(model.family()), delimiterIds_(std::move(delimiterIds)), causal_(model.causal()) {
    for (TapSite& site : model.tapSites()) sites_.emplace(site.name, std::move(site));
  }

  void beginBatch(const at::Tensor& ids, int64_t firstSample) {
    ids_ = ids;
    mask_ = at::ones_like(ids);
    firstSample_ = firstSample;
    lastValue_ = at::Tensor();
  }

  at::Tensor onActivation(const std::string& site, const at::Tensor& value) override {
    const TapSite& where = siteOf(site);
    if (where.role == SiteRole::Probs) {
      attentionFor(site.substr(0, site.rfind('.')), where.layer)
          .heads.add(value.detach(), ids_, mask_, delimiterIds_, causal_);
      return value;
    }
    // Output heads project onto the vocabulary (not activations of interest, and the costliest to
    // scan); scores are not token-shaped.
    if (where.role == SiteRole::OutputHead || where.role == SiteRole::Scores) return value;
    // Consecutive taps of the very same tensor (e.g. "...output.LayerNorm", "...output", the layer)
    // are one set of numbers: compute once, report under every name.
    const bool alias = lastValue_.defined() && value.is_same(lastValue_);
    ModuleAnalysis& module = moduleFor(where);
    if (alias) {
      if (module.aliasOf.empty() && module.stats.rows() == 0) module.aliasOf = canonical(lastSite_);
    } else {
      module.stats.add(value.detach(), firstSample_);
    }
    lastValue_ = value;
    lastSite_ = site;
    return value;
  }

  std::vector<ModuleAnalysis> takeModules() {
    for (ModuleAnalysis& module : modules_)
      if (!module.aliasOf.empty()) module.stats = modules_[index_.at(module.aliasOf)].stats;
    return std::move(modules_);
  }
  std::vector<AttentionAnalysis> takeAttention() { return std::move(attention_); }

 private:
  // The family's declaration of a site; a site the family does not list counts as Other.
  const TapSite& siteOf(const std::string& name) {
    auto found = sites_.find(name);
    if (found == sites_.end()) {
      TapSite site;
      site.name = name;
      site.layer = describeModule(family_, name).layer;
      found = sites_.emplace(name, site).first;
    }
    return found->second;
  }
  ModuleAnalysis& moduleFor(const TapSite& site) {
    auto found = index_.find(site.name);
    if (found != index_.end()) return modules_[found->second];
    index_.emplace(site.name, modules_.size());
    ModuleAnalysis module;
    module.name = site.name;
    module.layer = site.layer;
    module.role = site.role;
    module.shortName = describeModule(family_, site.name).shortName;
    module.stats = ModuleStatistics(site.row);
    modules_.push_back(std::move(module));
    return modules_.back();
  }
  std::string canonical(const std::string& site) const {
    const ModuleAnalysis& module = modules_[index_.at(site)];
    return module.aliasOf.empty() ? site : module.aliasOf;
  }
  AttentionAnalysis& attentionFor(const std::string& module, int64_t layer) {
    for (AttentionAnalysis& attention : attention_)
      if (attention.module == module) return attention;
    attention_.push_back({module, layer, AttentionHeadStatistics()});
    return attention_.back();
  }

  const ModelFamily& family_;
  std::unordered_map<std::string, TapSite> sites_;
  std::vector<int64_t> delimiterIds_;
  bool causal_;
  at::Tensor ids_, mask_;
  int64_t firstSample_ = 0;
  at::Tensor lastValue_;
  std::string lastSite_;
  std::vector<ModuleAnalysis> modules_;
  std::unordered_map<std::string, size_t> index_;
  std::vector<AttentionAnalysis> attention_;
};

double maxOf(const std::vector<double>& values) {
  double best = std::numeric_limits<double>::quiet_NaN();
  for (double value : values)
    if (!std::isnan(value) && (std::isnan(best) || value > best)) best = value;
  return best;
}

double meanOf(const std::vector<double>& values) {
  double sum = 0;
  int64_t count = 0;
  for (double value : values)
    if (!std::isnan(value)) {
      sum += value;
      ++count;
    }
  return count ? sum / static_cast<double>(count) : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

Figures protocolSummary(const std::vector<ProtocolFigure>& protocol, const std::vector<ModuleAnalysis>& modules) {
  Figures figures;
  for (const ProtocolFigure& figure : protocol) {
    std::vector<double> values;
    for (const ModuleAnalysis& module : modules) {
      if (std::find(figure.roles.begin(), figure.roles.end(), module.role) == figure.roles.end()) continue;
      switch (figure.statistic) {
        case ProtocolFigure::Statistic::Kurtosis: values.push_back(module.stats.meanKurtosis()); break;
        case ProtocolFigure::Statistic::RowKurtosisMax: values.push_back(module.stats.maxKurtosis()); break;
        case ProtocolFigure::Statistic::InfNorm: values.push_back(module.stats.meanInfNorm()); break;
      }
    }
    const double value = figure.reduction == ProtocolFigure::Reduction::Max ? maxOf(values) : meanOf(values);
    figures.push_back({figure.name, figure.description, value});
  }
  return figures;
}

Figures allModulesSummary(const std::vector<ModuleAnalysis>& modules) {
  std::vector<double> kurtosis, infNorm;
  double maxAbs = 0;
  for (const ModuleAnalysis& module : modules) {
    if (!module.aliasOf.empty()) continue;  // each tensor once
    kurtosis.push_back(module.stats.meanKurtosis());
    infNorm.push_back(module.stats.meanInfNorm());
    maxAbs = std::max(maxAbs, module.stats.maxAbs().value);
  }
  return {{"max_inf_norm", "Largest per-module inf-norm over every tapped module.", maxOf(infNorm)},
          {"avg_kurtosis", "Mean per-module kurtosis over every tapped module.", meanOf(kurtosis)},
          {"max_kurtosis", "Largest per-module kurtosis over every tapped module.", maxOf(kurtosis)},
          {"max_abs", "Largest |x| seen in any tapped module.", maxAbs}};
}

ModelAnalysis analyzeModel(const LoadedModel& loaded, const TextCorpus& corpus,
                           const AnalysisSettings& settings, const JobControl& job) {
  const EvaluationTask task(loaded, settings);
  job.report(0.0, loaded.info().name + ": tokenizing");
  ModelAnalysis analysis = analyzeBlocks(loaded, task.makeBlocks(corpus, settings.samples, job), settings, job);
  analysis.data = corpus.source();
  return analysis;
}

namespace {

// The settings of an analysis of `data`: samples and sequence length as the data has them.
AnalysisSettings settingsFor(const LoadedModel& loaded, const TaskData& data, const AnalysisSettings& requested) {
  AnalysisSettings settings = requested;
  const at::Tensor& blockIds = data.inputs;
  const bool images = loaded.model().family().task == TaskKind::ImageClassification;
  if (blockIds.defined() && blockIds.dim() == (images ? 4 : 2)) {
    settings.samples = blockIds.size(0);
    settings.seqLen = images ? loaded.model().config().maxPositions : blockIds.size(1);
  }
  return settings;
}

}  // namespace

AnalysisPart analyzeBlockRange(const LoadedModel& loaded, const TaskData& data, const AnalysisSettings& requested,
                               int64_t begin, int64_t end, const JobControl& job) {
  const AnalysisSettings settings = settingsFor(loaded, data, requested);
  const EvaluationTask task(loaded, settings);
  const TransformerModel& model = loaded.model();
  const bool images = model.family().task == TaskKind::ImageClassification;
  AnalysisHooks hooks(model, task.delimiterIds());
  AnalysisPart part;
  part.firstBlock = begin;
  part.blocks = end - begin;
  at::NoGradGuard noGrad;
  task.forEachBatchInRange(data, begin, end, job, loaded.info().name + (images ? ": image" : ": block"),
                           [&](const TaskBatch& batch) {
                             hooks.beginBatch(task.headIds(batch), batch.firstBlock);
                             task.score(part.metric, model.forward(batch.inputs, &hooks), batch);
                           });
  part.modules = hooks.takeModules();
  part.attention = hooks.takeAttention();
  return part;
}

ModelAnalysis finishAnalysis(const LoadedModel& loaded, const TaskData& data, const AnalysisSettings& requested,
                             AnalysisPart whole) {
  const AnalysisSettings settings = settingsFor(loaded, data, requested);
  const EvaluationTask task(loaded, settings);
  const int64_t samples = data.size();
  if (whole.firstBlock != 0 || whole.blocks != samples)
    throw Error("the merged analysis covers blocks " + std::to_string(whole.firstBlock) + ".." +
                std::to_string(whole.firstBlock + whole.blocks) + ", not all " + std::to_string(samples));
  ModelAnalysis analysis;
  analysis.info = loaded.info();
  analysis.settings = settings;
  analysis.metric = task.metric(whole.metric);
  analysis.samples = samples;
  analysis.tokens = samples * settings.seqLen;
  analysis.modules = std::move(whole.modules);
  analysis.attention = std::move(whole.attention);
  std::map<int64_t, std::vector<int64_t>> blocks;  // sample -> its ids as read
  for (ModuleAnalysis& module : analysis.modules) {
    const MaxAbsLocation where = module.stats.maxAbs();
    if (where.sample < 0 || where.token < 0 || where.sample >= samples) continue;
    // The token the model saw (masks are deterministic: recomputed for that block).
    if (where.token >= settings.seqLen) continue;
    module.maxAbsToken = task.tokenLabel(data, where.sample, where.token);
    if (task.images()) continue;
    // And the text whose run shows that block (as read, before masking: token_context.h) with the
    // token as the query: the GUI's jump to the Attention view.
    auto block = blocks.find(where.sample);
    if (block == blocks.end()) {
      const at::Tensor read = data.inputs[where.sample].to(at::kLong).contiguous();
      block = blocks.emplace(where.sample, std::vector<int64_t>(read.data_ptr<int64_t>(),
                                                                read.data_ptr<int64_t>() + read.numel())).first;
    }
    module.maxAbsContext = tokenContext(*loaded.tokenizer(), block->second, where.token, loaded.info().maxPositions);
  }
  analysis.summary = protocolSummary(loaded.model().family().protocol, analysis.modules);
  analysis.allModules = allModulesSummary(analysis.modules);
  return analysis;
}

ModelAnalysis analyzeBlocks(const LoadedModel& loaded, const TaskData& data, const AnalysisSettings& settings,
                            const JobControl& job) {
  ModelAnalysis analysis =
      finishAnalysis(loaded, data, settings, analyzeBlockRange(loaded, data, settings, 0, data.size(), job));
  job.report(1.0, loaded.info().name + ": done");
  return analysis;
}

std::vector<std::pair<int64_t, double>> topChannels(const ModuleStatistics& stats, size_t count) {
  const std::vector<double>& channelMax = stats.channelMaxAbs();
  std::vector<size_t> order(channelMax.size());
  std::iota(order.begin(), order.end(), 0);
  count = std::min(count, order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(count), order.end(),
                    [&](size_t a, size_t b) { return channelMax[a] > channelMax[b]; });
  std::vector<std::pair<int64_t, double>> top;
  for (size_t i = 0; i < count; ++i) top.emplace_back(static_cast<int64_t>(order[i]), channelMax[order[i]]);
  return top;
}

const ModuleAnalysis* ModelAnalysis::module(const std::string& name) const {
  for (const ModuleAnalysis& entry : modules)
    if (entry.name == name) return &entry;
  return nullptr;
}

const ModuleAnalysis* ModelAnalysis::module(SiteRole role, int64_t layer) const {
  for (const ModuleAnalysis& entry : modules)
    if (entry.role == role && entry.layer == layer) return &entry;
  return nullptr;
}

double ModelAnalysis::figure(const std::string& name) const {
  for (const Figure& entry : summary)
    if (entry.name == name) return entry.value;
  return std::numeric_limits<double>::quiet_NaN();
}

}  // namespace hopscope
