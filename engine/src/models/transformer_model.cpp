#include "hopscope/transformer_model.h"

#include <set>

namespace hopscope {

TransformerModel::TransformerModel(ModelConfig config, NormalizerSpec normalizer, GateKind gate, TensorMap weights)
    : config_(std::move(config)), normalizer_(normalizer), gate_(gate), weights_(std::move(weights)) {}

TransformerModel::~TransformerModel() = default;

c10::Device TransformerModel::device() const {
  for (const auto& [name, tensor] : weights_.items()) return tensor.device();
  return c10::Device(c10::kCPU);
}

std::vector<std::string> TransformerModel::attentionModules() const {
  static const std::string suffix = ".probs";
  std::vector<std::string> modules;
  for (const TapSite& site : tapSites())
    if (site.role == SiteRole::Probs && site.name.size() > suffix.size())
      modules.push_back(site.name.substr(0, site.name.size() - suffix.size()));
  return modules;
}

std::unique_ptr<TransformerModel> TransformerModel::withWeights(TensorMap weights) const {
  return family().create(config_, normalizer_, gate_, std::move(weights));
}

int64_t TransformerModel::parameterCount() const {
  // Tied tensors appear under two names but share storage: count each storage once.
  std::set<const void*> seen;
  int64_t count = 0;
  for (const auto& [name, tensor] : weights().items())
    if (seen.insert(tensor.data_ptr()).second) count += tensor.numel();
  return count;
}

}  // namespace hopscope
