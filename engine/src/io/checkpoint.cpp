#include "hopscope/checkpoint.h"

#include <ATen/ATen.h>

#include <filesystem>
#include <sstream>

#include "hopscope/bert_model.h"
#include "hopscope/error.h"
#include "hopscope/opt_model.h"
#include "hopscope/pytorch_bin_reader.h"
#include "hopscope/safetensors.h"

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

CheckpointFiles locateCheckpoint(const std::string& path) {
  CheckpointFiles files;
  std::error_code ec;
  if (!fs::exists(path, ec)) throw Error(path + ": no such file or folder");
  if (fs::is_directory(path, ec)) {
    files.directory = path;
    const fs::path safetensors = fs::path(path) / "model.safetensors";
    const fs::path bin = fs::path(path) / "pytorch_model.bin";
    if (fs::exists(safetensors, ec)) {
      files.weightsPath = safetensors.string();
      files.format = "safetensors";
    } else if (fs::exists(bin, ec)) {
      files.weightsPath = bin.string();
      files.format = "pytorch_model.bin";
    } else {
      throw Error(path + ": no model.safetensors or pytorch_model.bin in this folder "
                  "(sharded checkpoints are not supported yet)");
    }
  } else {
    files.directory = fs::path(path).parent_path().string();
    if (files.directory.empty()) files.directory = ".";
    files.weightsPath = path;
    const std::string extension = fs::path(path).extension().string();
    if (extension == ".safetensors")
      files.format = "safetensors";
    else if (extension == ".bin" || extension == ".pt" || extension == ".pth")
      files.format = "pytorch_model.bin";
    else
      throw Error(path + ": not a checkpoint (expected a folder, a .safetensors or a .bin file)");
  }
  files.configPath = (fs::path(files.directory) / "config.json").string();
  if (!fs::exists(files.configPath, ec))
    throw Error(files.configPath + ": missing (a checkpoint needs its Hugging Face config.json)");
  return files;
}

Checkpoint readCheckpoint(const std::string& path, const JobControl& job) {
  Checkpoint checkpoint;
  checkpoint.files = locateCheckpoint(path);
  job.report(0.05, "reading config.json");
  checkpoint.config = readModelConfig(checkpoint.files.configPath);
  job.checkCancelled();
  job.report(0.1, "reading " + fs::path(checkpoint.files.weightsPath).filename().string());
  if (checkpoint.files.format == "safetensors")
    checkpoint.tensors = readSafetensors(checkpoint.files.weightsPath).tensors;
  else
    checkpoint.tensors = readPytorchBin(checkpoint.files.weightsPath);
  job.checkCancelled();
  return checkpoint;
}

namespace {

bool startsWith(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

// Tensors a family's checkpoints may carry that the forward does not use.
std::string ignoredReason(const std::string& name, ModelFamily family) {
  if (family == ModelFamily::Bert) {
    if (name == "bert.embeddings.position_ids") return "position ids buffer";
    if (name == "cls.predictions.decoder.bias") return "copy of cls.predictions.bias";
    if (startsWith(name, "bert.pooler.")) return "pooler (not used by the masked-LM head)";
    if (startsWith(name, "cls.seq_relationship.")) return "next-sentence head";
  }
  if (family == ModelFamily::Opt && name == "model.decoder.version") return "version buffer";
  return "";
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
void tieHead(TensorMap& weights, const std::string& head, const std::string& embeddings,
             const std::string& label, std::vector<std::string>& notes) {
  const at::Tensor& table = weights.at(embeddings);
  if (const at::Tensor* present = weights.find(head)) {
    if (!at::equal(*present, table)) return;  // an untied head of its own
    weights.erase(head);
  }
  weights.insert(head, table);
  notes.push_back(label + " tied to " + embeddings);
}

}  // namespace

GateKind detectGate(const TensorMap& tensors, ModelFamily family) {
  const std::string marker = family == ModelFamily::Bert ? ".attention.self.alpha." : ".self_attn.alpha.";
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
      throw Error("gate tensor '" + name + "' has an unknown layout (expected alpha.{h}.weight for a "
                  "linear gate or alpha.{h}.0.weight / .2.weight for an mlp gate)");
  }
  if (linear && mlp) throw Error("checkpoint mixes linear and mlp gate tensors");
  return mlp ? GateKind::Mlp : linear ? GateKind::Linear : GateKind::None;
}

BuiltModel buildModel(const Checkpoint& checkpoint, const NormalizerSpec& normalizer) {
  const ModelConfig& config = checkpoint.config;
  const std::string& source = checkpoint.files.weightsPath;
  const GateKind gate = detectGate(checkpoint.tensors, config.family);
  const std::vector<ExpectedTensor> expected = config.family == ModelFamily::Bert
                                                   ? BertModel::expectedTensors(config, gate)
                                                   : OptModel::expectedTensors(config, gate);
  BuiltModel built;
  TensorMap weights;
  std::vector<std::string> missing, mismatched, unexpected;
  for (const ExpectedTensor& spec : expected) {
    const at::Tensor* found = checkpoint.tensors.find(spec.name);
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
    weights.insert(spec.name, value);
  }
  for (const auto& [name, tensor] : checkpoint.tensors.items()) {
    bool known = false;
    for (const ExpectedTensor& spec : expected) known = known || spec.name == name;
    if (known) continue;
    const std::string reason = ignoredReason(name, config.family);
    if (reason.empty())
      unexpected.push_back(name);
    else
      built.notes.push_back("ignored " + name + " (" + reason + ")");
  }
  if (!missing.empty() || !mismatched.empty() || !unexpected.empty()) {
    std::string message = source + ": tensors do not fit " + checkpoint.files.configPath + " (" +
                          familyName(config.family) + ", " + std::to_string(config.layers) +
                          " layers, hidden " + std::to_string(config.hiddenSize) + ", gate " +
                          gateKindName(gate) + ")";
    if (!mismatched.empty()) message += "; wrong shape: " + listSome(mismatched);
    if (!missing.empty()) message += "; missing: " + listSome(missing);
    if (!unexpected.empty()) message += "; unexpected: " + listSome(unexpected);
    throw Error(message);
  }

  if (config.family == ModelFamily::Bert) {
    tieHead(weights, "cls.predictions.decoder.weight", "bert.embeddings.word_embeddings.weight",
            "MLM decoder", built.notes);
    built.model = std::make_unique<BertModel>(config, normalizer, gate, std::move(weights));
  } else {
    tieHead(weights, "lm_head.weight", "model.decoder.embed_tokens.weight", "lm_head", built.notes);
    built.model = std::make_unique<OptModel>(config, normalizer, gate, std::move(weights));
  }
  return built;
}

}  // namespace hopscope
