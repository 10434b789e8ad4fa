#pragma once
// The family registry (the llama-arch pattern): everything family-specific is declared in one file
// per family under engine/src/models/ (config keys, expected / ignored / tied tensors, gate tensors,
// the factory, the tokenizer, the task, the roles of the tap sites and the outlier protocol).
// Nothing outside those files names a family: code asks the model's family for what it needs.
#include <nlohmann/json_fwd.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "hopscope/attention_gate.h"
#include "hopscope/normalizer_spec.h"
#include "hopscope/tap_site.h"
#include "hopscope/tokenizer_files.h"

namespace hopscope {

class ConfigReader;
class TensorMap;
class TransformerModel;
struct ModelConfig;

// What the model's outputs are scored against (evaluation_task.h).
enum class TaskKind { MaskedLanguageModel, CausalLanguageModel, ImageClassification };
std::string taskName(TaskKind task);  // "masked_lm" | "causal_lm" | "image_classification"

// A tensor a family expects in a checkpoint.
struct ExpectedTensor {
  std::string name;
  std::vector<int64_t> shape;
  bool optional = false;  // e.g. tied heads that checkpoints may omit
};

// An output head tied to an input table: filled in from `source` when absent; when present and
// equal to it, it shares the source's tensor (so it is counted and stored once).
struct TiedTensor {
  std::string tensor, source;
  std::string label;  // for the note: "<label> tied to <source>"
};

// One figure of the outlier protocol (science.md section 5): a statistic of the modules whose role
// is listed, reduced over those modules.
struct ProtocolFigure {
  enum class Statistic { Kurtosis, RowKurtosisMax, InfNorm };
  enum class Reduction { Max, Mean };
  std::string name;         // JSON key, e.g. "max_inf_norm"
  std::string description;  // one sentence for tooltips and reports
  Statistic statistic = Statistic::Kurtosis;
  Reduction reduction = Reduction::Max;
  std::vector<SiteRole> roles;
};

struct ModelFamily {
  std::string name;                 // in results and JSON, e.g. "bert"
  std::string modelType;            // config.json "model_type" it reads
  std::string defaultArchitecture;  // when config.json has no "architectures"
  std::string namePrefix;           // stripped from module names in short labels, e.g. "bert."
  std::string layerPrefix;          // module names of layer i start with layerPrefix + i + "."
  TaskKind task = TaskKind::MaskedLanguageModel;
  TokenizerSpec tokenizer;
  std::vector<std::string> delimiterTokens;   // counted by the attention-head statistics
  std::string maskToken;                      // masked LM: the replacement token
  std::vector<std::string> unmaskableTokens;  // masked LM: never selected for masking
  std::string gateMarker;                     // in gate tensor names: "<attention>" + marker + "{h}..."
  std::vector<TiedTensor> tiedTensors;
  std::vector<std::string> floatWeightPrefixes;  // weights kept in float by W8A8 (task heads)
  std::vector<ProtocolFigure> protocol;
  // The baselines as the papers configured them for this family (science.md sections 2 and 3): the
  // clipped softmax's gamma (zeta 1) and the kind of gate.
  double paperClippedGamma = -0.025;
  GateKind paperGate = GateKind::Linear;
  // The family's forward can run the reference's norm-after-sublayer block (ModelConfig::normAfterSublayer).
  bool supportsNormAfterSublayer = false;

  // Reads the family's config.json keys into `config` (ModelConfig's common fields); Error naming
  // the key on a bad or unsupported value.
  std::function<void(const ConfigReader& read, ModelConfig& config)> parseConfig;
  // Optional: true for a config.json without "model_type" that this family reads (e.g. timm's
  // {"architecture": "vit_small_patch16_224", ...}).
  std::function<bool(const nlohmann::json& config)> readsUntypedConfig;
  // Optional: maps a checkpoint's tensors to the names the family's forward uses (e.g. timm ViT
  // names to Hugging Face ones) before they are checked; may add notes for the user.
  std::function<TensorMap(const TensorMap& tensors, std::vector<std::string>& notes)> canonicalTensors;
  // The config.json keys of a config (parseConfig's inverse), for checkpoints hopscope writes.
  std::function<nlohmann::json(const ModelConfig& config)> configJson;
  std::function<std::vector<ExpectedTensor>(const ModelConfig& config, GateKind gate)> expectedTensors;
  // Why a checkpoint tensor the forward does not use may be ignored; empty: it may not.
  std::function<std::string(const std::string& tensor)> ignoredReason;
  // Every tap site of the forward, in forward order.
  std::function<std::vector<TapSite>(const ModelConfig& config)> tapSites;
  // weights: float32, names and shapes checked, tied tensors filled in.
  std::function<std::unique_ptr<TransformerModel>(const ModelConfig& config, const NormalizerSpec& normalizer,
                                                  GateKind gate, TensorMap weights)>
      create;
};

// Every registered family, in registration order.
const std::vector<const ModelFamily*>& modelFamilies();
// The family reading this config.json model_type; Error naming `source` and the supported types.
const ModelFamily& familyForModelType(const std::string& modelType, const std::string& source);
// The family of this name, or nullptr.
const ModelFamily* findFamily(const std::string& name);

// Layer index and a short label of a module or tensor name: "bert.encoder.layer.3.output.dense"
// -> {3, "L3 output.dense"}, a layer itself -> {1, "L1"}, "model.decoder.final_layer_norm" ->
// {-1, "final_layer_norm"}.
struct ModuleName {
  int64_t layer = -1;
  std::string shortName;
};
ModuleName describeModule(const ModelFamily& family, const std::string& name);

}  // namespace hopscope
