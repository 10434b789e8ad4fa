#include "hopscope/evaluation_task.h"

#include <ATen/ATen.h>

#include <algorithm>

#include "hopscope/error.h"
#include "hopscope/loaded_model.h"
#include "hopscope/text_corpus.h"
#include "hopscope/token_blocks.h"
#include "hopscope/tokenizer.h"

namespace hopscope {

int64_t defaultSequenceLength(const ModelInfo& info) { return std::min<int64_t>(128, info.maxPositions); }

EvaluationTask::EvaluationTask(const LoadedModel& model, const EvaluationSettings& settings)
    : model_(model), settings_(settings), kind_(model.model().family().task) {
  const ModelInfo& info = model.info();
  if (settings.samples < 1) throw Error("--samples must be at least 1");
  if (settings.batch < 1) throw Error("--batch must be at least 1");
  if (kind_ == TaskKind::ImageClassification) return;  // no tokens: nothing else to check
  const Tokenizer* tokenizer = model.tokenizer();
  if (!tokenizer) throw Error(info.path + ": no tokenizer files, so text data cannot be used");
  if (settings.seqLen < 2) throw Error("--seq-len must be at least 2");
  if (settings.seqLen > info.maxPositions)
    throw Error("--seq-len " + std::to_string(settings.seqLen) + " exceeds " + info.name +
                "'s position table of " + std::to_string(info.maxPositions));
  if (!(settings.maskProb >= 0 && settings.maskProb <= 1)) throw Error("--mask-prob must be in [0, 1]");
  const ModelFamily& family = model.model().family();
  if (kind_ == TaskKind::MaskedLanguageModel)
    masking_ = maskingOptions(*tokenizer, family.maskToken, family.unmaskableTokens, settings.maskProb, settings.seed);
  for (const std::string& name : family.delimiterTokens)
    if (tokenizer->tokenId(name) >= 0) delimiterIds_.push_back(tokenizer->tokenId(name));
}

std::string EvaluationTask::metricName() const {
  switch (kind_) {
    case TaskKind::MaskedLanguageModel: return "masked_lm_perplexity";
    case TaskKind::CausalLanguageModel: return "causal_lm_perplexity";
    case TaskKind::ImageClassification: return "top1_accuracy";
  }
  return "";
}

bool EvaluationTask::scored() const { return kind_ != TaskKind::MaskedLanguageModel || settings_.maskProb > 0; }

at::Tensor EvaluationTask::makeBlocks(const TextCorpus& corpus, int64_t count, const JobControl& job) const {
  if (images()) throw Error(model_.info().name + " is an image model: give it images, not text");
  return makeTokenBlocks(corpus, *model_.tokenizer(), settings_.seqLen, count, job).ids;
}

void EvaluationTask::checkBlocks(const TaskData& data) const {
  const at::Tensor& blocks = data.inputs;
  if (images()) {
    const ModelConfig& config = model_.model().config();
    if (!blocks.defined() || blocks.dim() != 4 || blocks.size(0) < 1 || blocks.scalar_type() != at::kFloat)
      throw Error("images must be a non-empty float [N, C, H, W] tensor");
    if (blocks.size(1) != config.channels || blocks.size(2) != config.imageSize || blocks.size(3) != config.imageSize)
      throw Error("images of " + std::to_string(blocks.size(1)) + " x " + std::to_string(blocks.size(2)) + " x " +
                  std::to_string(blocks.size(3)) + " do not fit " + model_.info().name + " (" +
                  std::to_string(config.channels) + " x " + std::to_string(config.imageSize) + " x " +
                  std::to_string(config.imageSize) + "; check its preprocessing)");
    if (!data.labels.defined() || data.labels.dim() != 1 || data.labels.size(0) != blocks.size(0) ||
        data.labels.scalar_type() != at::kLong)
      throw Error("images need one int64 label each (-1 for none)");
    return;
  }
  if (!blocks.defined() || blocks.dim() != 2 || blocks.size(0) < 1 || blocks.scalar_type() != at::kLong)
    throw Error("token blocks must be a non-empty int64 [N, L] tensor");
  if (blocks.size(1) > model_.info().maxPositions)
    throw Error("blocks of " + std::to_string(blocks.size(1)) + " tokens exceed " + model_.info().name +
                "'s position table of " + std::to_string(model_.info().maxPositions));
}

TaskBatch EvaluationTask::batch(const TaskData& data, int64_t first, int64_t blockOffset) const {
  const at::Tensor& blocks = data.inputs;
  TaskBatch batch;
  batch.firstBlock = blockOffset + first;
  const int64_t end = std::min(first + settings_.batch, blocks.size(0));
  const c10::Device device = model_.model().device();
  if (images()) {
    batch.inputs.pixelValues = blocks.slice(0, first, end).to(device);
    batch.labels = data.labels.slice(0, first, end).to(device);
    return batch;
  }
  batch.ids = blocks.slice(0, first, end);
  if (kind_ == TaskKind::MaskedLanguageModel) {
    MaskingOptions options = masking_;
    options.firstBlockIndex = batch.firstBlock;
    MaskedBlocks masked = maskTokens(batch.ids, options);
    batch.inputs.inputIds = masked.inputs.to(device);
    batch.labels = masked.labels.to(device);
  } else {
    batch.inputs.inputIds = batch.ids.to(device);
  }
  return batch;
}

void EvaluationTask::forEachBatch(const TaskData& blocks, int64_t blockOffset, const JobControl& job,
                                  const std::string& stage, const std::function<void(const TaskBatch&)>& body) const {
  checkBlocks(blocks);
  const int64_t count = blocks.size();
  for (int64_t first = 0; first < count; first += settings_.batch) {
    job.checkCancelled();
    job.report(static_cast<double>(first) / static_cast<double>(count),
               stage + " " + std::to_string(first + 1) + "/" + std::to_string(count));
    body(batch(blocks, first, blockOffset));
  }
}

void EvaluationTask::forEachBatchInRange(const TaskData& data, int64_t begin, int64_t end, const JobControl& job,
                                         const std::string& stage,
                                         const std::function<void(const TaskBatch&)>& body) const {
  checkBlocks(data);
  if (begin < 0 || end < begin || end > data.size() || begin % settings_.batch != 0)
    throw Error("blocks " + std::to_string(begin) + ".." + std::to_string(end) + " are not a range of whole batches of " +
                std::to_string(data.size()) + " blocks");
  if (begin == end) return;
  TaskData range;
  range.inputs = data.inputs.slice(0, begin, end);
  if (data.labels.defined()) range.labels = data.labels.slice(0, begin, end);
  forEachBatch(range, begin, job, stage, body);
}

void EvaluationTask::score(PerplexityAccumulator& metric, const at::Tensor& logits, const TaskBatch& batch) const {
  if (images()) {
    metric.addClassification(logits, batch.labels);
  } else if (kind_ == TaskKind::MaskedLanguageModel) {
    if (settings_.maskProb > 0) metric.addMaskedLm(logits, batch.labels);
  } else {
    metric.addCausalLm(logits, batch.inputs.inputIds);
  }
}

MetricValue EvaluationTask::metric(const PerplexityAccumulator& accumulator) const {
  MetricValue metric;
  metric.name = metricName();
  if (images()) {
    const int64_t seen = accumulator.predictions();
    metric.predictions = seen;
    if (seen > 0) {
      metric.value = static_cast<double>(accumulator.correct()) / static_cast<double>(seen);
      metric.crossEntropy = accumulator.nllSum() / static_cast<double>(seen);
    }
    metric.batchMean = accumulator.batchMeanAccuracy();
    if (settings_.perClass) {
      const std::vector<std::string>& names = model_.model().config().classLabels;
      const auto& counts = accumulator.perClass();
      for (size_t label = 0; label < counts.size(); ++label)
        if (counts[label].first > 0)
          metric.perClass.push_back({static_cast<int64_t>(label), label < names.size() ? names[label] : "",
                                     counts[label].first, counts[label].second});
    }
    return metric;
  }
  metric.value = accumulator.tokenWeighted();
  metric.batchMean = accumulator.batchMean();
  metric.predictions = accumulator.predictions();
  return metric;
}

at::Tensor EvaluationTask::loss(const at::Tensor& logits, const TaskBatch& batch) const {
  const int64_t vocab = logits.size(-1);
  if (images()) {  // cross-entropy over the labelled images
    if (!batch.labels.ge(0).any().item<bool>()) return logits.sum() * 0.0;
    return at::cross_entropy_loss(logits, batch.labels, {}, at::Reduction::Mean, -1);
  }
  if (kind_ == TaskKind::MaskedLanguageModel) {
    const at::Tensor labels = batch.labels.reshape({-1});
    // A batch with no masked position (possible with few, short blocks) has no loss; the mean over
    // nothing would be NaN. Zero keeps the graph and gives zero gradients.
    if (!labels.ne(kIgnoredLabel).any().item<bool>()) return logits.sum() * 0.0;
    return at::cross_entropy_loss(logits.reshape({-1, vocab}), labels, {}, at::Reduction::Mean, kIgnoredLabel);
  }
  const int64_t tokens = logits.size(1);
  return at::cross_entropy_loss(logits.narrow(1, 0, tokens - 1).reshape({-1, vocab}),
                                batch.inputs.inputIds.narrow(1, 1, tokens - 1).reshape({-1}));
}

int64_t EvaluationTask::lossTerms(const TaskBatch& batch) const {
  if (images()) return batch.labels.ge(0).sum().item<int64_t>();
  if (kind_ == TaskKind::MaskedLanguageModel) return batch.labels.ne(kIgnoredLabel).sum().item<int64_t>();
  const at::Tensor& ids = batch.inputs.inputIds;
  return ids.size(0) * (ids.size(1) - 1);
}

at::Tensor EvaluationTask::seenIds(const at::Tensor& blocks, int64_t block, int64_t blockOffset) const {
  const at::Tensor row = blocks.slice(0, block, block + 1);
  if (kind_ != TaskKind::MaskedLanguageModel || settings_.maskProb <= 0) return row[0];
  MaskingOptions options = masking_;
  options.firstBlockIndex = blockOffset + block;
  return maskTokens(row, options).inputs[0];
}

at::Tensor EvaluationTask::headIds(const TaskBatch& batch) const {
  if (!images()) return batch.inputs.inputIds;
  const at::Tensor& pixels = batch.inputs.pixelValues;
  return at::zeros({pixels.size(0), model_.model().config().maxPositions},
                   at::TensorOptions().dtype(at::kLong).device(pixels.device()));
}

std::string EvaluationTask::tokenLabel(const TaskData& blocks, int64_t sample, int64_t token) const {
  if (images()) {
    if (token == 0) return "[CLS]";
    const ModelConfig& config = model_.model().config();
    const int64_t grid = config.imageSize / config.patchSize;
    return "patch " + std::to_string((token - 1) / grid) + "," + std::to_string((token - 1) % grid);
  }
  return model_.tokenizer()->displayToken(seenIds(blocks.inputs, sample)[token].item<int64_t>());
}

}  // namespace hopscope
