// The OPT family (OPTForCausalLM, science.md section 4): pre-LayerNorm decoder with Hugging Face
// semantics (learned positions offset by 2, q scaled after its bias, causal mask clamped at the dtype
// minimum, ReLU, final LayerNorm), any attention normalizer and an optional per-head linear gate.
// Everything OPT-specific is declared here.
#include <ATen/ATen.h>

#include <limits>
#include <nlohmann/json.hpp>

#include "expected_tensors.h"
#include "families.h"
#include "hopscope/error.h"
#include "hopscope/transformer_model.h"
#include "model_inputs_check.h"
#include "self_attention.h"

namespace hopscope {
namespace {

constexpr int64_t kPositionOffset = 2;  // OPT's learned position table starts at row 2

std::string layerPrefix(int64_t layer) { return "model.decoder.layers." + std::to_string(layer); }

void parseConfig(const ConfigReader& read, ModelConfig& config) {
  // Defaults of transformers.OPTConfig.
  config.vocabSize = read.integer("vocab_size", 50272, 1, ConfigLimits::kMaxVocabSize);
  config.hiddenSize = read.integer("hidden_size", 768, 1, ConfigLimits::kMaxHiddenSize);
  config.layers = read.integer("num_hidden_layers", 12, 1, ConfigLimits::kMaxLayers);
  config.heads = read.integer("num_attention_heads", 12, 1, ConfigLimits::kMaxHeads);
  config.intermediateSize = read.integer("ffn_dim", 3072, 1, ConfigLimits::kMaxIntermediateSize);
  config.maxPositions = read.integer("max_position_embeddings", 2048, 1, ConfigLimits::kMaxPositions);
  config.layerNormEps = 1e-5;
  config.activation = read.text("activation_function", "relu");
  config.padTokenId = read.integer("pad_token_id", 1, 0);
  const bool layerNormBefore = read.boolean("do_layer_norm_before", true);
  const int64_t wordEmbedProjDim = read.integer("word_embed_proj_dim", config.hiddenSize, 1, ConfigLimits::kMaxHiddenSize);
  const bool enableBias = read.boolean("enable_bias", true);
  const bool layerNormAffine = read.boolean("layer_norm_elementwise_affine", true);
  if (config.activation != "relu")
    read.fail("activation_function", "is \"" + config.activation + "\"; only \"relu\" is supported");
  if (!layerNormBefore || wordEmbedProjDim != config.hiddenSize)
    throw Error(read.source() + ": this is an OPT-350m style model (post-LayerNorm blocks and/or "
                "word_embed_proj_dim " + std::to_string(wordEmbedProjDim) + " != hidden_size " +
                std::to_string(config.hiddenSize) + " with project_in/project_out); hopscope supports "
                "pre-LayerNorm OPT models whose embeddings have the hidden size (125m, 1.3b, ...)");
  if (!enableBias || !layerNormAffine)
    throw Error(read.source() + ": OPT without biases or without LayerNorm affine parameters is not supported");
}

nlohmann::json configJson(const ModelConfig& config) {
  return {{"vocab_size", config.vocabSize},
          {"hidden_size", config.hiddenSize},
          {"num_hidden_layers", config.layers},
          {"num_attention_heads", config.heads},
          {"ffn_dim", config.intermediateSize},
          {"max_position_embeddings", config.maxPositions},
          {"activation_function", config.activation},
          {"pad_token_id", config.padTokenId},
          {"do_layer_norm_before", true},
          {"word_embed_proj_dim", config.hiddenSize},
          {"enable_bias", true},
          {"layer_norm_elementwise_affine", true}};
}

std::vector<ExpectedTensor> expectedTensors(const ModelConfig& c, GateKind gate) {
  const int64_t d = c.hiddenSize, ffn = c.intermediateSize, dh = c.headDim();
  ExpectedTensors expected;
  expected.add("model.decoder.embed_tokens.weight", {c.vocabSize, d});
  expected.add("model.decoder.embed_positions.weight", {c.maxPositions + kPositionOffset, d});
  for (int64_t i = 0; i < c.layers; ++i) {
    const std::string p = layerPrefix(i);
    expected.linear(p + ".self_attn.q_proj", d, d);
    expected.linear(p + ".self_attn.k_proj", d, d);
    expected.linear(p + ".self_attn.v_proj", d, d);
    expected.linear(p + ".self_attn.out_proj", d, d);
    expected.norm(p + ".self_attn_layer_norm", d);
    expected.linear(p + ".fc1", ffn, d);
    expected.linear(p + ".fc2", d, ffn);
    expected.norm(p + ".final_layer_norm", d);
    expected.gate(gate, p + ".self_attn.alpha", c.heads, dh);
  }
  expected.norm("model.decoder.final_layer_norm", d);
  expected.add("lm_head.weight", {c.vocabSize, d}, /*optional=*/true);  // tied
  return expected.take();
}

std::string ignoredReason(const std::string& name) {
  return name == "model.decoder.version" ? "version buffer" : "";
}

// In forward order. The reference W8A8 placement (science.md section 6) marks the quantized sites;
// lm_head stays float. Hugging Face's OPT runs its FFN on a (batch*tokens, d) view, so the
// protocol's row there is a token.
std::vector<TapSite> tapSites(const ModelConfig& config) {
  using R = SiteRole;
  std::vector<TapSite> sites = {{"model.decoder.embed_tokens", -1, R::Embedding},
                                {"model.decoder.embed_positions", -1, R::Embedding}};
  struct LayerSite {
    const char* suffix;
    SiteRole role;
    RowMode row;
    bool quantized;
  };
  const RowMode sample = RowMode::PerSample, token = RowMode::PerToken;
  static const LayerSite kLayerSites[] = {
      {".self_attn_layer_norm.input", R::BlockInput, sample, false},  // layer 0: the embedding sum
      {".self_attn_layer_norm", R::AttentionNorm, sample, true},
      {".self_attn.q_proj", R::Query, sample, true},
      {".self_attn.k_proj", R::Key, sample, true},
      {".self_attn.v_proj", R::Value, sample, true},
      {".self_attn.scores", R::Scores, sample, true},
      {".self_attn.probs", R::Probs, sample, true},
      {".self_attn.out_proj.input", R::Context, sample, true},
      {".self_attn.out_proj", R::AttentionOutput, sample, true},
      {".self_attn", R::Other, sample, false},
      {".final_layer_norm.input", R::AttentionResidual, token, true},
      {".final_layer_norm", R::FfnNorm, token, true},
      {".fc1", R::FfnHidden, token, false},
      {".activation_fn", R::FfnActivation, token, true},
      {".fc2", R::FfnOutput, token, true},
      {"", R::BlockOutput, sample, true},  // the layer: the second residual sum
  };
  for (int64_t i = 0; i < config.layers; ++i)
    for (const LayerSite& site : kLayerSites) {
      // Layers after the first enter with the previous block output, already quantized there.
      const bool quantized = site.quantized || (i == 0 && site.role == R::BlockInput);
      sites.push_back({layerPrefix(i) + site.suffix, i, site.role, site.row, quantized});
    }
  sites.push_back({"model.decoder.final_layer_norm", -1, R::FinalNorm, RowMode::PerSample, true});
  sites.push_back({"model.decoder", -1, R::Other});
  sites.push_back({"lm_head", -1, R::OutputHead});
  return sites;
}

class OptModel : public TransformerModel {
 public:
  OptModel(const ModelConfig& config, const NormalizerSpec& normalizer, GateKind gate, TensorMap weights);
  at::Tensor forward(const ModelInputs& inputs, ForwardHooks* hooks) const override;

 private:
  struct Layer;
  std::vector<Layer> layers_;
};

struct OptModel::Layer {
  SelfAttentionWeights attention;
  SelfAttentionSites attentionSites;
  at::Tensor attentionNormWeight, attentionNormBias, outWeight, outBias;
  at::Tensor ffnNormWeight, ffnNormBias, fc1Weight, fc1Bias, fc2Weight, fc2Bias;
  std::string attentionNormInputSite, attentionNormSite, outProjSite, selfAttentionSite, ffnNormInputSite, ffnNormSite,
      fc1Site, activationSite, fc2Site, layerSite;
};

OptModel::OptModel(const ModelConfig& config, const NormalizerSpec& normalizer, GateKind gate, TensorMap weights)
    : TransformerModel(config, normalizer, gate, std::move(weights)) {
  auto w = [&](const std::string& name) { return weights_.at(name); };
  for (int64_t i = 0; i < config_.layers; ++i) {
    const std::string p = layerPrefix(i);
    const std::string a = p + ".self_attn";
    Layer layer;
    layer.attention = {w(a + ".q_proj.weight"), w(a + ".q_proj.bias"), w(a + ".k_proj.weight"),
                       w(a + ".k_proj.bias"),   w(a + ".v_proj.weight"), w(a + ".v_proj.bias"),
                       AttentionGate{}};
    layer.attention.gate = loadGate(gate_, p + ".self_attn.alpha", config_.heads, w);
    layer.attentionSites = {a + ".q_proj", a + ".k_proj", a + ".v_proj", a + ".scores", a + ".probs",
                            a + ".out_proj.input"};
    layer.attentionNormWeight = w(p + ".self_attn_layer_norm.weight");
    layer.attentionNormBias = w(p + ".self_attn_layer_norm.bias");
    layer.outWeight = w(a + ".out_proj.weight");
    layer.outBias = w(a + ".out_proj.bias");
    layer.ffnNormWeight = w(p + ".final_layer_norm.weight");
    layer.ffnNormBias = w(p + ".final_layer_norm.bias");
    layer.fc1Weight = w(p + ".fc1.weight");
    layer.fc1Bias = w(p + ".fc1.bias");
    layer.fc2Weight = w(p + ".fc2.weight");
    layer.fc2Bias = w(p + ".fc2.bias");
    layer.attentionNormInputSite = p + ".self_attn_layer_norm.input";
    layer.attentionNormSite = p + ".self_attn_layer_norm";
    layer.outProjSite = a + ".out_proj";
    layer.selfAttentionSite = a;
    layer.ffnNormInputSite = p + ".final_layer_norm.input";
    layer.ffnNormSite = p + ".final_layer_norm";
    layer.fc1Site = p + ".fc1";
    layer.activationSite = p + ".activation_fn";
    layer.fc2Site = p + ".fc2";
    layer.layerSite = p;
    layers_.push_back(std::move(layer));
  }
}

at::Tensor OptModel::forward(const ModelInputs& inputs, ForwardHooks* hooks) const {
  const at::Tensor mask = checkModelInputs(inputs, config_);
  const at::Tensor& ids = inputs.inputIds;
  const int64_t batch = ids.size(0), tokens = ids.size(1), d = config_.hiddenSize;
  const double eps = config_.layerNormEps;

  at::Tensor x = weights_.at("model.decoder.embed_tokens.weight").index_select(0, ids.reshape({-1}));
  x = tap(hooks, "model.decoder.embed_tokens", x.view({batch, tokens, d}));
  // Hugging Face OPTLearnedPositionalEmbedding: positions count real tokens (cumsum of the mask),
  // padding gets position -1, and the table is read at position + 2.
  const at::Tensor positions = (at::cumsum(mask, 1) * mask - 1 + kPositionOffset).reshape({-1});
  at::Tensor positionEmbeddings =
      weights_.at("model.decoder.embed_positions.weight").index_select(0, positions).view({batch, tokens, d});
  positionEmbeddings = tap(hooks, "model.decoder.embed_positions", positionEmbeddings);
  x = hiddenDropout(inputs.dropout, x + positionEmbeddings);

  // Hugging Face adds the causal mask (dtype minimum above the diagonal) and the padding mask
  // (dtype minimum on padded keys) to the scores; their sum may reach -inf, which the attention
  // clamps back to the minimum. Without an attention mask (training) there is no padding, and the
  // causal mask applies as one masked_fill of the minimum (SelfAttentionOptions::maskFillsDtypeMin:
  // the same values and gradients, in one pass instead of two).
  SelfAttentionOptions options;
  options.heads = config_.heads;
  options.scaling = QueryScaling::QueryTimesInverseSqrtAfterBias;
  options.dropout = inputs.dropout;
  at::Tensor attentionMask;
  if (inputs.attentionMask.defined()) {
    const float lowest = std::numeric_limits<float>::lowest();
    const at::Tensor causal =
        at::full({tokens, tokens}, lowest, x.options()).triu(1).view({1, 1, tokens, tokens});
    const at::Tensor padding =
        (1 - mask).to(at::kBool).view({batch, 1, 1, tokens}).to(at::kFloat) * lowest;
    attentionMask = causal + padding;
    options.clampScoresAtDtypeMin = true;
  } else {
    attentionMask = at::ones({tokens, tokens}, ids.options().dtype(at::kBool)).triu(1).view({1, 1, tokens, tokens});
    options.maskFillsDtypeMin = true;
  }

  for (const Layer& layer : layers_) {
    x = tap(hooks, layer.attentionNormInputSite, x);  // layer 0: the embedding sum
    at::Tensor h = at::layer_norm(x, {d}, layer.attentionNormWeight, layer.attentionNormBias, eps);
    h = tap(hooks, layer.attentionNormSite, h);
    const at::Tensor context =
        selfAttention(h, attentionMask, layer.attention, normalizer_, options, layer.attentionSites, hooks);
    at::Tensor attended = tap(hooks, layer.outProjSite, at::linear(context, layer.outWeight, layer.outBias));
    attended = tap(hooks, layer.selfAttentionSite, attended);
    x = tap(hooks, layer.ffnNormInputSite, x + hiddenDropout(inputs.dropout, attended));

    at::Tensor f = at::layer_norm(x, {d}, layer.ffnNormWeight, layer.ffnNormBias, eps);
    f = tap(hooks, layer.ffnNormSite, f);
    f = tap(hooks, layer.fc1Site, at::linear(f, layer.fc1Weight, layer.fc1Bias));
    f = tap(hooks, layer.activationSite, at::relu(f));
    f = tap(hooks, layer.fc2Site, at::linear(f, layer.fc2Weight, layer.fc2Bias));
    x = tap(hooks, layer.layerSite, x + hiddenDropout(inputs.dropout, f));
  }
  x = at::layer_norm(x, {d}, weights_.at("model.decoder.final_layer_norm.weight"),
                     weights_.at("model.decoder.final_layer_norm.bias"), eps);
  x = tap(hooks, "model.decoder.final_layer_norm", x);
  x = tap(hooks, "model.decoder", x);
  return tap(hooks, "lm_head", at::linear(x, weights_.at("lm_head.weight")));
}

}  // namespace

const ModelFamily& optFamily() {
  static const ModelFamily family = [] {
    using Figure = ProtocolFigure;
    using R = SiteRole;
    ModelFamily f;
    f.name = "opt";
    f.modelType = "opt";
    f.defaultArchitecture = "OPTForCausalLM";
    f.namePrefix = "model.decoder.";
    f.layerPrefix = "model.decoder.layers.";
    f.task = TaskKind::CausalLanguageModel;
    f.tokenizer = {TokenizerKind::BytePairEncoding, "</s>", {"<s>", "<pad>", "</s>", "<unk>"}};
    f.delimiterTokens = {"</s>", "."};
    f.gateMarker = ".self_attn.alpha.";
    f.tiedTensors = {{"lm_head.weight", "model.decoder.embed_tokens.weight", "lm_head"}};
    f.floatWeightPrefixes = {"lm_head"};
    f.paperClippedGamma = -12.0 / 512;  // gamma = -alpha / T with alpha 12 at the paper's T = 512
    f.paperGate = GateKind::Linear;
    // The reference evaluation: the decoder's final LayerNorm and per layer the block output, fc2,
    // final_layer_norm, self_attn.out_proj and self_attn_layer_norm.
    const std::vector<SiteRole> modules = {R::AttentionNorm, R::AttentionOutput, R::FfnNorm,
                                           R::FfnOutput,     R::BlockOutput,     R::FinalNorm};
    f.protocol = {
        {"max_inf_norm",
         "Largest per-module inf-norm (max |x| of a row, averaged over rows) over the final LayerNorm and per "
         "layer the block output, fc2, final_layer_norm, self_attn.out_proj and self_attn_layer_norm.",
         Figure::Statistic::InfNorm, Figure::Reduction::Max, modules},
        {"max_ffn_inf_norm", "Largest inf-norm of an FFN output (fc2).", Figure::Statistic::InfNorm,
         Figure::Reduction::Max, {R::FfnOutput}},
        {"max_block_inf_norm", "Largest inf-norm of a block output (the residual stream after a layer).",
         Figure::Statistic::InfNorm, Figure::Reduction::Max, {R::BlockOutput}},
        {"avg_kurtosis",
         "Mean of the per-module kurtosis (Pearson, about 3 for a Gaussian) over the final LayerNorm and per "
         "layer the block output, fc2, final_layer_norm, self_attn.out_proj and self_attn_layer_norm.",
         Figure::Statistic::Kurtosis, Figure::Reduction::Mean, modules},
        {"max_kurtosis", "Largest per-module kurtosis over the same modules as avg_kurtosis.",
         Figure::Statistic::Kurtosis, Figure::Reduction::Max, modules},
        {"max_row_kurtosis", "Largest kurtosis of a single row (sequence, or token in the FFN) over those modules.",
         Figure::Statistic::RowKurtosisMax, Figure::Reduction::Max, modules},
    };
    f.parseConfig = parseConfig;
    f.configJson = configJson;
    f.expectedTensors = expectedTensors;
    f.ignoredReason = ignoredReason;
    f.tapSites = tapSites;
    f.create = [](const ModelConfig& config, const NormalizerSpec& normalizer, GateKind gate, TensorMap weights) {
      return std::unique_ptr<TransformerModel>(std::make_unique<OptModel>(config, normalizer, gate, std::move(weights)));
    };
    return f;
  }();
  return family;
}

}  // namespace hopscope
