#include "hopscope/trainer.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "data_parallel.h"
#include "hopscope/adamw.h"
#include "hopscope/atomic_file.h"
#include "hopscope/error.h"
#include "hopscope/evaluation_task.h"
#include "hopscope/file_hash.h"
#include "hopscope/image_data.h"
#include "hopscope/loaded_model.h"
#include "hopscope/masked_lm.h"
#include "hopscope/model_builder.h"
#include "hopscope/model_family.h"
#include "hopscope/outlier_analysis.h"
#include "hopscope/safetensors.h"
#include "hopscope/text_corpus.h"
#include "hopscope/tokenizer_files.h"
#include "hopscope/tokenizer_training.h"
#include "hopscope/transformer_model.h"
#include "hopscope/version.h"
#include "training_images.h"

namespace hopscope {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// glibc serves a block above its mmap threshold (which it raises to at most 32 MiB) with a fresh
// mmap() and unmaps it on free, so every step page-faults its largest tensors in again: at the demo
// size the 64 MiB logits, their shifted copy, log-softmax and gradients (the loss and its backward
// took twice as long that way, bench/pytorch_train_step.py's eager PyTorch included). While a run
// trains, blocks up to 1 GiB come from the heap and freed memory stays there for the next step
// (fully for `hopscope-cli train`, which trains on the main thread's arena; a worker thread's
// arena, as in the GUI, still maps blocks too large for its 64 MiB heaps); afterwards the
// thresholds return to glibc's usual steady state (32 MiB mmap, 64 MiB trim) and the heap is
// trimmed. Memory only: no number changes.
class KeepFreedMemoryWhileTraining {
 public:
  KeepFreedMemoryWhileTraining() {
#if defined(__GLIBC__)
    const std::lock_guard<std::mutex> lock(mutex());
    if (active()++ == 0) {
      mallopt(M_MMAP_THRESHOLD, 1 << 30);
      mallopt(M_TRIM_THRESHOLD, 1 << 30);
    }
#endif
  }
  ~KeepFreedMemoryWhileTraining() {
#if defined(__GLIBC__)
    const std::lock_guard<std::mutex> lock(mutex());
    if (--active() == 0) {
      mallopt(M_MMAP_THRESHOLD, 32 << 20);
      mallopt(M_TRIM_THRESHOLD, 64 << 20);
      malloc_trim(0);
    }
#endif
  }
  KeepFreedMemoryWhileTraining(const KeepFreedMemoryWhileTraining&) = delete;
  KeepFreedMemoryWhileTraining& operator=(const KeepFreedMemoryWhileTraining&) = delete;

 private:
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  static int& active() {
    static int count = 0;
    return count;
  }
};

constexpr const char* kStateFile = "training_state.safetensors";
constexpr const char* kLogFile = "training_log.jsonl";
constexpr const char* kModelFile = "model.safetensors";

const ModelFamily& familyNamed(const std::string& name) {
  if (const ModelFamily* family = findFamily(name)) return *family;
  std::string supported;
  for (const ModelFamily* family : modelFamilies()) supported += (supported.empty() ? "" : ", ") + family->name;
  throw Error("--family '" + name + "' is not a model family (supported: " + supported + ")");
}

GateKind gateNamed(const std::string& name) {
  for (GateKind kind : {GateKind::None, GateKind::Linear, GateKind::Mlp})
    if (gateKindName(kind) == name) return kind;
  throw Error("gate '" + name + "' is not one of none, linear, mlp");
}

void checkSettings(const TrainingSettings& s, const ModelFamily& family) {
  const bool images = family.task == TaskKind::ImageClassification;
  auto atLeast = [](int64_t value, int64_t minimum, const char* option) {
    if (value < minimum) throw Error(std::string(option) + " must be at least " + std::to_string(minimum));
  };
  atLeast(s.layers, 1, "--layers");
  atLeast(s.hidden, 1, "--hidden");
  atLeast(s.heads, 1, "--heads");
  atLeast(s.ffn, 1, "--ffn");
  atLeast(s.seqLen, 2, "--seq-len");
  atLeast(s.batch, 1, "--batch");
  atLeast(s.accumulation, 1, "--accumulation");
  atLeast(s.steps, 1, "--steps");
  atLeast(s.warmup, 0, "--warmup");
  atLeast(s.evalEvery, 1, "--eval-every");
  atLeast(s.evalSamples, 1, "--eval-samples");
  if (s.hidden % s.heads != 0)
    throw Error("--hidden " + std::to_string(s.hidden) + " is not divisible by --heads " + std::to_string(s.heads));
  if (!(s.learningRate > 0)) throw Error("--lr must be positive");
  if (!(s.weightDecay >= 0)) throw Error("--weight-decay must not be negative");
  if (!(s.maskProb > 0 && s.maskProb <= 1)) throw Error("--mask-prob must be in (0, 1]");
  if (!(s.dropout >= 0 && s.dropout < 1)) throw Error("--dropout must be in [0, 1)");
  if (!(s.attentionDropout >= 0 && s.attentionDropout < 1)) throw Error("--attention-dropout must be in [0, 1)");
  if (s.data.empty()) throw Error("--data is required");
  if (s.evalData.empty()) throw Error("--eval-data is required");
  if (images) {
    atLeast(s.patchSize, 1, "--patch");
    if (!s.tokenizerDir.empty() || s.vocabSize > 0)
      throw Error("--tokenizer and --vocab-size are for text families; " + family.name + " reads images");
    return;
  }
  if (s.vocabSize < 0) throw Error("--vocab-size must be positive");
  if (s.tokenizerDir.empty() && s.vocabSize == 0) throw Error("--tokenizer DIR or --vocab-size N is required");
  if (!s.tokenizerDir.empty() && s.vocabSize > 0)
    throw Error("give either --tokenizer (use its files) or --vocab-size (train a tokenizer), not both");
}

TrainingSettings settingsFromJson(const json& j, const std::string& source) {
  try {
    TrainingSettings s;
    s.family = j.at("family").get<std::string>();
    s.normalizer = parseNormalizer(j.at("normalizer").get<std::string>());
    s.gate = gateNamed(j.at("gate").get<std::string>());
    s.layers = j.at("layers").get<int64_t>();
    s.hidden = j.at("hidden").get<int64_t>();
    s.heads = j.at("heads").get<int64_t>();
    s.ffn = j.at("ffn").get<int64_t>();
    s.seqLen = j.at("seq_len").get<int64_t>();
    s.patchSize = j.value("patch_size", s.patchSize);  // absent before image training
    s.classNames = j.value("class_names", std::vector<std::string>{});
    s.data = j.at("data").get<std::string>();
    s.evalData = j.at("eval_data").get<std::string>();
    s.tokenizerDir = j.at("tokenizer").get<std::string>();
    // null when the tokenizer was copied; absent in checkpoints from before tokenizer training.
    if (j.contains("vocab_size") && !j["vocab_size"].is_null()) s.vocabSize = j["vocab_size"].get<int64_t>();
    s.batch = j.at("batch").get<int64_t>();
    s.accumulation = j.at("accumulation").get<int64_t>();
    s.steps = j.at("steps").get<int64_t>();
    s.warmup = j.at("warmup").get<int64_t>();
    s.learningRate = j.at("lr").get<double>();
    s.weightDecay = j.at("weight_decay").get<double>();
    s.clipNorm = j.at("clip_norm").get<double>();
    s.maskProb = j.at("mask_prob").get<double>();
    // Absent in checkpoints from before the dropout option: they trained without dropout.
    s.dropout = j.value("dropout", 0.0);
    s.attentionDropout = j.value("attention_dropout", 0.0);
    s.seed = j.at("seed").get<uint64_t>();
    s.evalEvery = j.at("eval_every").get<int64_t>();
    s.evalSamples = j.at("eval_samples").get<int64_t>();
    s.float16 = j.at("dtype").get<std::string>() == "float16";
    return s;
  } catch (const json::exception& error) {
    throw Error(source + ": \"hopscope.training\" is incomplete or malformed: " + error.what());
  }
}

// The model's config for the settings: the family's defaults for everything not set here.
ModelConfig modelConfigFor(const TrainingSettings& s, const ModelFamily& family, int64_t vocabSize) {
  ModelConfig config = parseModelConfig({{"model_type", family.modelType}}, "training settings");
  config.vocabSize = vocabSize;
  config.hiddenSize = s.hidden;
  config.layers = s.layers;
  config.heads = s.heads;
  config.intermediateSize = s.ffn;
  config.maxPositions = s.seqLen;
  return config;
}

// An image family's config: the images' size and channels, one class per label.
ModelConfig imageModelConfigFor(const TrainingSettings& s, const ModelFamily& family, const TrainingImages& images) {
  if (images.size % s.patchSize != 0)
    throw Error("--patch " + std::to_string(s.patchSize) + " does not divide the image side (" +
                std::to_string(images.size) + " pixels)");
  if (!s.classNames.empty() && static_cast<int64_t>(s.classNames.size()) != images.classes)
    throw Error("--class-names names " + std::to_string(s.classNames.size()) + " classes but the labels hold " +
                std::to_string(images.classes));
  json id2label = json::object();
  for (int64_t c = 0; c < images.classes; ++c)
    id2label[std::to_string(c)] = s.classNames.empty() ? "LABEL_" + std::to_string(c) : s.classNames[static_cast<size_t>(c)];
  return parseModelConfig({{"model_type", family.modelType},
                           {"hidden_size", s.hidden},
                           {"num_hidden_layers", s.layers},
                           {"num_attention_heads", s.heads},
                           {"intermediate_size", s.ffn},
                           {"image_size", images.size},
                           {"patch_size", s.patchSize},
                           {"num_channels", images.channels},
                           {"num_labels", images.classes},
                           {"id2label", id2label}},
                          "training settings");
}

void copyTokenizerFiles(const std::string& from, const std::string& to) {
  for (const char* name : {"vocab.txt", "tokenizer_config.json", "vocab.json", "merges.txt"}) {
    const fs::path source = fs::path(from) / name;
    std::error_code ec;
    if (!fs::exists(source, ec)) continue;
    std::ifstream in(source, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    writeFileAtomically((fs::path(to) / name).string(), bytes.str());
  }
}

// The model's tensors as stored: float32 (or float16), tied duplicates left out, on the host.
TensorMap storedWeights(const TransformerModel& model, bool float16) {
  std::set<std::string> tiedCopies;
  for (const TiedTensor& tied : model.family().tiedTensors) {
    const at::Tensor* head = model.weights().find(tied.tensor);
    const at::Tensor* source = model.weights().find(tied.source);
    if (head && source && head->data_ptr() == source->data_ptr()) tiedCopies.insert(tied.tensor);
  }
  TensorMap stored;
  for (const auto& [name, tensor] : model.weights().items())
    if (!tiedCopies.count(name)) stored.insert(name, tensor.detach().to(at::kCPU).to(float16 ? at::kHalf : at::kFloat));
  return stored;
}

std::string logText(const std::vector<TrainingRecord>& records) {
  std::string text;
  for (const TrainingRecord& record : records) text += record.dump() + "\n";
  return text;
}

std::vector<TrainingRecord> readLog(const fs::path& path, int64_t upToStep) {
  std::vector<TrainingRecord> records;
  std::ifstream file(path);
  std::string line;
  while (std::getline(file, line)) {
    if (line.empty()) continue;
    try {
      TrainingRecord record = json::parse(line);
      if (record.at("step").get<int64_t>() <= upToStep) records.push_back(std::move(record));
    } catch (const json::exception& error) {
      throw Error(path.string() + ": not a training log line: " + error.what());
    }
  }
  return records;
}

// The evaluation part of a record: the analysis `analyze` runs, condensed per layer.
json evaluationJson(const ModelAnalysis& analysis) {
  json summary = json::object();
  for (const Figure& figure : analysis.summary) summary[figure.name] = figure.value;
  json layers = json::array();
  for (int64_t layer = 0; layer < analysis.info.layers; ++layer) {
    json entry = {{"layer", layer}};
    if (const ModuleAnalysis* block = analysis.module(SiteRole::BlockOutput, layer))
      entry.update({{"block_kurtosis", block->stats.meanKurtosis()}, {"block_inf_norm", block->stats.meanInfNorm()}});
    if (const ModuleAnalysis* ffn = analysis.module(SiteRole::FfnOutput, layer))
      entry.update({{"ffn_kurtosis", ffn->stats.meanKurtosis()}, {"ffn_inf_norm", ffn->stats.meanInfNorm()}});
    for (const AttentionAnalysis& attention : analysis.attention) {
      if (attention.layer != layer) continue;
      json noOp = json::array(), delimiter = json::array();
      for (int64_t h = 0; h < attention.heads.heads(); ++h) {
        noOp.push_back(attention.heads.head(h).noOpMass);
        delimiter.push_back(attention.heads.head(h).delimiterMass);
      }
      entry.update({{"no_op_mass", noOp}, {"delimiter_mass", delimiter}});
    }
    layers.push_back(entry);
  }
  json evaluation = {{"metric", analysis.metric.name}, {"summary", summary}, {"layers", layers}};
  if (analysis.metric.name == "top1_accuracy")
    evaluation.update({{"accuracy", analysis.metric.value}, {"loss", analysis.metric.crossEntropy}});
  else
    evaluation.update({{"perplexity", analysis.metric.value}, {"loss", std::log(analysis.metric.value)}});
  return evaluation;
}

// The deterministic data order: every epoch a fresh permutation of the blocks or images (seeded by
// the run's seed and the epoch), cut into micro-batches; a last partial batch of an epoch is skipped.
class DataOrder {
 public:
  DataOrder(TaskData data, int64_t batch, uint64_t seed) : data_(std::move(data)), batch_(batch), seed_(seed) {}

  // Rows [first, first + count) of micro-batch g (counted over the whole run).
  TaskData rows(int64_t g, int64_t first, int64_t count) {
    const int64_t perEpoch = data_.size() / batch_;
    const int64_t epoch = g / perEpoch, within = g % perEpoch;
    if (epoch != epoch_ || !order_.defined()) {
      at::Generator generator = at::detail::createCPUGenerator(splitmix64(seed_ ^ splitmix64(static_cast<uint64_t>(epoch))));
      order_ = at::randperm(data_.size(), generator, at::kLong);
      epoch_ = epoch;
    }
    const at::Tensor rows = order_.slice(0, within * batch_ + first, within * batch_ + first + count);
    if (!data_.labels.defined()) return TaskData(data_.inputs.index_select(0, rows));
    return TaskData(data_.inputs.index_select(0, rows), data_.labels.index_select(0, rows));
  }

 private:
  TaskData data_;
  int64_t batch_;
  uint64_t seed_;
  int64_t epoch_ = -1;
  at::Tensor order_;
};

// "step 120/2000, loss 5.312, 2310 tok/s, ETA 14:05" (ETA from the mean of the recent steps).
std::string progressText(int64_t step, int64_t steps, double loss, const std::vector<double>& seconds,
                         int64_t tokensPerStep) {
  const size_t recent = std::min<size_t>(seconds.size(), 20);
  double sum = 0;
  for (size_t i = seconds.size() - recent; i < seconds.size(); ++i) sum += seconds[i];
  const double perStep = recent ? sum / static_cast<double>(recent) : 0;
  const auto eta = static_cast<int64_t>(perStep * static_cast<double>(steps - step));
  char text[160];
  std::snprintf(text, sizeof text, "step %lld/%lld, loss %.4f, %.0f tok/s, ETA %lld:%02lld", static_cast<long long>(step),
                static_cast<long long>(steps), loss, perStep > 0 ? static_cast<double>(tokensPerStep) / perStep : 0.0,
                static_cast<long long>(eta / 60), static_cast<long long>(eta % 60));
  return text;
}

double medianOf(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

nlohmann::json trainingSettingsJson(const TrainingSettings& s) {
  return {{"family", s.family},         {"normalizer", s.normalizer.toString()},
          {"gate", gateKindName(s.gate)}, {"layers", s.layers},
          {"hidden", s.hidden},         {"heads", s.heads},
          {"ffn", s.ffn},               {"seq_len", s.seqLen},
          {"patch_size", s.patchSize},  {"class_names", s.classNames},
          {"data", s.data},             {"eval_data", s.evalData},
          {"tokenizer", s.tokenizerDir}, {"vocab_size", s.vocabSize > 0 ? json(s.vocabSize) : json()},
          {"batch", s.batch},
          {"accumulation", s.accumulation}, {"steps", s.steps},
          {"warmup", s.warmup},         {"lr", s.learningRate},
          {"weight_decay", s.weightDecay}, {"clip_norm", s.clipNorm},
          {"mask_prob", s.maskProb},    {"dropout", s.dropout},
          {"attention_dropout", s.attentionDropout}, {"seed", s.seed},
          {"eval_every", s.evalEvery},  {"eval_samples", s.evalSamples},
          {"dtype", s.float16 ? "float16" : "float32"}};
}

TrainingSettings readTrainingSettings(const std::string& folder) {
  const std::string path = (fs::path(folder) / "config.json").string();
  std::ifstream file(path);
  if (!file) throw Error(path + ": cannot open (is " + folder + " a training output folder?)");
  json config;
  try {
    config = json::parse(file);
  } catch (const json::parse_error& error) {
    throw Error(path + ": invalid JSON: " + error.what());
  }
  if (!config.contains("hopscope") || !config["hopscope"].contains("training"))
    throw Error(path + ": no \"hopscope.training\" settings: this checkpoint was not trained by hopscope");
  return settingsFromJson(config["hopscope"]["training"], path);
}

TrainingResult train(const TrainingSettings& requested, const std::string& out, bool resume, const JobControl& job,
                     const std::function<void(const TrainingRecord&)>& onRecord, DistributedGroup* group) {
  const fs::path folder(out);
  std::error_code ec;
  const TrainingSettings settings = resume ? readTrainingSettings(out) : requested;
  const ModelFamily& family = familyNamed(settings.family);
  checkSettings(settings, family);
  DistributedGroup oneProcess{DistributedOptions{}};
  DistributedGroup& ranks = group ? *group : oneProcess;
  const DataParallel parallel(ranks, settings.batch);
  const bool root = ranks.isRoot();
  const bool images = family.task == TaskKind::ImageClassification;
  job.report(0.0, "reading " + settings.data);
  TextCorpus corpus, evalCorpus;
  TrainingImages trainImages, evalImages;
  if (images) {
    trainImages = readTrainingImages(settings.data);
    evalImages = readTrainingImages(settings.evalData, settings.evalSamples);
    if (evalImages.size != trainImages.size || evalImages.channels != trainImages.channels)
      throw Error(settings.evalData + ": held-out images of " + std::to_string(evalImages.size) + " pixels x " +
                  std::to_string(evalImages.channels) + " channels, training images of " +
                  std::to_string(trainImages.size) + " x " + std::to_string(trainImages.channels));
  } else {
    corpus = readTextCorpus(settings.data);
    evalCorpus = readTextCorpus(settings.evalData);
  }
  const std::vector<std::string>& dataFiles = images ? trainImages.files : corpus.files;
  const std::vector<std::string>& evalFiles = images ? evalImages.files : evalCorpus.files;

  if (!resume && root) {
    if (fs::exists(folder / kModelFile, ec) || fs::exists(folder / kStateFile, ec))
      throw Error(out + ": already holds a checkpoint (use --resume to continue it, or another --out)");
    // Text: a trained tokenizer is written straight into the output folder; a given one is copied
    // there. Images: no tokenizer; the preprocessing is written beside the config instead.
    const bool trainsTokenizer = !images && settings.tokenizerDir.empty();
    ModelConfig config;
    if (images) {
      config = imageModelConfigFor(settings, family, trainImages);
    } else {
      if (trainsTokenizer) {
        job.report(0.0, "training the " + tokenizerKindName(family.tokenizer.kind) + " tokenizer");
        trainTokenizer(family.tokenizer.kind, corpus, settings.vocabSize, out, job.slice(0.0, 0.02));
      }
      const std::string tokenizerDir = trainsTokenizer ? out : settings.tokenizerDir;
      const LoadedTokenizer tokenizer = loadTokenizer(tokenizerDir, family.tokenizer, std::numeric_limits<int64_t>::max());
      if (!tokenizer.tokenizer)
        throw Error(tokenizerDir + ": no " + tokenizerKindName(family.tokenizer.kind) + " tokenizer files for the " +
                    family.name + " family");
      config = modelConfigFor(settings, family, tokenizer.tokenizer->vocabSize());
    }
    fs::create_directories(folder, ec);
    if (ec) throw Error(out + ": cannot create the folder: " + ec.message());
    const json provenance = {{"training", trainingSettingsJson(settings)},
                             {"gate", gateKindName(settings.gate)},
                             {"data_sha256", sha256OfFiles(dataFiles)},
                             {"eval_data_sha256", sha256OfFiles(evalFiles)},
                             {"version", hopscopeVersion()}};
    if (images)
      writeFileAtomically((folder / "preprocessor_config.json").string(),
                          trainingPreprocessorConfig(trainImages).dump(2) + "\n");
    else if (!trainsTokenizer)
      copyTokenizerFiles(settings.tokenizerDir, out);
    writeFileAtomically((folder / "config.json").string(),
                        checkpointConfigJson(config, settings.normalizer, provenance).dump(2) + "\n");
    writeSafetensors((folder / kModelFile).string(), initialWeights(config, settings.gate, settings.seed),
                     {{"step", "0"}});
  }
  ranks.arrive("the output folder " + out);  // rank 0 has created it (the others read it from here on)

  job.report(0.02, "opening " + out);
  const std::shared_ptr<LoadedModel> loaded = LoadedModel::open(out + "@" + settings.normalizer.toString());
  const TransformerModel& model = loaded->model();
  if (model.gate() != settings.gate)
    throw Error(out + ": the weights hold a " + gateKindName(model.gate()) + " gate but the settings say " +
                gateKindName(settings.gate));

  EvaluationSettings trainTask;
  trainTask.samples = 1;
  trainTask.seqLen = settings.seqLen;
  trainTask.batch = parallel.localBatch();
  trainTask.maskProb = settings.maskProb;
  trainTask.seed = settings.seed + 1;  // training masks differ from the evaluation's (seed 0)
  const EvaluationTask task(*loaded, trainTask);
  AnalysisSettings evaluation;
  evaluation.samples = settings.evalSamples;
  evaluation.seqLen = settings.seqLen;
  evaluation.batch = settings.batch;
  evaluation.maskProb = settings.maskProb;
  TaskData blocks, evalBlocks;
  int64_t tokensPerSample = settings.seqLen;
  if (images) {
    job.report(0.03, "preprocessing " + settings.data);
    const int64_t channels = model.config().channels;
    ImageSet set = makeImageSet(trainImages.images, trainImages.labels, loaded->preprocessing(), channels);
    blocks = TaskData(set.pixels, set.labels);
    set = makeImageSet(evalImages.images, evalImages.labels, loaded->preprocessing(), channels);
    evalBlocks = TaskData(set.pixels, set.labels);
    trainImages.images = {};  // the decoded bytes are no longer needed
    tokensPerSample = model.config().maxPositions;
  } else {
    job.report(0.03, "tokenizing " + settings.data);
    blocks = task.makeBlocks(corpus, 0);
    evalBlocks = EvaluationTask(*loaded, evaluation).makeBlocks(evalCorpus, settings.evalSamples);
  }
  if (blocks.size() < settings.batch)
    throw Error(settings.data + ": only " + std::to_string(blocks.size()) + (images ? " images" : " blocks of " +
                std::to_string(settings.seqLen) + " tokens") + ", fewer than one batch of " + std::to_string(settings.batch));

  // Parameters: each tensor once (tied heads share their table); no decay on 1-D tensors (biases,
  // LayerNorm gains and biases), as the reference training scripts do.
  std::vector<AdamW::Parameter> parameters;
  std::set<const void*> seen;
  for (const auto& [name, tensor] : model.weights().items()) {
    if (!seen.insert(tensor.data_ptr()).second) continue;
    tensor.requires_grad_(true);
    parameters.push_back({name, tensor, tensor.dim() >= 2});
  }
  AdamWSettings adamSettings;
  adamSettings.weightDecay = settings.weightDecay;
  AdamW optimizer(parameters, adamSettings);

  TrainingResult result;
  int64_t step = 0;
  // The record's loss is the mean over the steps since the previous record; a checkpoint between
  // records keeps the partial sum (exactly, as text of the double's bits) so a resumed run reports
  // the same numbers.
  double lossSum = 0;
  int64_t lossSteps = 0;
  if (resume) {
    const auto stepOf = [&](const SafetensorsContents& contents, const char* file) -> int64_t {
      const auto found = contents.metadata.find("step");
      if (found == contents.metadata.end()) throw Error(out + "/" + file + ": no step in its metadata");
      return std::stoll(found->second);
    };
    const int64_t modelStep = stepOf(readSafetensors((folder / kModelFile).string()), kModelFile);
    if (fs::exists(folder / kStateFile, ec)) {
      const SafetensorsContents state = readSafetensors((folder / kStateFile).string());
      step = stepOf(state, kStateFile);
      if (modelStep != step)
        throw Error(out + ": model.safetensors and training_state.safetensors are from different steps "
                    "(the run stopped while writing its checkpoint); start the run again");
      optimizer.loadState(state.tensors, step);
      result.records = readLog(folder / kLogFile, step);
      if (state.metadata.count("loss_sum")) {
        lossSum = std::stod(state.metadata.at("loss_sum"));
        lossSteps = std::stoll(state.metadata.at("loss_steps"));
      }
    } else if (modelStep != 0) {
      throw Error(out + ": " + kStateFile + " is missing, so the run cannot continue from step " +
                  std::to_string(modelStep));
    }  // else: stopped before its first checkpoint; it starts again from the initial weights
  }
  result.resumedFrom = step;
  parallel.checkSameWeights(parameters, step);

  // Writes the checkpoint of `step` completed steps: weights, optimizer state and log, each atomically.
  // Every rank takes part (the weights are compared); rank 0 writes.
  auto checkpoint = [&](bool final) {
    const std::string weightsHash = parallel.checkSameWeights(parameters, step);
    if (!root) return;
    const std::map<std::string, std::string> metadata = {{"step", std::to_string(step)}};
    char sum[64];
    std::snprintf(sum, sizeof sum, "%a", lossSum);  // hexadecimal: round-trips exactly
    std::map<std::string, std::string> state = metadata;
    state["loss_sum"] = sum;
    state["loss_steps"] = std::to_string(lossSteps);
    state["weights_sha256"] = weightsHash;
    writeSafetensors((folder / kStateFile).string(), optimizer.state(), state);
    writeSafetensors((folder / kModelFile).string(), storedWeights(model, final && settings.float16), metadata);
    writeFileAtomically((folder / kLogFile).string(), logText(result.records));
  };

  const KeepFreedMemoryWhileTraining keepFreedMemory;
  DataOrder order(blocks, settings.batch, settings.seed);
  std::vector<double> stepSeconds;
  int64_t tokensSinceRecord = 0;
  auto recordStart = std::chrono::steady_clock::now();
  // Rank 0 keeps the dropout draws of a one-process run; the other ranks draw their own.
  const uint64_t rankSalt = static_cast<uint64_t>(ranks.rank()) * 0x9E3779B97F4A7C15ULL;
  while (step < settings.steps) {
    const auto started = std::chrono::steady_clock::now();
    // This rank's slice of every micro-batch of the step: global block indices, so the masks are
    // a one-process run's.
    std::vector<TaskBatch> batches;
    std::vector<int64_t> terms;
    for (int64_t micro = 0; micro < settings.accumulation; ++micro) {
      const int64_t g = step * settings.accumulation + micro;
      batches.push_back(task.batch(order.rows(g, parallel.firstRow(), parallel.localBatch()), 0,
                                   g * settings.batch + parallel.firstRow()));
      terms.push_back(task.lossTerms(batches.back()));
    }
    const DataParallel::StepPlan plan = parallel.agree(step, job.cancelled && job.cancelled(), terms);
    if (plan.stop) {
      checkpoint(false);
      result.cancelled = true;
      break;
    }
    const double learningRate = linearWarmupDecay(settings.learningRate, step, settings.warmup, settings.steps);
    double stepLoss = 0;
    for (int64_t micro = 0; micro < settings.accumulation; ++micro) {
      const int64_t g = step * settings.accumulation + micro;
      TaskBatch& batch = batches[static_cast<size_t>(micro)];
      // Each micro-batch's dropout draws from its own generator, so a resumed run draws the same.
      const Dropout dropout(settings.dropout, settings.attentionDropout,
                            at::detail::createCPUGenerator(
                                splitmix64(settings.seed ^ splitmix64(~static_cast<uint64_t>(g)) ^ rankSalt)));
      if (settings.dropout > 0 || settings.attentionDropout > 0) batch.inputs.dropout = &dropout;
      // The mean over this rank's terms, weighted by its share of the whole micro-batch's (1 in
      // one process), so the summed gradients are the whole micro-batch's mean's.
      const int64_t whole = plan.terms[static_cast<size_t>(micro)];
      const double share = whole > 0 ? static_cast<double>(terms[static_cast<size_t>(micro)]) / static_cast<double>(whole) : 0.0;
      const at::Tensor loss =
          task.loss(model.forward(batch.inputs), batch) * share / static_cast<double>(settings.accumulation);
      loss.backward();
      stepLoss += loss.item<double>();
      tokensSinceRecord += settings.batch * tokensPerSample;
    }
    stepLoss = parallel.sumGradients(parameters, stepLoss, step);
    const double gradNorm = clipGradientNorm(parameters, settings.clipNorm);
    optimizer.step(learningRate);
    optimizer.zeroGrad();
    ++step;
    stepSeconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    if (!std::isfinite(stepLoss))
      throw Error("training diverged at step " + std::to_string(step) + ": the loss is " + std::to_string(stepLoss) +
                  " (lower --lr, or raise --warmup)");
    lossSum += stepLoss;
    ++lossSteps;
    job.report(static_cast<double>(step) / static_cast<double>(settings.steps),
               progressText(step, settings.steps, stepLoss, stepSeconds, settings.batch * settings.accumulation * tokensPerSample));

    if (step % settings.evalEvery == 0 || step == settings.steps) {
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - recordStart).count();
      const std::optional<ModelAnalysis> analysis = analyzeBlocksSharded(*loaded, evalBlocks, evaluation, ranks, {});
      if (analysis) {  // rank 0
        TrainingRecord record = {{"step", step},
                                 {"loss", lossSum / static_cast<double>(lossSteps)},
                                 {"learning_rate", learningRate},
                                 {"grad_norm", gradNorm},
                                 {"tokens_per_second", static_cast<double>(tokensSinceRecord) / std::max(seconds, 1e-9)},
                                 {"ranks", ranks.worldSize()},
                                 {"eval", evaluationJson(*analysis)}};
        result.records.push_back(record);
        if (onRecord) onRecord(record);
      }
      checkpoint(step == settings.steps);
      lossSum = 0;
      lossSteps = 0;
      tokensSinceRecord = 0;
      recordStart = std::chrono::steady_clock::now();
    }
  }
  for (const AdamW::Parameter& parameter : parameters) parameter.value.requires_grad_(false);
  result.steps = step;
  result.secondsPerStep = medianOf(stepSeconds);
  return result;
}

}  // namespace hopscope
