#include "hopscope/loaded_model.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "hopscope/checkpoint.h"
#include "hopscope/error.h"
#include "hopscope/image_data.h"
#include "hopscope/json_limits.h"
#include "hopscope/model_builder.h"
#include "hopscope/tap_recorder.h"
#include "hopscope/text_run_override.h"
#include "hopscope/tokenizer_files.h"

namespace hopscope {
namespace fs = std::filesystem;

namespace {

// The first sample's attention probabilities of every layer, as the recorder holds them.
std::vector<AttentionProbabilities> recordedAttention(const TapRecorder& recorder, const std::vector<std::string>& modules) {
  std::vector<AttentionProbabilities> attention;
  for (size_t layer = 0; layer < modules.size(); ++layer) {
    const at::Tensor probs = recorder.recorded().at(modules[layer] + ".probs")[0].to(at::kCPU).contiguous();
    AttentionProbabilities maps;
    maps.module = modules[layer];
    maps.layer = static_cast<int64_t>(layer);
    maps.heads = probs.size(0);
    maps.queries = probs.size(1);
    maps.keys = probs.size(2);
    maps.probs.assign(probs.data_ptr<float>(), probs.data_ptr<float>() + probs.numel());
    attention.push_back(std::move(maps));
  }
  return attention;
}

// The pixel values as an 8-bit image again (normalization and rescaling undone, rounded): what the
// model saw after resizing and cropping, for the front ends to draw. pixels: float [C, H, W].
DecodedImage modelInputImage(const at::Tensor& pixels, const ImagePreprocessing& p, const DecodedImage& original) {
  at::Tensor x = pixels.to(at::kCPU).to(at::kDouble);
  const int64_t channels = x.size(0);
  if (p.normalize) {
    auto perChannel = [&](const std::vector<double>& values) {
      if (values.size() == 1) return at::full({1, 1, 1}, values[0], at::kDouble);
      return at::tensor(std::vector<double>(values.begin(), values.begin() + channels), at::kDouble).view({channels, 1, 1});
    };
    x = x * perChannel(p.std) + perChannel(p.mean);
  }
  if (p.rescale && p.rescaleFactor != 0) x = x / p.rescaleFactor;
  // A grey image fed to every channel of an RGB model is shown grey.
  if (original.channels == 1 && channels == 3) x = x.narrow(0, 0, 1);
  const at::Tensor bytes = x.round().clamp(0, 255).to(at::kByte).permute({1, 2, 0}).contiguous();
  DecodedImage image;
  image.channels = bytes.size(2);
  image.height = bytes.size(0);
  image.width = bytes.size(1);
  image.source = original.source;
  image.pixels.assign(bytes.data_ptr<uint8_t>(), bytes.data_ptr<uint8_t>() + bytes.numel());
  return image;
}

}  // namespace

struct LoadedModel::Impl {
  ModelInfo info;
  ImagePreprocessing preprocessing;
  std::unique_ptr<TransformerModel> model;
  std::unique_ptr<Tokenizer> tokenizer;
};

LoadedModel::LoadedModel(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
LoadedModel::~LoadedModel() = default;

std::shared_ptr<LoadedModel> LoadedModel::open(const std::string& argument, const JobControl& job,
                                               const std::string& deviceName) {
  const ModelArgument parsed = parseModelArgument(argument);
  const c10::Device device = parseDevice(deviceName);
  job.report(0.0, "opening " + parsed.path);
  Checkpoint checkpoint = readCheckpoint(parsed.path, job);
  const ModelConfig config = parseModelConfig(checkpoint.config, checkpoint.files.configPath);
  const NormalizerSpec normalizer =
      parsed.normalizer ? *parsed.normalizer : config.storedNormalizer.value_or(NormalizerSpec{});
  job.report(0.6, "checking tensors");
  BuiltModel built = buildModel(checkpoint, config, normalizer, device);
  job.checkCancelled();
  job.report(0.9, "loading tokenizer");
  const ModelFamily& family = *config.family;
  LoadedTokenizer tokenizer = loadTokenizer(checkpoint.files.directory, family.tokenizer, config.vocabSize);

  auto impl = std::make_unique<Impl>();
  ModelInfo& info = impl->info;
  info.argument = argument;
  info.path = checkpoint.files.directory;
  std::string folder = fs::path(parsed.path).filename().string();
  if (folder.empty()) folder = fs::path(parsed.path).parent_path().filename().string();
  info.normalizer = normalizer.toString();
  info.name = folder + "@" + info.normalizer;
  info.family = family.name;
  info.task = taskName(family.task);
  info.device = device.str();
  info.architecture = config.architecture;
  info.gate = gateKindName(built.model->gate());
  info.format = checkpoint.files.format;
  info.tokenizer = tokenizerKindName(tokenizer.kind);
  info.layers = config.layers;
  info.hidden = config.hiddenSize;
  info.heads = config.heads;
  info.intermediate = config.intermediateSize;
  info.vocabSize = config.vocabSize;
  info.maxPositions = config.maxPositions;
  info.parameterCount = built.model->parameterCount();
  info.tensorCount = static_cast<int64_t>(checkpoint.tensors.size());
  info.notes = built.notes;
  if (family.task == TaskKind::ImageClassification) {
    info.imageSize = config.imageSize;
    info.patchSize = config.patchSize;
    info.channels = config.channels;
    info.classLabels = config.classLabels;
    impl->preprocessing = config.preprocessing;
    const fs::path preprocessor = fs::path(checkpoint.files.directory) / "preprocessor_config.json";
    std::error_code ec;
    if (fs::exists(preprocessor, ec))
      impl->preprocessing = parsePreprocessorConfig(readJsonFileLimited(preprocessor.string()), preprocessor.string(),
                                                    config.preprocessing);
    const ImagePreprocessing& p = impl->preprocessing;
    if ((p.outputHeight() != 0 && p.outputHeight() != config.imageSize) ||
        (p.outputWidth() != 0 && p.outputWidth() != config.imageSize))
      throw Error(p.source + ": preprocessing makes " + std::to_string(p.outputHeight()) + " x " +
                  std::to_string(p.outputWidth()) + " images but the model takes " + std::to_string(config.imageSize) +
                  " x " + std::to_string(config.imageSize));
    if (p.resize != ImagePreprocessing::Resize::Exact && !p.centerCrop)
      throw Error(p.source + ": preprocessing must end in a fixed size (resize to height x width, or a center crop)");
    info.preprocessing = p.source;
  } else if (!tokenizer.tokenizer) {
    info.notes.push_back("no tokenizer files: text input is unavailable");
  }
  impl->model = std::move(built.model);
  impl->tokenizer = std::move(tokenizer.tokenizer);
  job.report(1.0, "ready");
  return std::shared_ptr<LoadedModel>(new LoadedModel(std::move(impl)));
}

const ModelInfo& LoadedModel::info() const { return impl_->info; }
const ImagePreprocessing& LoadedModel::preprocessing() const { return impl_->preprocessing; }
const TransformerModel& LoadedModel::model() const { return *impl_->model; }
const Tokenizer* LoadedModel::tokenizer() const { return impl_->tokenizer.get(); }

ImageRunResult LoadedModel::runImage(const DecodedImage& image, int topK, const JobControl& job, TensorMap* activations,
                                     const TextRunOverride* override) const {
  const ModelInfo& info = impl_->info;
  const TransformerModel& model = *impl_->model;
  if (model.family().task != TaskKind::ImageClassification)
    throw Error(info.name + " is a text model: give it text, not an image");
  job.report(0.0, "preprocessing " + image.source);
  at::NoGradGuard noGrad;
  ModelInputs inputs;
  inputs.pixelValues = preprocessImage(image, impl_->preprocessing, model.config().channels).unsqueeze(0).to(model.device());
  job.checkCancelled();
  job.report(0.2, "running " + info.name);
  TapRecorder recorder;
  if (!activations)
    recorder = TapRecorder([](const std::string& site) {
      return site.size() > 6 && site.compare(site.size() - 6, 6, ".probs") == 0;
    });
  const at::Tensor logits = override ? override->forward(inputs, &recorder) : model.forward(inputs, &recorder);
  if (activations) {
    *activations = recorder.recorded();
    activations->insert("pixel_values", inputs.pixelValues);
    activations->insert("logits", logits);
  }
  ImageRunResult result;
  result.gridHeight = result.gridWidth = model.config().imageSize / model.config().patchSize;
  result.input = modelInputImage(inputs.pixelValues[0], impl_->preprocessing, image);
  result.attention = recordedAttention(recorder, model.attentionModules());
  const int64_t k = std::min<int64_t>(std::max(topK, 1), logits.size(1));
  const at::Tensor probabilities = at::softmax(logits[0].to(at::kCPU).to(at::kDouble), -1);
  const auto [values, labels] = probabilities.topk(k);
  const std::vector<std::string>& names = model.config().classLabels;
  for (int64_t j = 0; j < k; ++j) {
    ClassPrediction prediction;
    prediction.label = labels[j].item<int64_t>();
    const size_t index = static_cast<size_t>(prediction.label);
    prediction.name = index < names.size() && !names[index].empty() ? names[index] : "#" + std::to_string(prediction.label);
    prediction.probability = static_cast<float>(values[j].item<double>());
    result.top.push_back(std::move(prediction));
  }
  job.report(1.0, "done");
  return result;
}

TextRunResult LoadedModel::runText(const std::string& text, int topK, const JobControl& job,
                                   TensorMap* activations, const TextRunOverride* override) const {
  const ModelInfo& info = impl_->info;
  if (!impl_->tokenizer)
    throw Error(info.path + ": no tokenizer files (vocab.txt, or vocab.json + merges.txt) beside the "
                "checkpoint, so text cannot be run");
  if (std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c); }))
    throw Error("the text is empty");
  job.report(0.0, "tokenizing");
  const Encoding encoding = impl_->tokenizer->encode(text, true);
  const int64_t tokens = static_cast<int64_t>(encoding.ids.size());
  if (tokens > info.maxPositions)
    throw Error("the text is " + std::to_string(tokens) + " tokens long but " + info.name +
                " takes at most " + std::to_string(info.maxPositions) + "; shorten it");

  TextRunResult result;
  result.ids = encoding.ids;
  result.tokens = encoding.tokens;
  for (int64_t id : encoding.ids) result.displayTokens.push_back(impl_->tokenizer->displayToken(id));
  result.causal = impl_->model->causal();

  job.checkCancelled();
  job.report(0.2, "running " + info.name);
  at::NoGradGuard noGrad;
  ModelInputs inputs;
  inputs.inputIds = at::tensor(encoding.ids, at::kLong).view({1, tokens}).to(impl_->model->device());
  TapRecorder recorder;
  if (!activations)
    recorder = TapRecorder([](const std::string& site) {
      return site.size() > 6 && site.compare(site.size() - 6, 6, ".probs") == 0;
    });
  const at::Tensor logits =
      override ? override->forward(inputs, &recorder) : impl_->model->forward(inputs, &recorder);
  if (activations) {
    *activations = recorder.recorded();
    activations->insert("logits", logits);
  }
  job.checkCancelled();

  result.attention = recordedAttention(recorder, impl_->model->attentionModules());

  // Predictions: a masked LM at its mask positions (all positions when there is none); a causal LM
  // the next token after every position.
  std::vector<int64_t> positions;
  const ModelFamily& family = impl_->model->family();
  const int64_t maskId = family.maskToken.empty() ? -1 : impl_->tokenizer->tokenId(family.maskToken);
  if (family.task == TaskKind::MaskedLanguageModel && maskId >= 0)
    for (int64_t i = 0; i < tokens; ++i)
      if (encoding.ids[i] == maskId) positions.push_back(i);
  if (positions.empty())
    for (int64_t i = 0; i < tokens; ++i) positions.push_back(i);
  const int64_t k = std::min<int64_t>(std::max(topK, 1), logits.size(2));
  const at::Tensor probabilities = at::softmax(logits[0].to(at::kCPU), -1);
  const auto [topValues, topIds] = probabilities.topk(k, -1);
  for (int64_t position : positions) {
    TokenPrediction prediction;
    prediction.position = position;
    for (int64_t j = 0; j < k; ++j) {
      const int64_t id = topIds[position][j].item<int64_t>();
      prediction.ids.push_back(id);
      prediction.tokens.push_back(id < impl_->tokenizer->vocabSize() ? impl_->tokenizer->displayToken(id)
                                                                     : "#" + std::to_string(id));
      prediction.probabilities.push_back(topValues[position][j].item<float>());
    }
    result.predictions.push_back(std::move(prediction));
  }
  job.report(1.0, "done");
  return result;
}

}  // namespace hopscope
