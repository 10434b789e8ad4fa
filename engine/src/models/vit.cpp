// The ViT family (science.md section 4): pre-LayerNorm vision transformer classifying from the class
// token, any attention normalizer and an optional per-head linear gate. Two checkpoint layouts:
// Hugging Face ViTForImageClassification and timm VisionTransformer. A timm checkpoint is mapped to
// the Hugging Face names when it is loaded (canonicalTensors: fused qkv split into query / key /
// value, norm_pre named vit.pre_layernorm), so one forward, one tap-site table and one quantizer
// placement serve both layouts, and tap names are the Hugging Face module paths for either.
// Everything ViT-specific is declared here.
#include <ATen/ATen.h>

#include <cctype>
#include <nlohmann/json.hpp>

#include "expected_tensors.h"
#include "families.h"
#include "hopscope/error.h"
#include "hopscope/json_limits.h"
#include "hopscope/message_text.h"
#include "hopscope/transformer_model.h"
#include "model_inputs_check.h"
#include "self_attention.h"

namespace hopscope {
namespace {

using nlohmann::json;

std::string layerPrefix(int64_t layer) { return "vit.encoder.layer." + std::to_string(layer); }

constexpr int64_t kMaxImageSize = 16384;
constexpr int64_t kMaxChannels = 64;

void finishConfig(const ConfigReader& read, ModelConfig& config, int64_t labels) {
  if (config.imageSize % config.patchSize != 0)
    read.fail("patch_size", "(" + std::to_string(config.patchSize) + ") must divide image_size (" +
                                std::to_string(config.imageSize) + ")");
  const int64_t grid = config.imageSize / config.patchSize;
  if (grid * grid + 1 > ConfigLimits::kMaxPositions)
    read.fail("image_size", "gives " + std::to_string(grid * grid) + " patches, more than hopscope's limit");
  config.maxPositions = grid * grid + 1;  // the class token and one token per patch
  config.vocabSize = labels;              // the classifier's outputs
  config.typeVocabSize = 0;
  config.padTokenId = 0;
  config.classLabels.resize(static_cast<size_t>(labels));
}

// id2label {"0": "cat", ...} -> classLabels (entries outside [0, labels) are refused).
void readLabels(const json& id2label, const std::string& source, ModelConfig& config) {
  if (!id2label.is_object()) return;
  for (const auto& [key, value] : id2label.items()) {
    size_t used = 0;
    long long id = -1;
    try {
      id = std::stoll(key, &used);
    } catch (...) {
      used = 0;
    }
    if (used != key.size() || id < 0 || id >= static_cast<long long>(config.classLabels.size()) || !value.is_string())
      throw Error(source + ": \"id2label\" entry \"" + printable(key) + "\" is not a class id below " +
                  std::to_string(config.classLabels.size()) + " with a string name");
    if (hasControlCharacters(value.get<std::string>()))
      throw Error(source + ": \"id2label\" entry \"" + key + "\" contains control characters");
    config.classLabels[static_cast<size_t>(id)] = value.get<std::string>();
  }
}

// Hugging Face ViTConfig (defaults of transformers.ViTConfig).
void parseHfConfig(const ConfigReader& read, ModelConfig& config) {
  config.hiddenSize = read.integer("hidden_size", 768, 1, ConfigLimits::kMaxHiddenSize);
  config.layers = read.integer("num_hidden_layers", 12, 1, ConfigLimits::kMaxLayers);
  config.heads = read.integer("num_attention_heads", 12, 1, ConfigLimits::kMaxHeads);
  config.intermediateSize = read.integer("intermediate_size", 3072, 1, ConfigLimits::kMaxIntermediateSize);
  config.layerNormEps = read.number("layer_norm_eps", 1e-12);
  config.activation = read.text("hidden_act", "gelu");
  if (config.activation != "gelu")
    read.fail("hidden_act", "is \"" + config.activation + "\"; only \"gelu\" (exact erf) is supported");
  config.imageSize = read.integer("image_size", 224, 1, kMaxImageSize);
  config.patchSize = read.integer("patch_size", 16, 1, kMaxImageSize);
  config.channels = read.integer("num_channels", 3, 1, kMaxChannels);
  const json& j = read.object();
  const int64_t fromLabels = j.contains("id2label") && j["id2label"].is_object() && !j["id2label"].empty()
                                 ? static_cast<int64_t>(j["id2label"].size())
                                 : 2;  // PretrainedConfig's default
  const int64_t labels = read.integer("num_labels", fromLabels, 1, ConfigLimits::kMaxVocabSize);
  finishConfig(read, config, labels);
  if (j.contains("id2label")) readLabels(j["id2label"], read.source(), config);
  config.preprocessing = defaultPreprocessing(config.imageSize);
}

// timm: {"architecture": "vit_small_patch16_224", "num_classes": N, "model_args": {...},
// "pretrained_cfg": {...}}. Sizes come from model_args when given, else from the architecture name.
bool readsTimmConfig(const json& config) {
  return config.is_object() && !config.contains("model_type") && config.contains("architecture") &&
         config["architecture"].is_string() && config["architecture"].get<std::string>().rfind("vit_", 0) == 0;
}

void parseTimmConfig(const ConfigReader& read, ModelConfig& config) {
  const json& j = read.object();
  const std::string architecture = read.text("architecture", "");
  config.architecture = architecture;
  // timm's vit_<size>_patch<P>_<S> defaults: embed_dim, depth, num_heads.
  struct Size {
    const char* name;
    int64_t width, depth, heads;
  };
  static const Size kSizes[] = {{"tiny", 192, 12, 3},  {"small", 384, 12, 6},  {"medium", 512, 12, 8},
                                {"base", 768, 12, 12}, {"large", 1024, 24, 16}, {"huge", 1280, 32, 16}};
  Size size{"", 768, 12, 12};
  for (const Size& s : kSizes)
    if (architecture.rfind(std::string("vit_") + s.name + "_", 0) == 0) size = s;
  int64_t patch = 16, image = 224;
  const size_t at = architecture.find("_patch");
  if (at != std::string::npos) {
    size_t end = at + 6;
    while (end < architecture.size() && std::isdigit(static_cast<unsigned char>(architecture[end]))) ++end;
    if (end > at + 6 && end - at - 6 < 6) patch = std::stoll(architecture.substr(at + 6, end - at - 6));
    if (end < architecture.size() && architecture[end] == '_') {
      size_t stop = end + 1;
      while (stop < architecture.size() && std::isdigit(static_cast<unsigned char>(architecture[stop]))) ++stop;
      if (stop > end + 1 && stop - end - 1 < 6) image = std::stoll(architecture.substr(end + 1, stop - end - 1));
    }
  }
  static const json kEmpty = json::object();
  const json& args = j.contains("model_args") && j["model_args"].is_object() ? j["model_args"] : kEmpty;
  const ConfigReader model(args, read.source() + " model_args");
  config.hiddenSize = model.integer("embed_dim", size.width, 1, ConfigLimits::kMaxHiddenSize);
  config.layers = model.integer("depth", size.depth, 1, ConfigLimits::kMaxLayers);
  config.heads = model.integer("num_heads", size.heads, 1, ConfigLimits::kMaxHeads);
  const double ratio = model.number("mlp_ratio", 4.0);
  if (!(ratio > 0 && ratio * static_cast<double>(config.hiddenSize) <= ConfigLimits::kMaxIntermediateSize))
    model.fail("mlp_ratio", "must be positive and keep the MLP within hopscope's limit");
  config.intermediateSize = static_cast<int64_t>(ratio * static_cast<double>(config.hiddenSize));
  config.imageSize = model.integer("img_size", image, 1, kMaxImageSize);
  config.patchSize = model.integer("patch_size", patch, 1, kMaxImageSize);
  config.channels = model.integer("in_chans", 3, 1, kMaxChannels);
  config.layerNormEps = 1e-6;  // timm's ViT LayerNorm
  config.activation = "gelu";
  if (!model.boolean("class_token", true)) model.fail("class_token", "must be true: hopscope classifies from the class token");
  const std::string pool = model.text("global_pool", read.text("global_pool", "token"));
  if (pool != "token") model.fail("global_pool", "is \"" + pool + "\"; only \"token\" (the class token) is supported");
  if (model.integer("reg_tokens", 0, 0) != 0) model.fail("reg_tokens", "register tokens are not supported");
  if (model.boolean("no_embed_class", false)) model.fail("no_embed_class", "is not supported");
  const int64_t labels = read.integer("num_classes", 1000, 1, ConfigLimits::kMaxVocabSize);
  finishConfig(read, config, labels);
  if (j.contains("label_names") && j["label_names"].is_array()) {
    json id2label = json::object();
    for (size_t i = 0; i < j["label_names"].size(); ++i) id2label[std::to_string(i)] = j["label_names"][i];
    readLabels(id2label, read.source() + " label_names", config);
  }
  config.preprocessing =
      parseTimmPretrainedConfig(j.contains("pretrained_cfg") ? j["pretrained_cfg"] : kEmpty, read.source(), config.imageSize);
}

void parseConfig(const ConfigReader& read, ModelConfig& config) {
  if (readsTimmConfig(read.object()))
    parseTimmConfig(read, config);
  else
    parseHfConfig(read, config);
}

json configJson(const ModelConfig& config) {
  json id2label = json::object(), label2id = json::object();
  for (size_t i = 0; i < config.classLabels.size(); ++i) {
    const std::string name = config.classLabels[i].empty() ? "LABEL_" + std::to_string(i) : config.classLabels[i];
    id2label[std::to_string(i)] = name;
    label2id[name] = i;
  }
  return {{"hidden_size", config.hiddenSize},
          {"num_hidden_layers", config.layers},
          {"num_attention_heads", config.heads},
          {"intermediate_size", config.intermediateSize},
          {"hidden_act", config.activation},
          {"layer_norm_eps", config.layerNormEps},
          {"image_size", config.imageSize},
          {"patch_size", config.patchSize},
          {"num_channels", config.channels},
          {"num_labels", config.vocabSize},
          {"id2label", id2label},
          {"label2id", label2id}};
}

std::vector<ExpectedTensor> expectedTensors(const ModelConfig& c, GateKind gate) {
  const int64_t d = c.hiddenSize, ffn = c.intermediateSize, dh = c.headDim();
  ExpectedTensors expected;
  // Biases of the patch projection and of q/k/v, and the pre-LayerNorm, exist in some checkpoints
  // only (the OutEffHop ViT-S has norm_pre and neither bias): the forward uses what is present.
  expected.add("vit.embeddings.cls_token", {1, 1, d});
  expected.add("vit.embeddings.position_embeddings", {1, c.maxPositions, d});
  expected.add("vit.embeddings.patch_embeddings.projection.weight", {d, c.channels, c.patchSize, c.patchSize});
  expected.add("vit.embeddings.patch_embeddings.projection.bias", {d}, /*optional=*/true);
  expected.add("vit.pre_layernorm.weight", {d}, true);
  expected.add("vit.pre_layernorm.bias", {d}, true);
  for (int64_t i = 0; i < c.layers; ++i) {
    const std::string p = layerPrefix(i);
    expected.norm(p + ".layernorm_before", d);
    for (const char* name : {".attention.attention.query", ".attention.attention.key", ".attention.attention.value"}) {
      expected.add(p + name + ".weight", {d, d});
      expected.add(p + name + ".bias", {d}, true);
    }
    expected.gate(gate, p + ".attention.attention.alpha", c.heads, dh);
    expected.linear(p + ".attention.output.dense", d, d);
    expected.norm(p + ".layernorm_after", d);
    expected.linear(p + ".intermediate.dense", ffn, d);
    expected.linear(p + ".output.dense", d, ffn);
  }
  expected.norm("vit.layernorm", d);
  expected.linear("classifier", c.vocabSize, d);
  return expected.take();
}

std::string ignoredReason(const std::string& name) {
  if (name.rfind("vit.pooler.", 0) == 0) return "pooler (not used by the classifier)";
  if (name == "vit.embeddings.mask_token") return "mask token (masked image modelling only)";
  return "";
}

// timm names -> Hugging Face names; the fused qkv [3d, d] (rows q|k|v, heads contiguous within
// each) is split into query, key and value.
bool isTimmLayout(const TensorMap& tensors) {
  return tensors.contains("cls_token") || tensors.contains("patch_embed.proj.weight") || tensors.contains("pos_embed");
}

TensorMap timmToHuggingFace(const TensorMap& tensors, std::vector<std::string>& notes) {
  if (!isTimmLayout(tensors)) return tensors;
  static const std::pair<const char*, const char*> kTop[] = {
      {"cls_token", "vit.embeddings.cls_token"},
      {"pos_embed", "vit.embeddings.position_embeddings"},
      {"patch_embed.proj.", "vit.embeddings.patch_embeddings.projection."},
      {"norm_pre.", "vit.pre_layernorm."},
      {"norm.", "vit.layernorm."},
      {"head.", "classifier."}};
  static const std::pair<const char*, const char*> kBlock[] = {
      {"norm1.", "layernorm_before."},     {"attn.proj.", "attention.output.dense."},
      {"attn.alpha.", "attention.attention.alpha."}, {"norm2.", "layernorm_after."},
      {"mlp.fc1.", "intermediate.dense."}, {"mlp.fc2.", "output.dense."}};
  TensorMap mapped;
  for (const auto& [name, tensor] : tensors.items()) {
    std::string target = name;
    for (const auto& [from, to] : kTop)
      if (name.rfind(from, 0) == 0 && (std::string(from).back() == '.' || name == from)) {
        target = to + name.substr(std::string(from).size());
        break;
      }
    if (name.rfind("blocks.", 0) == 0) {
      size_t end = 7;
      while (end < name.size() && std::isdigit(static_cast<unsigned char>(name[end]))) ++end;
      if (end > 7 && end < name.size() && name[end] == '.') {
        const std::string layer = "vit.encoder.layer." + name.substr(7, end - 7) + ".";
        const std::string rest = name.substr(end + 1);
        if (rest == "attn.qkv.weight" || rest == "attn.qkv.bias") {
          const int64_t rows = tensor.dim() >= 1 ? tensor.size(0) : 0;
          if (rows % 3 != 0 || rows == 0)
            throw Error("timm tensor '" + name + "' has " + std::to_string(rows) +
                        " rows; a fused qkv holds 3 x hidden_size rows (q|k|v)");
          const std::string leaf = rest == "attn.qkv.weight" ? "weight" : "bias";
          const char* parts[] = {"query", "key", "value"};
          for (int64_t k = 0; k < 3; ++k)
            mapped.insert(layer + "attention.attention." + parts[k] + "." + leaf, tensor.narrow(0, k * rows / 3, rows / 3));
          continue;
        }
        for (const auto& [from, to] : kBlock)
          if (rest.rfind(from, 0) == 0) {
            target = layer + to + rest.substr(std::string(from).size());
            break;
          }
      }
    }
    mapped.insert(target, tensor);
  }
  notes.push_back("timm layout: tensors mapped to the Hugging Face ViT names (qkv split into query, key, value)");
  return mapped;
}

// In forward order. The W8A8 placement for pre-LN blocks (science.md section 6; README): the embedding
// sums, every LayerNorm output, Q/K/V, scores, probabilities, merged context, both projections'
// outputs, the GELU output, both residual sums; the classifier stays float.
std::vector<TapSite> tapSites(const ModelConfig& config) {
  using R = SiteRole;
  const RowMode sample = RowMode::PerSample;
  std::vector<TapSite> sites = {{"vit.embeddings.patch_embeddings", -1, R::Embedding, sample, true},
                                {"vit.embeddings", -1, R::Embedding, sample, true}};
  if (config.embeddingNorm) sites.push_back({"vit.pre_layernorm", -1, R::EmbeddingNorm, sample, true});
  struct LayerSite {
    const char* suffix;
    SiteRole role;
    bool quantized;
  };
  static const LayerSite kPreNorm[] = {
      {".layernorm_before", R::AttentionNorm, true},
      {".attention.attention.query", R::Query, true},
      {".attention.attention.key", R::Key, true},
      {".attention.attention.value", R::Value, true},
      {".attention.attention.scores", R::Scores, true},
      {".attention.attention.probs", R::Probs, true},
      {".attention.attention", R::Context, true},
      {".attention.output.dense", R::AttentionOutput, true},
      {".layernorm_after.input", R::AttentionResidual, true},
      {".layernorm_after", R::FfnNorm, true},
      {".intermediate.dense", R::FfnHidden, false},
      {".intermediate", R::FfnActivation, true},
      {".output.dense", R::FfnOutput, true},
      {"", R::BlockOutput, true},  // the layer: the second residual sum
  };
  // reference-compat: each LayerNorm runs on its sublayer's output.
  static const LayerSite kNormAfter[] = {
      {".attention.attention.query", R::Query, true},
      {".attention.attention.key", R::Key, true},
      {".attention.attention.value", R::Value, true},
      {".attention.attention.scores", R::Scores, true},
      {".attention.attention.probs", R::Probs, true},
      {".attention.attention", R::Context, true},
      {".attention.output.dense", R::AttentionOutput, true},
      {".layernorm_before", R::AttentionNorm, true},
      {".layernorm_after.input", R::AttentionResidual, true},
      {".intermediate.dense", R::FfnHidden, false},
      {".intermediate", R::FfnActivation, true},
      {".output.dense", R::FfnOutput, true},
      {".layernorm_after", R::FfnNorm, true},
      {"", R::BlockOutput, true},
  };
  for (int64_t i = 0; i < config.layers; ++i) {
    if (config.normAfterSublayer)
      for (const LayerSite& site : kNormAfter) sites.push_back({layerPrefix(i) + site.suffix, i, site.role, sample, site.quantized});
    else
      for (const LayerSite& site : kPreNorm) sites.push_back({layerPrefix(i) + site.suffix, i, site.role, sample, site.quantized});
  }
  sites.push_back({"vit.layernorm", -1, R::FinalNorm, sample, true});
  sites.push_back({"classifier", -1, R::OutputHead});
  return sites;
}

class VitModel : public TransformerModel {
 public:
  VitModel(const ModelConfig& config, const NormalizerSpec& normalizer, GateKind gate, TensorMap weights);
  at::Tensor forward(const ModelInputs& inputs, ForwardHooks* hooks) const override;

 private:
  at::Tensor optional(const std::string& name) const {
    const at::Tensor* found = weights_.find(name);
    return found ? *found : at::Tensor();
  }
  struct Layer;
  std::vector<Layer> layers_;
};

struct VitModel::Layer {
  SelfAttentionWeights attention;
  SelfAttentionSites attentionSites;
  at::Tensor beforeWeight, beforeBias, outWeight, outBias, afterWeight, afterBias;
  at::Tensor fc1Weight, fc1Bias, fc2Weight, fc2Bias;
  std::string beforeSite, outSite, afterInputSite, afterSite, fc1Site, activationSite, fc2Site, layerSite;
};

VitModel::VitModel(const ModelConfig& config, const NormalizerSpec& normalizer, GateKind gate, TensorMap weights)
    : TransformerModel(config, normalizer, gate, std::move(weights)) {
  config_.embeddingNorm = weights_.contains("vit.pre_layernorm.weight");  // so tapSites() lists it
  auto w = [&](const std::string& name) { return weights_.at(name); };
  for (int64_t i = 0; i < config_.layers; ++i) {
    const std::string p = layerPrefix(i);
    const std::string a = p + ".attention.attention";
    Layer layer;
    layer.attention = {w(a + ".query.weight"), optional(a + ".query.bias"), w(a + ".key.weight"),
                       optional(a + ".key.bias"), w(a + ".value.weight"), optional(a + ".value.bias"),
                       AttentionGate{}};
    layer.attention.gate = loadGate(gate_, a + ".alpha", config_.heads, w);
    layer.attentionSites = {a + ".query", a + ".key", a + ".value", a + ".scores", a + ".probs", a};
    layer.beforeWeight = w(p + ".layernorm_before.weight");
    layer.beforeBias = w(p + ".layernorm_before.bias");
    layer.outWeight = w(p + ".attention.output.dense.weight");
    layer.outBias = w(p + ".attention.output.dense.bias");
    layer.afterWeight = w(p + ".layernorm_after.weight");
    layer.afterBias = w(p + ".layernorm_after.bias");
    layer.fc1Weight = w(p + ".intermediate.dense.weight");
    layer.fc1Bias = w(p + ".intermediate.dense.bias");
    layer.fc2Weight = w(p + ".output.dense.weight");
    layer.fc2Bias = w(p + ".output.dense.bias");
    layer.beforeSite = p + ".layernorm_before";
    layer.outSite = p + ".attention.output.dense";
    layer.afterInputSite = p + ".layernorm_after.input";
    layer.afterSite = p + ".layernorm_after";
    layer.fc1Site = p + ".intermediate.dense";
    layer.activationSite = p + ".intermediate";
    layer.fc2Site = p + ".output.dense";
    layer.layerSite = p;
    layers_.push_back(std::move(layer));
  }
}

at::Tensor VitModel::forward(const ModelInputs& inputs, ForwardHooks* hooks) const {
  const at::Tensor& pixels = checkImageInputs(inputs, config_);
  const int64_t batch = pixels.size(0), d = config_.hiddenSize;
  const double eps = config_.layerNormEps;
  const bool normAfter = config_.normAfterSublayer;

  // Patch embedding: a convolution with kernel = stride = patch, flattened to [B, patches, d].
  at::Tensor patches = at::conv2d(pixels, weights_.at("vit.embeddings.patch_embeddings.projection.weight"),
                                  optional("vit.embeddings.patch_embeddings.projection.bias"),
                                  {config_.patchSize, config_.patchSize});
  patches = tap(hooks, "vit.embeddings.patch_embeddings", patches.flatten(2).transpose(1, 2));
  at::Tensor x = at::cat({weights_.at("vit.embeddings.cls_token").expand({batch, 1, d}), patches}, 1) +
                 weights_.at("vit.embeddings.position_embeddings");
  x = hiddenDropout(inputs.dropout, tap(hooks, "vit.embeddings", x));
  if (const at::Tensor* preNorm = weights_.find("vit.pre_layernorm.weight"))
    x = tap(hooks, "vit.pre_layernorm", at::layer_norm(x, {d}, *preNorm, optional("vit.pre_layernorm.bias"), eps));

  const at::Tensor noMask = at::zeros({1, 1, 1, 1}, x.options());  // every patch attends to every patch
  SelfAttentionOptions options;
  options.heads = config_.heads;
  options.scaling = QueryScaling::ScoresDividedBySqrtHeadDim;
  options.dropout = inputs.dropout;

  for (const Layer& layer : layers_) {
    // Pre-LN (Hugging Face and timm): x + attn(LN(x)), then x + mlp(LN(x)). reference-compat:
    // x + LN(attn(x)), then x + LN(mlp(x)), as the OutEffHop quantized block computes it.
    at::Tensor h = normAfter ? x : tap(hooks, layer.beforeSite, at::layer_norm(x, {d}, layer.beforeWeight, layer.beforeBias, eps));
    const at::Tensor context = selfAttention(h, noMask, layer.attention, normalizer_, options, layer.attentionSites, hooks);
    at::Tensor attended = tap(hooks, layer.outSite, at::linear(context, layer.outWeight, layer.outBias));
    if (normAfter) attended = tap(hooks, layer.beforeSite, at::layer_norm(attended, {d}, layer.beforeWeight, layer.beforeBias, eps));
    x = tap(hooks, layer.afterInputSite, x + hiddenDropout(inputs.dropout, attended));

    at::Tensor f = normAfter ? x : tap(hooks, layer.afterSite, at::layer_norm(x, {d}, layer.afterWeight, layer.afterBias, eps));
    f = tap(hooks, layer.fc1Site, at::linear(f, layer.fc1Weight, layer.fc1Bias));
    f = tap(hooks, layer.activationSite, at::gelu(f));
    f = tap(hooks, layer.fc2Site, at::linear(f, layer.fc2Weight, layer.fc2Bias));
    if (normAfter) f = tap(hooks, layer.afterSite, at::layer_norm(f, {d}, layer.afterWeight, layer.afterBias, eps));
    x = tap(hooks, layer.layerSite, x + hiddenDropout(inputs.dropout, f));
  }
  x = at::layer_norm(x, {d}, weights_.at("vit.layernorm.weight"), weights_.at("vit.layernorm.bias"), eps);
  x = tap(hooks, "vit.layernorm", x);
  const at::Tensor classToken = x.select(1, 0);
  return tap(hooks, "classifier", at::linear(classToken, weights_.at("classifier.weight"), weights_.at("classifier.bias")));
}

}  // namespace

const ModelFamily& vitFamily() {
  static const ModelFamily family = [] {
    using Figure = ProtocolFigure;
    using R = SiteRole;
    ModelFamily f;
    f.name = "vit";
    f.modelType = "vit";
    f.defaultArchitecture = "ViTForImageClassification";
    f.namePrefix = "vit.";
    f.layerPrefix = "vit.encoder.layer.";
    f.task = TaskKind::ImageClassification;
    f.tokenizer = {TokenizerKind::None, "", {}};
    f.gateMarker = ".attention.attention.alpha.";
    f.floatWeightPrefixes = {"classifier"};
    f.paperClippedGamma = -1e-5;  // science.md section 2: ViT gamma = -1e-5, zeta 1
    f.paperGate = GateKind::Linear;
    f.supportsNormAfterSublayer = true;
    // science.md section 5: every module; the maximum over the MLP outputs and over the block outputs.
    const std::vector<SiteRole> every = {R::Embedding,   R::EmbeddingNorm, R::AttentionNorm,     R::Query,
                                         R::Key,         R::Value,         R::Context,           R::AttentionOutput,
                                         R::AttentionResidual, R::FfnNorm, R::FfnHidden,         R::FfnActivation,
                                         R::FfnOutput,   R::BlockOutput,   R::FinalNorm};
    f.protocol = {
        {"max_inf_norm", "Largest per-module inf-norm (max |x| of an image's activations, averaged over images) over every module.",
         Figure::Statistic::InfNorm, Figure::Reduction::Max, every},
        {"max_ffn_inf_norm", "Largest inf-norm of an MLP output (output.dense, timm mlp.fc2).", Figure::Statistic::InfNorm,
         Figure::Reduction::Max, {R::FfnOutput}},
        {"max_block_inf_norm", "Largest inf-norm of a block output (the residual stream after a layer).",
         Figure::Statistic::InfNorm, Figure::Reduction::Max, {R::BlockOutput}},
        {"avg_kurtosis", "Mean of the per-module kurtosis (Pearson, about 3 for a Gaussian) over every module.",
         Figure::Statistic::Kurtosis, Figure::Reduction::Mean, every},
        {"max_kurtosis", "Largest per-module kurtosis over every module.", Figure::Statistic::Kurtosis,
         Figure::Reduction::Max, every},
        {"max_ffn_kurtosis", "Largest kurtosis of an MLP output.", Figure::Statistic::Kurtosis, Figure::Reduction::Max,
         {R::FfnOutput}},
        {"max_block_kurtosis", "Largest kurtosis of a block output.", Figure::Statistic::Kurtosis, Figure::Reduction::Max,
         {R::BlockOutput}},
        {"max_row_kurtosis", "Largest kurtosis of a single image's activations over every module.",
         Figure::Statistic::RowKurtosisMax, Figure::Reduction::Max, every},
    };
    f.parseConfig = parseConfig;
    f.readsUntypedConfig = readsTimmConfig;
    f.canonicalTensors = timmToHuggingFace;
    f.configJson = configJson;
    f.expectedTensors = expectedTensors;
    f.ignoredReason = ignoredReason;
    f.tapSites = tapSites;
    f.create = [](const ModelConfig& config, const NormalizerSpec& normalizer, GateKind gate, TensorMap weights) {
      return std::unique_ptr<TransformerModel>(std::make_unique<VitModel>(config, normalizer, gate, std::move(weights)));
    };
    return f;
  }();
  return family;
}

}  // namespace hopscope
