#pragma once
// Pre-training a model of any family, normalizer and gate from scratch on a text corpus (or, for an
// image family, on labelled idx images such as Fashion-MNIST), through the family's evaluation task
// (the same masking and loss as the evaluation). AdamW with decoupled
// weight decay (none on biases and LayerNorm parameters), linear warmup then linear decay, gradient
// clipping and accumulation, dropout (hopscope/dropout.h), a deterministic data order. Every `evalEvery` steps the held-out
// blocks are analysed by the same analysis `analyze` runs (loss, perplexity, the outlier protocol,
// per-layer figures, per-head no-op mass) and a checkpoint is written; a run resumed from it follows
// the uninterrupted run's trajectory exactly.
//
// The output folder is a Hugging Face-layout checkpoint every MODEL argument accepts: config.json
// (with a "hopscope" key recording the normalizer, every training setting, the data's SHA-256 and
// the hopscope version), model.safetensors and the tokenizer files (copied, or trained on the data);
// (image families: preprocessor_config.json with the training images' mean and deviation instead)
// plus training_state.safetensors (optimizer moments, step) and training_log.jsonl (one JSON object
// per evaluation).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "hopscope/attention_gate.h"
#include "hopscope/job_control.h"
#include "hopscope/normalizer_spec.h"

namespace hopscope {

class DistributedGroup;

struct TrainingSettings {
  std::string family;  // registry name (model_family.h)
  NormalizerSpec normalizer;
  GateKind gate = GateKind::None;
  int64_t layers = 4, hidden = 128, heads = 4, ffn = 512;
  int64_t seqLen = 128;  // tokens per block; also the position table size (text families)
  int64_t patchSize = 7;  // image families: patch side in pixels (it must divide the image side)
  std::vector<std::string> classNames;  // image families: one per class (id2label), optional
  std::string data;          // training text (file or folder of .txt), or an idx image file whose
                             // labels-idx1 file is beside it (image families, e.g. Fashion-MNIST)
  std::string evalData;      // held-out text or idx image file
  std::string tokenizerDir;  // folder holding the family's tokenizer files (copied into the output)
  int64_t vocabSize = 0;     // > 0 instead of tokenizerDir: train the family's tokenizer with this many
                             // tokens on `data` into the output folder (tokenizer_training.h)
  int64_t batch = 16;        // blocks per micro-batch (over every rank: each of N ranks takes batch/N)
  int64_t accumulation = 1;  // micro-batches per optimizer step
  int64_t steps = 1000;      // optimizer steps
  int64_t warmup = 100;
  double learningRate = 5e-4;
  double weightDecay = 0.01;
  double clipNorm = 1.0;  // <= 0: no clipping
  double maskProb = 0.15;
  double dropout = 0;           // hidden dropout (embeddings, sublayer outputs); 0 = off
  double attentionDropout = 0;  // dropout on the attention probabilities
  uint64_t seed = 0;
  int64_t evalEvery = 100;   // steps between evaluations and checkpoints
  int64_t evalSamples = 32;  // held-out blocks per evaluation
  bool float16 = false;      // store the final model.safetensors in float16 (training stays float32)
};

nlohmann::json trainingSettingsJson(const TrainingSettings& settings);

// One line of training_log.jsonl: {"step", "loss", "learning_rate", "grad_norm", "tokens_per_second",
// "eval": {...}} with the evaluation's metric, protocol summary, per-layer block-output kurtosis and
// inf-norm and per-head no-op mass.
using TrainingRecord = nlohmann::json;

struct TrainingResult {
  int64_t steps = 0;           // optimizer steps done in total
  int64_t resumedFrom = 0;     // the step the run started at
  bool cancelled = false;      // stopped by the job; the checkpoint of `steps` is on disk
  double secondsPerStep = 0;   // median over this run's steps
  std::vector<TrainingRecord> records;  // every record of the log, resumed ones included
};

// Trains into folder `out`. resume: continue the run in `out` (its settings are used; `settings` is
// ignored); else `out` must not hold a checkpoint yet, and the tokenizer is copied from
// settings.tokenizerDir or, given settings.vocabSize instead, trained on settings.data. onRecord sees
// each new record. A cancelled job writes a checkpoint at the last completed step and returns with
// `cancelled` set. Error on bad settings, unreadable data, a mismatching tokenizer, or an
// inconsistent checkpoint to resume.
//
// group: data-parallel over its ranks (data_parallel.h): every rank calls train with the same
// settings and folder (on a file system every rank reads), each takes its slice of every
// micro-batch, the gradients are summed over the ranks, the evaluations are sharded; rank 0 alone
// writes the folder and calls onRecord (the others return no records). A cancel on any rank stops
// every rank at the same step. The weights are compared across ranks (SHA-256) at the start and
// at every checkpoint. Null or a world of 1: one process.
TrainingResult train(const TrainingSettings& settings, const std::string& out, bool resume,
                     const JobControl& job = {}, const std::function<void(const TrainingRecord&)>& onRecord = {},
                     DistributedGroup* group = nullptr);

// Reads the settings a checkpoint folder was trained with.
TrainingSettings readTrainingSettings(const std::string& folder);

}  // namespace hopscope
