#include "hopscope/opt_model.h"

#include <ATen/ATen.h>

#include <limits>

#include "model_inputs_check.h"
#include "self_attention.h"

namespace hopscope {
namespace {

std::string layerPrefix(int64_t layer) { return "model.decoder.layers." + std::to_string(layer); }

}  // namespace

struct OptModel::Layer {
  SelfAttentionWeights attention;
  SelfAttentionSites attentionSites;
  at::Tensor attentionNormWeight, attentionNormBias, outWeight, outBias;
  at::Tensor ffnNormWeight, ffnNormBias, fc1Weight, fc1Bias, fc2Weight, fc2Bias;
  std::string attentionNormInputSite, attentionNormSite, outProjSite, selfAttentionSite, ffnNormInputSite, ffnNormSite,
      fc1Site, activationSite, fc2Site, layerSite;
};

std::vector<ExpectedTensor> OptModel::expectedTensors(const ModelConfig& c, GateKind gate) {
  const int64_t d = c.hiddenSize, ffn = c.intermediateSize, dh = c.headDim();
  std::vector<ExpectedTensor> expected = {
      {"model.decoder.embed_tokens.weight", {c.vocabSize, d}},
      {"model.decoder.embed_positions.weight", {c.maxPositions + kPositionOffset, d}},
  };
  auto linear = [&](const std::string& name, int64_t out, int64_t in) {
    expected.push_back({name + ".weight", {out, in}});
    expected.push_back({name + ".bias", {out}});
  };
  auto norm = [&](const std::string& name) {
    expected.push_back({name + ".weight", {d}});
    expected.push_back({name + ".bias", {d}});
  };
  for (int64_t i = 0; i < c.layers; ++i) {
    const std::string p = layerPrefix(i);
    linear(p + ".self_attn.q_proj", d, d);
    linear(p + ".self_attn.k_proj", d, d);
    linear(p + ".self_attn.v_proj", d, d);
    linear(p + ".self_attn.out_proj", d, d);
    norm(p + ".self_attn_layer_norm");
    linear(p + ".fc1", ffn, d);
    linear(p + ".fc2", d, ffn);
    norm(p + ".final_layer_norm");
    for (const auto& [name, shape] : gateTensorShapes(gate, p + ".self_attn.alpha", c.heads, dh))
      expected.push_back({name, shape});
  }
  norm("model.decoder.final_layer_norm");
  expected.push_back({"lm_head.weight", {c.vocabSize, d}, /*optional=*/true});
  return expected;
}

OptModel::OptModel(ModelConfig config, NormalizerSpec normalizer, GateKind gate, TensorMap weights)
    : config_(std::move(config)), normalizer_(normalizer), gate_(gate), weights_(std::move(weights)) {
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

OptModel::~OptModel() = default;

std::unique_ptr<TransformerModel> OptModel::withWeights(TensorMap weights) const {
  return std::make_unique<OptModel>(config_, normalizer_, gate_, std::move(weights));
}

std::vector<std::string> OptModel::attentionModules() const {
  std::vector<std::string> modules;
  for (const Layer& layer : layers_) modules.push_back(layer.selfAttentionSite);
  return modules;
}

at::Tensor OptModel::forward(const ModelInputs& inputs, ForwardHooks* hooks) const {
  const at::Tensor mask = checkModelInputs(inputs, config_);
  const at::Tensor& ids = inputs.inputIds;
  const int64_t batch = ids.size(0), tokens = ids.size(1), d = config_.hiddenSize;
  const double eps = config_.layerNormEps;
  const float lowest = std::numeric_limits<float>::lowest();

  at::Tensor x = weights_.at("model.decoder.embed_tokens.weight").index_select(0, ids.reshape({-1}));
  x = tap(hooks, "model.decoder.embed_tokens", x.view({batch, tokens, d}));
  // Hugging Face OPTLearnedPositionalEmbedding: positions count real tokens (cumsum of the mask),
  // padding gets position -1, and the table is read at position + 2.
  const at::Tensor positions = (at::cumsum(mask, 1) * mask - 1 + kPositionOffset).reshape({-1});
  at::Tensor positionEmbeddings =
      weights_.at("model.decoder.embed_positions.weight").index_select(0, positions).view({batch, tokens, d});
  positionEmbeddings = tap(hooks, "model.decoder.embed_positions", positionEmbeddings);
  x = x + positionEmbeddings;

  // Causal mask (dtype minimum above the diagonal) plus the padding mask (dtype minimum on padded
  // keys); their sum may reach -inf, which the attention clamps back to the minimum.
  const at::Tensor causal =
      at::full({tokens, tokens}, lowest, x.options()).triu(1).view({1, 1, tokens, tokens});
  const at::Tensor padding =
      (1 - mask).to(at::kBool).view({batch, 1, 1, tokens}).to(at::kFloat) * lowest;
  const at::Tensor additiveMask = causal + padding;

  SelfAttentionOptions options;
  options.heads = config_.heads;
  options.scaling = QueryScaling::QueryTimesInverseSqrtAfterBias;
  options.clampScoresAtDtypeMin = true;

  for (const Layer& layer : layers_) {
    x = tap(hooks, layer.attentionNormInputSite, x);  // layer 0: the embedding sum
    at::Tensor h = at::layer_norm(x, {d}, layer.attentionNormWeight, layer.attentionNormBias, eps);
    h = tap(hooks, layer.attentionNormSite, h);
    const at::Tensor context =
        selfAttention(h, additiveMask, layer.attention, normalizer_, options, layer.attentionSites, hooks);
    at::Tensor attended = tap(hooks, layer.outProjSite, at::linear(context, layer.outWeight, layer.outBias));
    attended = tap(hooks, layer.selfAttentionSite, attended);
    x = tap(hooks, layer.ffnNormInputSite, x + attended);

    at::Tensor f = at::layer_norm(x, {d}, layer.ffnNormWeight, layer.ffnNormBias, eps);
    f = tap(hooks, layer.ffnNormSite, f);
    f = tap(hooks, layer.fc1Site, at::linear(f, layer.fc1Weight, layer.fc1Bias));
    f = tap(hooks, layer.activationSite, at::relu(f));
    f = tap(hooks, layer.fc2Site, at::linear(f, layer.fc2Weight, layer.fc2Bias));
    x = tap(hooks, layer.layerSite, x + f);
  }
  x = at::layer_norm(x, {d}, weights_.at("model.decoder.final_layer_norm.weight"),
                     weights_.at("model.decoder.final_layer_norm.bias"), eps);
  x = tap(hooks, "model.decoder.final_layer_norm", x);
  x = tap(hooks, "model.decoder", x);
  return tap(hooks, "lm_head", at::linear(x, weights_.at("lm_head.weight")));
}

}  // namespace hopscope
