#include "hopscope/model_builder.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Context.h>
#include <ATen/core/grad_mode.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <sstream>

#include "hopscope/error.h"
#include "hopscope/message_text.h"

namespace hopscope {
namespace fs = std::filesystem;

ModelArgument parseModelArgument(const std::string& argument) {
  ModelArgument result;
  result.path = argument;
  const size_t at = argument.rfind('@');
  std::error_code ec;
  // Split when the suffix names a normalizer, or when the prefix is an existing checkpoint (so a
  // misspelt normalizer gets the normalizer's error, not "no such file").
  if (at != std::string::npos &&
      (looksLikeNormalizer(argument.substr(at + 1)) || fs::exists(argument.substr(0, at), ec))) {
    result.path = argument.substr(0, at);
    result.normalizer = parseNormalizer(argument.substr(at + 1));
  }
  if (result.path.empty()) throw Error("model argument '" + argument + "' has an empty path");
  return result;
}

namespace {

bool startsWith(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

std::string shapeText(at::IntArrayRef shape) {
  std::ostringstream out;
  out << "[";
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << "]";
  return out.str();
}

std::string listSome(const std::vector<std::string>& names) {
  std::string text;
  const size_t shown = std::min<size_t>(names.size(), 8);
  for (size_t i = 0; i < shown; ++i) text += (i ? ", " : "") + names[i];
  if (names.size() > shown) text += " and " + std::to_string(names.size() - shown) + " more";
  return text;
}

// Output heads tied to the input embeddings: absent ones are filled in, present ones equal to the
// embeddings share its tensor (so they are counted and stored once).
void tieHead(TensorMap& weights, const TiedTensor& tied, std::vector<std::string>& notes) {
  const at::Tensor table = weights.at(tied.source);
  if (const at::Tensor* present = weights.find(tied.tensor)) {
    if (!at::equal(*present, table)) return;  // an untied head of its own
    weights.erase(tied.tensor);
  }
  weights.insert(tied.tensor, table);
  notes.push_back(tied.label + " tied to " + tied.source);
}

}  // namespace

GateKind detectGate(const TensorMap& tensors, const ModelFamily& family) {
  const std::string& marker = family.gateMarker;
  bool linear = false, mlp = false;
  for (const auto& [name, tensor] : tensors.items()) {
    const size_t at = name.find(marker);
    if (at == std::string::npos) continue;
    // After "alpha.{h}." comes "weight"/"bias" (linear) or "0.weight"/"2.bias" (mlp).
    const std::string rest = name.substr(at + marker.size());
    const size_t dot = rest.find('.');
    const std::string tail = dot == std::string::npos ? "" : rest.substr(dot + 1);
    if (tail == "weight" || tail == "bias")
      linear = true;
    else if (startsWith(tail, "0.") || startsWith(tail, "2."))
      mlp = true;
    else
      throw Error("gate tensor '" + printable(name) + "' has an unknown layout (expected alpha.{h}.weight for a "
                  "linear gate or alpha.{h}.0.weight / .2.weight for an mlp gate)");
  }
  if (linear && mlp) throw Error("checkpoint mixes linear and mlp gate tensors");
  return mlp ? GateKind::Mlp : linear ? GateKind::Linear : GateKind::None;
}

BuiltModel buildModel(const Checkpoint& checkpoint, const NormalizerSpec& normalizer) {
  return buildModel(checkpoint, parseModelConfig(checkpoint.config, checkpoint.files.configPath), normalizer);
}

BuiltModel buildModel(const Checkpoint& checkpoint, const ModelConfig& config, const NormalizerSpec& normalizer,
                      c10::Device device) {
  const ModelFamily& family = *config.family;
  const std::string& source = checkpoint.files.weightsPath;
  BuiltModel built;
  // A family reading several layouts maps them to the names its forward uses first (vit.cpp: timm).
  TensorMap canonical;
  if (family.canonicalTensors) {
    try {
      canonical = family.canonicalTensors(checkpoint.tensors, built.notes);
    } catch (const Error& error) {
      throw Error(source + ": " + error.what());
    }
  }
  const TensorMap& tensors = family.canonicalTensors ? canonical : checkpoint.tensors;
  const GateKind gate = detectGate(tensors, family);
  const std::vector<ExpectedTensor> expected = family.expectedTensors(config, gate);
  TensorMap weights;
  std::vector<std::string> missing, mismatched, unexpected;
  for (const ExpectedTensor& spec : expected) {
    const at::Tensor* found = tensors.find(spec.name);
    if (!found) {
      if (!spec.optional) missing.push_back(spec.name);
      continue;
    }
    if (found->sizes() != at::IntArrayRef(spec.shape)) {
      mismatched.push_back(spec.name + " expected " + shapeText(spec.shape) + " found " +
                           shapeText(found->sizes()));
      continue;
    }
    if (!at::isFloatingType(found->scalar_type()))
      throw Error(source + ": tensor '" + spec.name + "' has integer dtype " +
                  std::string(c10::toString(found->scalar_type())) + "; weights must be floating point");
    at::Tensor value = found->to(at::kFloat).contiguous();
    if (value.data_ptr() == found->data_ptr()) value = value.clone();  // own it: no file mapping kept
    const int64_t bad = value.numel() - at::isfinite(value).sum().item<int64_t>();
    if (bad > 0)
      throw Error(source + ": tensor '" + spec.name + "' contains " + std::to_string(bad) +
                  " NaN or infinite values");
    weights.insert(spec.name, value.to(device));
  }
  for (const auto& [name, tensor] : tensors.items()) {
    bool known = false;
    for (const ExpectedTensor& spec : expected) known = known || spec.name == name;
    if (known) continue;
    const std::string reason = family.ignoredReason(name);
    if (reason.empty())
      unexpected.push_back(name);
    else
      built.notes.push_back("ignored " + name + " (" + reason + ")");
  }
  if (!missing.empty() || !mismatched.empty() || !unexpected.empty()) {
    std::string message = source + ": tensors do not fit " + checkpoint.files.configPath + " (" +
                          family.name + ", " + std::to_string(config.layers) +
                          " layers, hidden " + std::to_string(config.hiddenSize) + ", gate " +
                          gateKindName(gate) + ")";
    if (!mismatched.empty()) message += "; wrong shape: " + listSome(mismatched);
    if (!missing.empty()) message += "; missing: " + listSome(missing);
    if (!unexpected.empty()) message += "; unexpected: " + listSome(unexpected);
    throw Error(message);
  }

  for (const TiedTensor& tied : family.tiedTensors) tieHead(weights, tied, built.notes);
  built.model = family.create(config, normalizer, gate, std::move(weights));
  return built;
}

TensorMap initialWeights(const ModelConfig& config, GateKind gate, uint64_t seed) {
  const ModelFamily& family = *config.family;
  at::Generator generator = at::detail::createCPUGenerator(seed);
  auto isTied = [&](const std::string& name) {
    for (const TiedTensor& tied : family.tiedTensors)
      if (tied.tensor == name) return true;
    return false;
  };
  auto endsWith = [](const std::string& text, const std::string& suffix) {
    return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  TensorMap weights;
  at::NoGradGuard noGrad;
  for (const ExpectedTensor& spec : family.expectedTensors(config, gate)) {
    if (isTied(spec.name)) continue;
    at::Tensor value = at::empty(spec.shape, at::kFloat);
    const size_t marker = family.gateMarker.empty() ? std::string::npos : spec.name.find(family.gateMarker);
    if (marker != std::string::npos) {
      // PyTorch's nn.Linear default: weight and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
      const std::string weightName = endsWith(spec.name, ".bias") ? spec.name.substr(0, spec.name.size() - 5) + ".weight"
                                                                   : spec.name;
      int64_t fanIn = spec.shape.size() == 2 ? spec.shape[1] : 1;
      for (const ExpectedTensor& other : family.expectedTensors(config, gate))
        if (other.name == weightName && other.shape.size() == 2) fanIn = other.shape[1];
      const double bound = 1.0 / std::sqrt(static_cast<double>(fanIn));
      value.uniform_(-bound, bound, generator);
      // A linear gate starts open by a quarter: sigmoid(bias) = 0.25.
      const std::string tail = spec.name.substr(marker + family.gateMarker.size());
      if (gate == GateKind::Linear && endsWith(tail, ".bias")) value.fill_(std::log(0.25 / 0.75));
    } else if (endsWith(spec.name, ".bias")) {
      value.zero_();
    } else if (spec.shape.size() == 1) {
      value.fill_(1.0);  // a LayerNorm gain
    } else {
      value.normal_(0.0, 0.02, generator);
    }
    weights.insert(spec.name, value);
  }
  return weights;
}

nlohmann::json checkpointConfigJson(const ModelConfig& config, const NormalizerSpec& normalizer,
                                    const nlohmann::json& extra) {
  nlohmann::json json = config.family->configJson(config);
  json["model_type"] = config.family->modelType;
  json["architectures"] = {config.architecture.empty() ? config.family->defaultArchitecture : config.architecture};
  nlohmann::json hopscope = extra.is_object() ? extra : nlohmann::json::object();
  hopscope["normalizer"] = normalizer.toString();
  json["hopscope"] = hopscope;
  return json;
}

c10::Device parseDevice(const std::string& name) {
  std::optional<c10::Device> device;
  try {
    device = c10::Device(name);
  } catch (const std::exception&) {
    throw Error("device '" + name + "' is not a device name (expected cpu, cuda or cuda:N)");
  }
  if (device->is_cuda() && !at::hasCUDA())
    throw Error("device '" + name + "': this LibTorch build has no CUDA support or no GPU is present");
  if (!device->is_cpu() && !device->is_cuda())
    throw Error("device '" + name + "' is not supported (expected cpu, cuda or cuda:N)");
  return *device;
}

}  // namespace hopscope
