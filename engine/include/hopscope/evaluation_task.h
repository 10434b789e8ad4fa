#pragma once
// The one task loop every evaluation and the trainer share: inputs built and validated once (token
// blocks now), then per batch the family's task (masked LM: deterministic masking; causal LM: next
// token) owns the inputs the model sees, the metric and the training loss. Analysis, quantized
// evaluation, calibration and training all go through it, so they see the same blocks and masks
// and the same limits, from the CLI and from the GUI.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "hopscope/evaluation_settings.h"
#include "hopscope/job_control.h"
#include "hopscope/masked_lm.h"
#include "hopscope/model_info.h"
#include "hopscope/model_family.h"
#include "hopscope/perplexity.h"
#include "hopscope/transformer_model.h"

namespace hopscope {

class LoadedModel;
struct TextCorpus;

// What a task runs on: token blocks int64 [N, L] (text families), or pixel values float
// [N, C, H, W] with labels int64 [N] (-1: unlabelled) for image classification. A tensor converts
// to token blocks, so text callers pass their blocks as before.
struct TaskData {
  at::Tensor inputs;  // token blocks or pixel values
  at::Tensor labels;  // image classification: one class per image
  TaskData() = default;
  TaskData(at::Tensor blocks) : inputs(std::move(blocks)) {}  // NOLINT: implicit on purpose
  TaskData(at::Tensor pixels, at::Tensor imageLabels) : inputs(std::move(pixels)), labels(std::move(imageLabels)) {}
  int64_t size() const { return inputs.defined() && inputs.dim() > 0 ? inputs.size(0) : 0; }
};

// One batch: what the model sees (on its device) and what its outputs are scored against.
struct TaskBatch {
  int64_t firstBlock = 0;  // global index of the batch's first block (or image)
  at::Tensor ids;          // int64 [B, L]: the blocks as read (CPU); images: undefined
  ModelInputs inputs;      // masked LM: the masked ids; causal LM: the ids; images: the pixel values
  at::Tensor labels;       // masked LM: int64 [B, L] target id or -100; causal LM: undefined;
                           // images: int64 [B] class or -1
};

// Sequence length used when none is given: 128 tokens, or the model's position table if shorter.
int64_t defaultSequenceLength(const ModelInfo& info);

class EvaluationTask {
 public:
  // Error naming the setting when it does not fit the model: samples and batch at least 1, a
  // sequence of 2 tokens up to the model's position table, a mask probability in [0, 1], and a
  // tokenizer for text (image classification: samples and batch only).
  EvaluationTask(const LoadedModel& model, const EvaluationSettings& settings);

  const LoadedModel& model() const { return model_; }
  const EvaluationSettings& settings() const { return settings_; }
  TaskKind kind() const { return kind_; }
  std::string metricName() const;  // "masked_lm_perplexity" | "causal_lm_perplexity" | "top1_accuracy"
  bool scored() const;             // false for a masked LM with mask probability 0
  bool images() const { return kind_ == TaskKind::ImageClassification; }
  const std::vector<int64_t>& delimiterIds() const { return delimiterIds_; }

  // `count` blocks of settings().seqLen tokens from the corpus (0: every block it holds); the job
  // can cancel the encoding.
  at::Tensor makeBlocks(const TextCorpus& corpus, int64_t count, const JobControl& job = {}) const;
  // Error unless blocks are int64 [N >= 1, L] with L within the model's position table (images:
  // float [N >= 1, C, H, W] with N labels).
  void checkBlocks(const TaskData& blocks) const;

  // The batch of settings().batch blocks starting at row `first`; blockOffset is added to the
  // global block index, so calibration blocks can be masked differently from evaluation blocks.
  TaskBatch batch(const TaskData& blocks, int64_t first, int64_t blockOffset = 0) const;
  // Every batch of `blocks` in order, with progress ("<stage> 9/64") and cancel between batches.
  void forEachBatch(const TaskData& blocks, int64_t blockOffset, const JobControl& job, const std::string& stage,
                    const std::function<void(const TaskBatch&)>& body) const;
  // Every batch of blocks [begin, end) of `blocks` under its global block index, so the masks are
  // those of a run over all of `blocks` (a shard of a sharded run). Error unless begin is a multiple
  // of the batch (whole batches) and the range lies within `blocks`; nothing when begin == end.
  void forEachBatchInRange(const TaskData& blocks, int64_t begin, int64_t end, const JobControl& job,
                           const std::string& stage, const std::function<void(const TaskBatch&)>& body) const;
  // The token ids the attention-head statistics see for a batch: the input ids, or for images
  // zeros [B, tokens] (no token is a delimiter; the class token is the first).
  at::Tensor headIds(const TaskBatch& batch) const;
  // A readable label of token `token` of sample `sample`: the token text, or "[CLS]" / "patch r,c".
  std::string tokenLabel(const TaskData& blocks, int64_t sample, int64_t token) const;

  // Adds a batch's predictions to the metric; nothing when !scored().
  void score(PerplexityAccumulator& metric, const at::Tensor& logits, const TaskBatch& batch) const;
  MetricValue metric(const PerplexityAccumulator& metric) const;
  // Mean cross-entropy over the batch's predictions: the training loss (differentiable); 0 when a
  // masked-LM batch has no masked position.
  at::Tensor loss(const at::Tensor& logits, const TaskBatch& batch) const;
  // How many predictions loss() averages over: masked positions, next-token positions, labelled
  // images. Data-parallel training weighs each rank's mean by its share of the whole batch's terms.
  int64_t lossTerms(const TaskBatch& batch) const;
  // The ids the model saw in block `block` of `blocks` (after masking), CPU int64 [L].
  at::Tensor seenIds(const at::Tensor& blocks, int64_t block, int64_t blockOffset = 0) const;

 private:
  const LoadedModel& model_;
  EvaluationSettings settings_;
  TaskKind kind_;
  MaskingOptions masking_;
  std::vector<int64_t> delimiterIds_;
};

}  // namespace hopscope
