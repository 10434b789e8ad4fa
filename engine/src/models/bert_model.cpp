#include "hopscope/bert_model.h"

#include <ATen/ATen.h>

#include <limits>

#include "hopscope/error.h"
#include "model_inputs_check.h"
#include "self_attention.h"

namespace hopscope {
namespace {

std::string layerPrefix(int64_t layer) { return "bert.encoder.layer." + std::to_string(layer); }

}  // namespace

// Per-layer weights and the names of the layer's tap sites, built once.
struct BertModel::Layer {
  SelfAttentionWeights attention;
  SelfAttentionSites attentionSites;
  at::Tensor attentionOutWeight, attentionOutBias, attentionNormWeight, attentionNormBias;
  at::Tensor intermediateWeight, intermediateBias, outputWeight, outputBias, outputNormWeight,
      outputNormBias;
  std::string selfSite, attentionDenseSite, attentionNormInputSite, attentionNormSite,
      attentionOutputSite, attentionSite, intermediateDenseSite, intermediateSite, outputDenseSite,
      outputNormInputSite, outputNormSite, outputSite, layerSite;
};

std::vector<ExpectedTensor> BertModel::expectedTensors(const ModelConfig& c, GateKind gate) {
  const int64_t d = c.hiddenSize, ffn = c.intermediateSize, dh = c.headDim();
  std::vector<ExpectedTensor> expected = {
      {"bert.embeddings.word_embeddings.weight", {c.vocabSize, d}},
      {"bert.embeddings.position_embeddings.weight", {c.maxPositions, d}},
      {"bert.embeddings.token_type_embeddings.weight", {c.typeVocabSize, d}},
      {"bert.embeddings.LayerNorm.weight", {d}},
      {"bert.embeddings.LayerNorm.bias", {d}},
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
    linear(p + ".attention.self.query", d, d);
    linear(p + ".attention.self.key", d, d);
    linear(p + ".attention.self.value", d, d);
    linear(p + ".attention.output.dense", d, d);
    norm(p + ".attention.output.LayerNorm");
    linear(p + ".intermediate.dense", ffn, d);
    linear(p + ".output.dense", d, ffn);
    norm(p + ".output.LayerNorm");
    for (const auto& [name, shape] : gateTensorShapes(gate, p + ".attention.self.alpha", c.heads, dh))
      expected.push_back({name, shape});
  }
  linear("cls.predictions.transform.dense", d, d);
  norm("cls.predictions.transform.LayerNorm");
  expected.push_back({"cls.predictions.bias", {c.vocabSize}});
  expected.push_back({"cls.predictions.decoder.weight", {c.vocabSize, d}, /*optional=*/true});
  return expected;
}

BertModel::BertModel(ModelConfig config, NormalizerSpec normalizer, GateKind gate, TensorMap weights)
    : config_(std::move(config)), normalizer_(normalizer), gate_(gate), weights_(std::move(weights)) {
  auto w = [&](const std::string& name) { return weights_.at(name); };
  for (int64_t i = 0; i < config_.layers; ++i) {
    const std::string p = layerPrefix(i);
    Layer layer;
    layer.attention = {w(p + ".attention.self.query.weight"), w(p + ".attention.self.query.bias"),
                       w(p + ".attention.self.key.weight"),   w(p + ".attention.self.key.bias"),
                       w(p + ".attention.self.value.weight"), w(p + ".attention.self.value.bias"),
                       AttentionGate{}};
    layer.attention.gate = loadGate(gate_, p + ".attention.self.alpha", config_.heads, w);
    layer.attentionSites = {p + ".attention.self.query", p + ".attention.self.key",
                            p + ".attention.self.value", p + ".attention.self.scores",
                            p + ".attention.self.probs", p + ".attention.self"};
    layer.attentionOutWeight = w(p + ".attention.output.dense.weight");
    layer.attentionOutBias = w(p + ".attention.output.dense.bias");
    layer.attentionNormWeight = w(p + ".attention.output.LayerNorm.weight");
    layer.attentionNormBias = w(p + ".attention.output.LayerNorm.bias");
    layer.intermediateWeight = w(p + ".intermediate.dense.weight");
    layer.intermediateBias = w(p + ".intermediate.dense.bias");
    layer.outputWeight = w(p + ".output.dense.weight");
    layer.outputBias = w(p + ".output.dense.bias");
    layer.outputNormWeight = w(p + ".output.LayerNorm.weight");
    layer.outputNormBias = w(p + ".output.LayerNorm.bias");
    layer.selfSite = p + ".attention.self";
    layer.attentionDenseSite = p + ".attention.output.dense";
    layer.attentionNormInputSite = p + ".attention.output.LayerNorm.input";
    layer.attentionNormSite = p + ".attention.output.LayerNorm";
    layer.attentionOutputSite = p + ".attention.output";
    layer.attentionSite = p + ".attention";
    layer.intermediateDenseSite = p + ".intermediate.dense";
    layer.intermediateSite = p + ".intermediate";
    layer.outputDenseSite = p + ".output.dense";
    layer.outputNormInputSite = p + ".output.LayerNorm.input";
    layer.outputNormSite = p + ".output.LayerNorm";
    layer.outputSite = p + ".output";
    layer.layerSite = p;
    layers_.push_back(std::move(layer));
  }
}

BertModel::~BertModel() = default;

std::unique_ptr<TransformerModel> BertModel::withWeights(TensorMap weights) const {
  return std::make_unique<BertModel>(config_, normalizer_, gate_, std::move(weights));
}

std::vector<std::string> BertModel::attentionModules() const {
  std::vector<std::string> modules;
  for (const Layer& layer : layers_) modules.push_back(layer.selfSite);
  return modules;
}

at::Tensor BertModel::forward(const ModelInputs& inputs, ForwardHooks* hooks) const {
  const at::Tensor mask = checkModelInputs(inputs, config_);
  const at::Tensor& ids = inputs.inputIds;
  const int64_t batch = ids.size(0), tokens = ids.size(1), d = config_.hiddenSize;
  const double eps = config_.layerNormEps;
  const at::Tensor& words = weights_.at("bert.embeddings.word_embeddings.weight");

  at::Tensor x = words.index_select(0, ids.reshape({-1})).view({batch, tokens, d}) +
                 weights_.at("bert.embeddings.position_embeddings.weight").slice(0, 0, tokens) +
                 weights_.at("bert.embeddings.token_type_embeddings.weight")[0];
  x = tap(hooks, "bert.embeddings.LayerNorm.input", x);
  x = at::layer_norm(x, {d}, weights_.at("bert.embeddings.LayerNorm.weight"),
                     weights_.at("bert.embeddings.LayerNorm.bias"), eps);
  x = tap(hooks, "bert.embeddings.LayerNorm", x);
  x = tap(hooks, "bert.embeddings", x);

  // Hugging Face: (1 - mask) * finfo(float32).min, broadcast over heads and queries.
  const at::Tensor additiveMask =
      ((1.0 - mask.to(at::kFloat)) * std::numeric_limits<float>::lowest()).view({batch, 1, 1, tokens});
  SelfAttentionOptions options;
  options.heads = config_.heads;
  options.scaling = QueryScaling::ScoresDividedBySqrtHeadDim;

  for (const Layer& layer : layers_) {
    const at::Tensor context = selfAttention(x, additiveMask, layer.attention, normalizer_, options,
                                             layer.attentionSites, hooks);
    at::Tensor h = tap(hooks, layer.attentionDenseSite,
                       at::linear(context, layer.attentionOutWeight, layer.attentionOutBias));
    h = tap(hooks, layer.attentionNormInputSite, h + x);
    h = at::layer_norm(h, {d}, layer.attentionNormWeight, layer.attentionNormBias, eps);
    h = tap(hooks, layer.attentionNormSite, h);
    h = tap(hooks, layer.attentionOutputSite, h);
    const at::Tensor attended = tap(hooks, layer.attentionSite, h);

    at::Tensor f = tap(hooks, layer.intermediateDenseSite,
                       at::linear(attended, layer.intermediateWeight, layer.intermediateBias));
    f = tap(hooks, layer.intermediateSite, at::gelu(f));
    f = tap(hooks, layer.outputDenseSite, at::linear(f, layer.outputWeight, layer.outputBias));
    f = tap(hooks, layer.outputNormInputSite, f + attended);
    f = at::layer_norm(f, {d}, layer.outputNormWeight, layer.outputNormBias, eps);
    f = tap(hooks, layer.outputNormSite, f);
    f = tap(hooks, layer.outputSite, f);
    x = tap(hooks, layer.layerSite, f);
  }
  x = tap(hooks, "bert.encoder", x);

  at::Tensor t = at::linear(x, weights_.at("cls.predictions.transform.dense.weight"),
                            weights_.at("cls.predictions.transform.dense.bias"));
  t = tap(hooks, "cls.predictions.transform.dense", t);
  t = at::layer_norm(at::gelu(t), {d}, weights_.at("cls.predictions.transform.LayerNorm.weight"),
                     weights_.at("cls.predictions.transform.LayerNorm.bias"), eps);
  t = tap(hooks, "cls.predictions.transform.LayerNorm", t);
  t = tap(hooks, "cls.predictions.transform", t);
  const at::Tensor logits = at::linear(t, weights_.at("cls.predictions.decoder.weight"),
                                       weights_.at("cls.predictions.bias"));
  return tap(hooks, "cls.predictions.decoder", logits);
}

}  // namespace hopscope
