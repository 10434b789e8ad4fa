#include "hopscope/outlier_analysis.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <regex>
#include <unordered_map>

#include "hopscope/error.h"
#include "hopscope/forward_hooks.h"
#include "hopscope/masked_lm.h"
#include "hopscope/token_blocks.h"
#include "hopscope/tokenizer.h"
#include "hopscope/transformer_model.h"

namespace hopscope {
namespace {

bool endsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Hugging Face's OPT runs its FFN on a (batch*tokens, d) view, so the protocol's row there is a token.
RowMode rowModeOf(const std::string& family, const std::string& site) {
  static const std::regex optFfn(
      R"(model\.decoder\.layers\.\d+\.(fc1|activation_fn|fc2|final_layer_norm|final_layer_norm\.input))");
  return family == "opt" && std::regex_match(site, optFfn) ? RowMode::PerToken : RowMode::PerSample;
}

// Output heads project onto the vocabulary: not activations of interest, and the costliest to scan.
bool isOutputHead(const std::string& site) { return site == "cls.predictions.decoder" || site == "lm_head"; }

// Routes every tap of a forward to the statistics of its site.
class AnalysisHooks : public ForwardHooks {
 public:
  AnalysisHooks(std::string family, std::vector<int64_t> delimiterIds, bool causal)
      : family_(std::move(family)), delimiterIds_(std::move(delimiterIds)), causal_(causal) {}

  void beginBatch(const at::Tensor& ids, int64_t firstSample) {
    ids_ = ids;
    mask_ = at::ones_like(ids);
    firstSample_ = firstSample;
    lastValue_ = at::Tensor();
  }

  at::Tensor onActivation(const std::string& site, const at::Tensor& value) override {
    if (endsWith(site, ".probs")) {
      attentionFor(site.substr(0, site.size() - 6)).heads.add(value.detach(), ids_, mask_, delimiterIds_, causal_);
      return value;
    }
    if (isOutputHead(site) || endsWith(site, ".scores")) return value;  // not token-shaped
    // Consecutive taps of the very same tensor (e.g. "...output.LayerNorm", "...output", the layer)
    // are one set of numbers: compute once, report under every name.
    const bool alias = lastValue_.defined() && value.is_same(lastValue_);
    ModuleAnalysis& module = moduleFor(site);
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
  ModuleAnalysis& moduleFor(const std::string& site) {
    auto found = index_.find(site);
    if (found != index_.end()) return modules_[found->second];
    index_.emplace(site, modules_.size());
    ModuleAnalysis module;
    module.name = site;
    module.stats = ModuleStatistics(rowModeOf(family_, site));
    modules_.push_back(std::move(module));
    return modules_.back();
  }
  std::string canonical(const std::string& site) const {
    const ModuleAnalysis& module = modules_[index_.at(site)];
    return module.aliasOf.empty() ? site : module.aliasOf;
  }
  AttentionAnalysis& attentionFor(const std::string& module) {
    for (AttentionAnalysis& attention : attention_)
      if (attention.module == module) return attention;
    attention_.push_back({module, AttentionHeadStatistics()});
    return attention_.back();
  }

  std::string family_;
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

std::vector<int64_t> delimiterIdsOf(const Tokenizer& tokenizer, const std::string& family) {
  const std::vector<std::string> names = family == "bert" ? std::vector<std::string>{"[CLS]", "[SEP]", "."}
                                                          : std::vector<std::string>{"</s>", "."};
  std::vector<int64_t> ids;
  for (const std::string& name : names)
    if (tokenizer.tokenId(name) >= 0) ids.push_back(tokenizer.tokenId(name));
  return ids;
}

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

Figures protocolSummary(const std::string& family, const std::vector<ModuleAnalysis>& modules) {
  std::vector<double> kurtosis, kurtosisMax, infNorm, ffn, blocks, lnInput;
  auto take = [&](const ModuleAnalysis& module, std::vector<double>* group) {
    kurtosis.push_back(module.stats.meanKurtosis());
    kurtosisMax.push_back(module.stats.maxKurtosis());
    infNorm.push_back(module.stats.meanInfNorm());
    if (group) group->push_back(module.stats.meanInfNorm());
  };
  if (family == "bert") {
    // Per layer: the FFN output (output.dense) and the block output (output.LayerNorm); the
    // LayerNorm input (residual sum) counts for the inf-norm only.
    static const std::regex ffnOut(R"(bert\.encoder\.layer\.\d+\.output\.dense)");
    static const std::regex blockOut(R"(bert\.encoder\.layer\.\d+\.output\.LayerNorm)");
    static const std::regex normIn(R"(bert\.encoder\.layer\.\d+\.output\.LayerNorm\.input)");
    for (const ModuleAnalysis& module : modules) {
      if (std::regex_match(module.name, ffnOut)) take(module, &ffn);
      else if (std::regex_match(module.name, blockOut)) take(module, &blocks);
      else if (std::regex_match(module.name, normIn)) lnInput.push_back(module.stats.meanInfNorm());
    }
    std::vector<double> allInf = infNorm;
    allInf.insert(allInf.end(), lnInput.begin(), lnInput.end());
    return {{"max_inf_norm", maxOf(allInf)},
            {"max_ffn_inf_norm", maxOf(ffn)},
            {"max_ln_output_inf_norm", maxOf(blocks)},
            {"max_ln_input_inf_norm", maxOf(lnInput)},
            {"avg_kurtosis", meanOf(kurtosis)},
            {"max_kurtosis", maxOf(kurtosis)},
            {"max_row_kurtosis", maxOf(kurtosisMax)}};
  }
  // OPT: the decoder's final LayerNorm and per layer the block output, fc2, final_layer_norm,
  // self_attn.out_proj and self_attn_layer_norm.
  static const std::regex block(R"(model\.decoder\.layers\.\d+)");
  static const std::regex fc2(R"(model\.decoder\.layers\.\d+\.fc2)");
  static const std::regex other(
      R"(model\.decoder\.layers\.\d+\.(final_layer_norm|self_attn\.out_proj|self_attn_layer_norm))");
  for (const ModuleAnalysis& module : modules) {
    if (std::regex_match(module.name, block)) take(module, &blocks);
    else if (std::regex_match(module.name, fc2)) take(module, &ffn);
    else if (module.name == "model.decoder.final_layer_norm" || std::regex_match(module.name, other))
      take(module, nullptr);
  }
  return {{"max_inf_norm", maxOf(infNorm)},
          {"max_ffn_inf_norm", maxOf(ffn)},
          {"max_block_inf_norm", maxOf(blocks)},
          {"avg_kurtosis", meanOf(kurtosis)},
          {"max_kurtosis", maxOf(kurtosis)},
          {"max_row_kurtosis", maxOf(kurtosisMax)}};
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
  return {{"max_inf_norm", maxOf(infNorm)},
          {"avg_kurtosis", meanOf(kurtosis)},
          {"max_kurtosis", maxOf(kurtosis)},
          {"max_abs", maxAbs}};
}

ModelAnalysis analyzeModel(const LoadedModel& loaded, const TextCorpus& corpus,
                           const AnalysisSettings& settings, const JobControl& job) {
  const ModelInfo& info = loaded.info();
  if (!loaded.tokenizer()) throw Error(info.path + ": no tokenizer files, so text data cannot be analysed");
  if (settings.samples < 1) throw Error("--samples must be at least 1");
  if (settings.seqLen > info.maxPositions)
    throw Error("--seq-len " + std::to_string(settings.seqLen) + " exceeds " + info.name +
                "'s position table of " + std::to_string(info.maxPositions));
  job.report(0.0, info.name + ": tokenizing");
  const TokenBlocks blocks = makeTokenBlocks(corpus, *loaded.tokenizer(), settings.seqLen, settings.samples);
  return analyzeBlocks(loaded, blocks.ids, settings, job);
}

ModelAnalysis analyzeBlocks(const LoadedModel& loaded, const at::Tensor& blockIds,
                            const AnalysisSettings& settings, const JobControl& job) {
  const ModelInfo& info = loaded.info();
  const Tokenizer* tokenizer = loaded.tokenizer();
  if (!tokenizer) throw Error(info.path + ": no tokenizer files, so text data cannot be analysed");
  if (blockIds.dim() != 2 || blockIds.size(0) < 1) throw Error("token blocks must be a non-empty [N, L] tensor");
  if (settings.batch < 1) throw Error("--batch must be at least 1");
  if (settings.maskProb < 0 || settings.maskProb > 1) throw Error("--mask-prob must be in [0, 1]");
  const int64_t samples = blockIds.size(0);
  const bool maskedLm = info.family == "bert";
  const MaskingOptions masking = maskedLm ? bertMaskingOptions(*tokenizer, settings.maskProb, settings.seed)
                                          : MaskingOptions{};

  const TransformerModel& model = loaded.model();
  AnalysisHooks hooks(info.family, delimiterIdsOf(*tokenizer, info.family), model.causal());
  PerplexityAccumulator perplexity;
  at::NoGradGuard noGrad;
  for (int64_t first = 0; first < samples; first += settings.batch) {
    job.checkCancelled();
    job.report(static_cast<double>(first) / static_cast<double>(samples),
               info.name + ": block " + std::to_string(first + 1) + "/" + std::to_string(samples));
    const at::Tensor ids = blockIds.slice(0, first, std::min(first + settings.batch, samples));
    ModelInputs inputs;
    at::Tensor labels;
    if (maskedLm) {
      MaskingOptions options = masking;
      options.firstBlockIndex = first;
      const MaskedBlocks masked = maskTokens(ids, options);
      inputs.inputIds = masked.inputs;
      labels = masked.labels;
    } else {
      inputs.inputIds = ids;
    }
    hooks.beginBatch(inputs.inputIds, first);
    const at::Tensor logits = model.forward(inputs, &hooks);
    if (maskedLm) {
      if (settings.maskProb > 0) perplexity.addMaskedLm(logits, labels);
    } else {
      perplexity.addCausalLm(logits, ids);
    }
  }

  ModelAnalysis analysis;
  analysis.info = info;
  analysis.metricName = maskedLm ? "masked_lm_perplexity" : "causal_lm_perplexity";
  analysis.metricValue = perplexity.tokenWeighted();
  analysis.metricBatchMean = perplexity.batchMean();
  analysis.metricPredictions = perplexity.predictions();
  analysis.samples = samples;
  analysis.tokens = blockIds.numel();
  analysis.modules = hooks.takeModules();
  analysis.attention = hooks.takeAttention();
  for (ModuleAnalysis& module : analysis.modules) {
    const MaxAbsLocation where = module.stats.maxAbs();
    if (where.sample < 0 || where.token < 0 || where.sample >= samples) continue;
    // The token the model saw: for BERT the block after masking (recomputed: masks are deterministic).
    at::Tensor seen = blockIds.slice(0, where.sample, where.sample + 1);
    if (maskedLm && settings.maskProb > 0) {
      MaskingOptions options = masking;
      options.firstBlockIndex = where.sample;
      seen = maskTokens(seen, options).inputs;
    }
    module.maxAbsToken = tokenizer->displayToken(seen[0][where.token].item<int64_t>());
  }
  analysis.summary = protocolSummary(info.family, analysis.modules);
  analysis.allModules = allModulesSummary(analysis.modules);
  job.report(1.0, info.name + ": done");
  return analysis;
}

}  // namespace hopscope
