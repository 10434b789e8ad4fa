// The BERT family (BertForMaskedLM, science.md section 4): post-LayerNorm encoder with Hugging Face
// semantics, any attention normalizer and an optional per-head gate. Everything BERT-specific is
// declared here: config keys, tensors, gate marker, tap sites and their roles, the outlier protocol.
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

std::string layerPrefix(int64_t layer) { return "bert.encoder.layer." + std::to_string(layer); }

void parseConfig(const ConfigReader& read, ModelConfig& config) {
  // Defaults of transformers.BertConfig.
  config.vocabSize = read.integer("vocab_size", 30522, 1, ConfigLimits::kMaxVocabSize);
  config.hiddenSize = read.integer("hidden_size", 768, 1, ConfigLimits::kMaxHiddenSize);
  config.layers = read.integer("num_hidden_layers", 12, 1, ConfigLimits::kMaxLayers);
  config.heads = read.integer("num_attention_heads", 12, 1, ConfigLimits::kMaxHeads);
  config.intermediateSize = read.integer("intermediate_size", 3072, 1, ConfigLimits::kMaxIntermediateSize);
  config.maxPositions = read.integer("max_position_embeddings", 512, 1, ConfigLimits::kMaxPositions);
  config.typeVocabSize = read.integer("type_vocab_size", 2, 1, ConfigLimits::kMaxTypeVocabSize);
  config.layerNormEps = read.number("layer_norm_eps", 1e-12);
  config.activation = read.text("hidden_act", "gelu");
  config.padTokenId = read.integer("pad_token_id", 0, 0);
  if (config.activation != "gelu")
    read.fail("hidden_act", "is \"" + config.activation + "\"; only \"gelu\" (exact erf) is supported");
  const std::string positions = read.text("position_embedding_type", "absolute");
  if (positions != "absolute")
    read.fail("position_embedding_type", "is \"" + positions + "\"; only \"absolute\" is supported");
}

nlohmann::json configJson(const ModelConfig& config) {
  return {{"vocab_size", config.vocabSize},
          {"hidden_size", config.hiddenSize},
          {"num_hidden_layers", config.layers},
          {"num_attention_heads", config.heads},
          {"intermediate_size", config.intermediateSize},
          {"max_position_embeddings", config.maxPositions},
          {"type_vocab_size", config.typeVocabSize},
          {"layer_norm_eps", config.layerNormEps},
          {"hidden_act", config.activation},
          {"pad_token_id", config.padTokenId},
          {"position_embedding_type", "absolute"}};
}

std::vector<ExpectedTensor> expectedTensors(const ModelConfig& c, GateKind gate) {
  const int64_t d = c.hiddenSize, ffn = c.intermediateSize, dh = c.headDim();
  ExpectedTensors expected;
  expected.add("bert.embeddings.word_embeddings.weight", {c.vocabSize, d});
  expected.add("bert.embeddings.position_embeddings.weight", {c.maxPositions, d});
  expected.add("bert.embeddings.token_type_embeddings.weight", {c.typeVocabSize, d});
  expected.norm("bert.embeddings.LayerNorm", d);
  for (int64_t i = 0; i < c.layers; ++i) {
    const std::string p = layerPrefix(i);
    expected.linear(p + ".attention.self.query", d, d);
    expected.linear(p + ".attention.self.key", d, d);
    expected.linear(p + ".attention.self.value", d, d);
    expected.linear(p + ".attention.output.dense", d, d);
    expected.norm(p + ".attention.output.LayerNorm", d);
    expected.linear(p + ".intermediate.dense", ffn, d);
    expected.linear(p + ".output.dense", d, ffn);
    expected.norm(p + ".output.LayerNorm", d);
    expected.gate(gate, p + ".attention.self.alpha", c.heads, dh);
  }
  expected.linear("cls.predictions.transform.dense", d, d);
  expected.norm("cls.predictions.transform.LayerNorm", d);
  expected.add("cls.predictions.bias", {c.vocabSize});
  expected.add("cls.predictions.decoder.weight", {c.vocabSize, d}, /*optional=*/true);  // tied
  return expected.take();
}

std::string ignoredReason(const std::string& name) {
  auto startsWith = [&](const char* prefix) { return name.rfind(prefix, 0) == 0; };
  if (name == "bert.embeddings.position_ids") return "position ids buffer";
  if (name == "cls.predictions.decoder.bias") return "copy of cls.predictions.bias";
  if (startsWith("bert.pooler.")) return "pooler (not used by the masked-LM head)";
  if (startsWith("cls.seq_relationship.")) return "next-sentence head";
  return "";
}

// In forward order. The reference W8A8 placement (science.md section 6) marks the quantized sites;
// the MLM head stays float.
std::vector<TapSite> tapSites(const ModelConfig& config) {
  using R = SiteRole;
  std::vector<TapSite> sites = {{"bert.embeddings.LayerNorm.input", -1, R::Embedding, RowMode::PerSample, true},
                                {"bert.embeddings.LayerNorm", -1, R::EmbeddingNorm, RowMode::PerSample, true},
                                {"bert.embeddings", -1, R::Other}};
  struct LayerSite {
    const char* suffix;
    SiteRole role;
    bool quantized;
  };
  static const LayerSite kLayerSites[] = {
      {".attention.self.query", R::Query, true},
      {".attention.self.key", R::Key, true},
      {".attention.self.value", R::Value, true},
      {".attention.self.scores", R::Scores, true},
      {".attention.self.probs", R::Probs, true},
      {".attention.self", R::Context, true},
      {".attention.output.dense", R::AttentionOutput, true},
      {".attention.output.LayerNorm.input", R::AttentionResidual, true},
      {".attention.output.LayerNorm", R::AttentionNorm, true},
      {".attention.output", R::Other, false},
      {".attention", R::Other, false},
      {".intermediate.dense", R::FfnHidden, false},
      {".intermediate", R::FfnActivation, true},
      {".output.dense", R::FfnOutput, true},
      {".output.LayerNorm.input", R::FfnResidual, true},
      {".output.LayerNorm", R::BlockOutput, true},
      {".output", R::Other, false},
      {"", R::Other, false},  // the layer: the same tensor as its output.LayerNorm
  };
  for (int64_t i = 0; i < config.layers; ++i)
    for (const LayerSite& site : kLayerSites)
      sites.push_back({layerPrefix(i) + site.suffix, i, site.role, RowMode::PerSample, site.quantized});
  sites.push_back({"bert.encoder", -1, R::Other});
  for (const char* head : {"cls.predictions.transform.dense", "cls.predictions.transform.LayerNorm",
                           "cls.predictions.transform"})
    sites.push_back({head, -1, R::HeadHidden});
  sites.push_back({"cls.predictions.decoder", -1, R::OutputHead});
  return sites;
}

class BertModel : public TransformerModel {
 public:
  BertModel(const ModelConfig& config, const NormalizerSpec& normalizer, GateKind gate, TensorMap weights);
  at::Tensor forward(const ModelInputs& inputs, ForwardHooks* hooks) const override;

 private:
  struct Layer;
  std::vector<Layer> layers_;
};

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

BertModel::BertModel(const ModelConfig& config, const NormalizerSpec& normalizer, GateKind gate, TensorMap weights)
    : TransformerModel(config, normalizer, gate, std::move(weights)) {
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
  x = hiddenDropout(inputs.dropout, tap(hooks, "bert.embeddings", x));

  // Hugging Face: (1 - mask) * finfo(float32).min, broadcast over heads and queries.
  const at::Tensor additiveMask =
      ((1.0 - mask.to(at::kFloat)) * std::numeric_limits<float>::lowest()).view({batch, 1, 1, tokens});
  SelfAttentionOptions options;
  options.heads = config_.heads;
  options.scaling = QueryScaling::ScoresDividedBySqrtHeadDim;
  options.dropout = inputs.dropout;

  for (const Layer& layer : layers_) {
    const at::Tensor context = selfAttention(x, additiveMask, layer.attention, normalizer_, options,
                                             layer.attentionSites, hooks);
    at::Tensor h = tap(hooks, layer.attentionDenseSite,
                       at::linear(context, layer.attentionOutWeight, layer.attentionOutBias));
    h = tap(hooks, layer.attentionNormInputSite, hiddenDropout(inputs.dropout, h) + x);
    h = at::layer_norm(h, {d}, layer.attentionNormWeight, layer.attentionNormBias, eps);
    h = tap(hooks, layer.attentionNormSite, h);
    h = tap(hooks, layer.attentionOutputSite, h);
    const at::Tensor attended = tap(hooks, layer.attentionSite, h);

    at::Tensor f = tap(hooks, layer.intermediateDenseSite,
                       at::linear(attended, layer.intermediateWeight, layer.intermediateBias));
    f = tap(hooks, layer.intermediateSite, at::gelu(f));
    f = tap(hooks, layer.outputDenseSite, at::linear(f, layer.outputWeight, layer.outputBias));
    f = tap(hooks, layer.outputNormInputSite, hiddenDropout(inputs.dropout, f) + attended);
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

}  // namespace

const ModelFamily& bertFamily() {
  static const ModelFamily family = [] {
    using Figure = ProtocolFigure;
    using R = SiteRole;
    ModelFamily f;
    f.name = "bert";
    f.modelType = "bert";
    f.defaultArchitecture = "BertForMaskedLM";
    f.namePrefix = "bert.";
    f.layerPrefix = "bert.encoder.layer.";
    f.task = TaskKind::MaskedLanguageModel;
    f.tokenizer = {TokenizerKind::WordPiece, "", {}};
    f.delimiterTokens = {"[CLS]", "[SEP]", "."};
    f.maskToken = "[MASK]";
    f.unmaskableTokens = {"[CLS]", "[SEP]", "[PAD]"};
    f.gateMarker = ".attention.self.alpha.";
    f.tiedTensors = {{"cls.predictions.decoder.weight", "bert.embeddings.word_embeddings.weight", "MLM decoder"}};
    f.floatWeightPrefixes = {"cls."};
    f.paperClippedGamma = -0.025;
    f.paperGate = GateKind::Mlp;  // 64 -> 16 -> 1 per head
    // The reference evaluation: per layer the FFN output (output.dense) and the block output
    // (output.LayerNorm); the residual sum entering output.LayerNorm counts for the inf-norm only.
    const std::vector<SiteRole> kurtosisModules = {R::FfnOutput, R::BlockOutput};
    f.protocol = {
        {"max_inf_norm",
         "Largest per-module inf-norm (max |x| of a row, averaged over rows) over the FFN outputs (output.dense), "
         "the block outputs (output.LayerNorm) and the residual sums entering output.LayerNorm.",
         Figure::Statistic::InfNorm, Figure::Reduction::Max, {R::FfnOutput, R::BlockOutput, R::FfnResidual}},
        {"max_ffn_inf_norm", "Largest inf-norm of an FFN output (output.dense).", Figure::Statistic::InfNorm,
         Figure::Reduction::Max, {R::FfnOutput}},
        {"max_ln_output_inf_norm", "Largest inf-norm of a block output (output.LayerNorm).",
         Figure::Statistic::InfNorm, Figure::Reduction::Max, {R::BlockOutput}},
        {"max_ln_input_inf_norm", "Largest inf-norm of the residual sum entering output.LayerNorm.",
         Figure::Statistic::InfNorm, Figure::Reduction::Max, {R::FfnResidual}},
        {"avg_kurtosis",
         "Mean of the per-module kurtosis (Pearson, about 3 for a Gaussian) over the 2L FFN outputs "
         "(output.dense) and block outputs (output.LayerNorm).",
         Figure::Statistic::Kurtosis, Figure::Reduction::Mean, kurtosisModules},
        {"max_kurtosis", "Largest per-module kurtosis over the FFN and block outputs.", Figure::Statistic::Kurtosis,
         Figure::Reduction::Max, kurtosisModules},
        {"max_row_kurtosis", "Largest kurtosis of a single row (sequence) over the FFN and block outputs.",
         Figure::Statistic::RowKurtosisMax, Figure::Reduction::Max, kurtosisModules},
    };
    f.parseConfig = parseConfig;
    f.configJson = configJson;
    f.expectedTensors = expectedTensors;
    f.ignoredReason = ignoredReason;
    f.tapSites = tapSites;
    f.create = [](const ModelConfig& config, const NormalizerSpec& normalizer, GateKind gate, TensorMap weights) {
      return std::unique_ptr<TransformerModel>(std::make_unique<BertModel>(config, normalizer, gate, std::move(weights)));
    };
    return f;
  }();
  return family;
}

}  // namespace hopscope
