#include "hopscope/quantization_simulator.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <map>
#include <regex>

#include "hopscope/error.h"
#include "hopscope/quantization_diagnostics.h"
#include "hopscope/range_estimator.h"

namespace hopscope {
namespace {

bool keptFloat(const std::string& name, const std::vector<std::regex>& patterns) {
  for (const std::regex& pattern : patterns)
    if (std::regex_search(name, pattern)) return true;
  return false;
}

}  // namespace

std::vector<std::string> activationQuantizerSites(const TransformerModel& model) {
  std::vector<std::string> sites;
  for (const TapSite& site : model.tapSites())
    if (site.quantized) sites.push_back(site.name);
  return sites;
}

std::vector<std::string> weightQuantizerNames(const TransformerModel& model) {
  // Every Linear weight, LayerNorm gain and embedding table of the body; biases, LayerNorm biases,
  // gates and the family's heads stay float.
  const ModelFamily& family = model.family();
  std::vector<std::string> names;
  for (const auto& [name, tensor] : model.weights().items()) {
    const bool weight = name.size() > 7 && name.compare(name.size() - 7, 7, ".weight") == 0;
    bool head = false;
    for (const std::string& prefix : family.floatWeightPrefixes) head = head || name.rfind(prefix, 0) == 0;
    const bool gate = !family.gateMarker.empty() && name.find(family.gateMarker) != std::string::npos;
    if (weight && !head && !gate) names.push_back(name);
  }
  return names;
}

namespace {

// Layer, role and short label of a quantizer: an activation's own site, or for a weight the
// module it belongs to ("...output.dense.weight" -> "...output.dense").
void describeQuantizer(QuantizerSummary& summary, const TransformerModel& model,
                       const std::map<std::string, TapSite>& sites) {
  std::string module = summary.site;
  if (summary.kind == "weight" && module.size() > 7) module = module.substr(0, module.size() - 7);
  const ModuleName name = describeModule(model.family(), summary.site);
  summary.layer = name.layer;
  summary.shortName = name.shortName;
  const auto found = sites.find(module);
  if (found != sites.end()) summary.role = found->second.role;
}

}  // namespace

struct QuantizationSimulator::Impl : public ForwardHooks {
  QuantizationSettings settings;
  std::unique_ptr<TransformerModel> model;
  std::vector<QuantizerSummary> weightSummaries;
  std::map<std::string, TapSite> sites;

  struct ActivationQuantizer {
    std::string site;
    std::unique_ptr<RangeEstimator> estimator;
    ActivationGrid grid;
    QuantizerDiagnostics diagnostics;
    bool observed = false;
  };
  std::vector<ActivationQuantizer> activations;
  std::map<std::string, size_t> index;
  bool isFrozen = false;
  ForwardHooks* observer = nullptr;

  at::Tensor onActivation(const std::string& site, const at::Tensor& value) override {
    at::Tensor result = value;
    const auto found = index.find(site);
    if (found != index.end()) {
      ActivationQuantizer& quantizer = activations[found->second];
      if (!isFrozen) {
        quantizer.estimator->observe(value);
        const auto [low, high] = quantizer.estimator->range();
        quantizer.grid = gridFor(low, high, settings.activationBits);
        quantizer.observed = true;
        result = fakeQuantizeActivation(value, quantizer.grid);
      } else {
        result = fakeQuantizeAndDiagnose(value, quantizer.grid, quantizer.diagnostics);
      }
    }
    return observer ? observer->onActivation(site, result) : result;
  }
};

QuantizationSimulator::QuantizationSimulator(const TransformerModel& model, const QuantizationSettings& settings)
    : impl_(std::make_unique<Impl>()) {
  impl_->settings = settings;
  std::vector<std::regex> keep;
  for (const std::string& pattern : settings.keepFloat) {
    try {
      keep.emplace_back(pattern);
    } catch (const std::regex_error&) {
      throw Error("--keep-float pattern '" + pattern + "' is not a valid regular expression");
    }
  }
  makeRangeEstimator(settings.estimator, settings.activationBits);  // validates the spec early

  for (const TapSite& site : model.tapSites()) impl_->sites.emplace(site.name, site);
  at::NoGradGuard noGrad;
  TensorMap weights;
  const std::vector<std::string> names = weightQuantizerNames(model);
  for (const auto& [name, tensor] : model.weights().items()) {
    const bool quantize = std::find(names.begin(), names.end(), name) != names.end() && !keptFloat(name, keep);
    if (!quantize) {
      weights.insert(name, tensor);  // shared: tied heads keep the float table
      continue;
    }
    const QuantizedWeight quantized =
        quantizeWeight(tensor, settings.weightBits, settings.weightGranularity, settings.weightRange,
                       settings.weightGrid);
    weights.insert(name, quantized.values);
    QuantizerSummary summary;
    summary.site = name;
    summary.kind = "weight";
    summary.bits = settings.weightBits;
    summary.min = tensor.min().item<double>();
    summary.max = tensor.max().item<double>();
    summary.scale = quantized.scales.max().item<double>();
    summary.unsignedGrid = quantized.unsignedGrid;
    setDiagnosticFigures(summary, diagnose(tensor, quantized));
    describeQuantizer(summary, model, impl_->sites);
    impl_->weightSummaries.push_back(summary);
  }
  if (settings.referenceCompat) {
    if (!model.family().supportsNormAfterSublayer)
      throw Error("the reference-compat quantization mode exists for ViT only (" + model.family().name +
                  " blocks have no such variant)");
    ModelConfig config = model.config();
    config.normAfterSublayer = true;
    impl_->model = model.family().create(config, model.normalizer(), model.gate(), std::move(weights));
    for (const TapSite& site : impl_->model->tapSites()) impl_->sites[site.name] = site;
  } else {
    impl_->model = model.withWeights(std::move(weights));
  }

  for (const std::string& site : activationQuantizerSites(*impl_->model)) {
    if (keptFloat(site, keep)) continue;
    impl_->index.emplace(site, impl_->activations.size());
    Impl::ActivationQuantizer quantizer;
    quantizer.site = site;
    quantizer.estimator = makeRangeEstimator(settings.estimator, settings.activationBits);
    impl_->activations.push_back(std::move(quantizer));
  }
}

QuantizationSimulator::~QuantizationSimulator() = default;

void QuantizationSimulator::calibrate(const ModelInputs& inputs) {
  if (impl_->isFrozen) throw Error("quantization ranges are frozen: calibrate before freeze()");
  at::NoGradGuard noGrad;
  impl_->observer = nullptr;
  impl_->model->forward(inputs, impl_.get());
}

void QuantizationSimulator::freeze() {
  for (const auto& quantizer : impl_->activations)
    if (!quantizer.observed)
      throw Error("activation quantizer '" + quantizer.site + "' saw no calibration data");
  impl_->isFrozen = true;
}

bool QuantizationSimulator::frozen() const { return impl_->isFrozen; }

at::Tensor QuantizationSimulator::forward(const ModelInputs& inputs, ForwardHooks* observer) {
  if (!impl_->isFrozen) throw Error("calibrate and freeze the quantization ranges before evaluating");
  at::NoGradGuard noGrad;
  impl_->observer = observer;
  at::Tensor logits = impl_->model->forward(inputs, impl_.get());
  impl_->observer = nullptr;
  return logits;
}

std::vector<QuantizerSummary> QuantizationSimulator::quantizers() const {
  std::vector<QuantizerSummary> all = impl_->weightSummaries;
  for (const auto& quantizer : impl_->activations) {
    QuantizerSummary summary;
    summary.site = quantizer.site;
    summary.kind = "activation";
    summary.bits = quantizer.grid.bits;
    summary.min = quantizer.grid.min;
    summary.max = quantizer.grid.max;
    summary.scale = quantizer.grid.scale;
    summary.zeroPoint = quantizer.grid.zeroPoint;
    setDiagnosticFigures(summary, quantizer.diagnostics);
    describeQuantizer(summary, *impl_->model, impl_->sites);
    all.push_back(summary);
  }
  return all;
}

std::vector<QuantizerDiagnostics> QuantizationSimulator::activationDiagnostics() const {
  std::vector<QuantizerDiagnostics> all;
  for (const auto& quantizer : impl_->activations) all.push_back(quantizer.diagnostics);
  return all;
}

const TransformerModel& QuantizationSimulator::quantizedModel() const { return *impl_->model; }

}  // namespace hopscope
