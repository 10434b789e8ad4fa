// Benchmark (not a test) on a BERT-base-sized random model (12 layers x 768, seq 128), same process,
// same batches: (1) the outlier analysis pass with every statistic on against the plain forward;
// (2) the W8A8 quantized forward against the plain forward (calibration not timed); medians and
// ratios. Then the peak resident memory after analysing N samples, so running it with --samples 64
// and --samples 1024 shows whether memory stays flat.
//
//   analysis_bench [--samples N] [--repeats R] [--batch B] [--threads T]
#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "hopscope/evaluation_task.h"
#include "hopscope/loaded_model.h"
#include "hopscope/model_family.h"
#include "hopscope/outlier_analysis.h"
#include "hopscope/quantized_evaluation.h"
#include "hopscope/runtime.h"
#include "hopscope/safetensors.h"

using namespace hopscope;
namespace fs = std::filesystem;

namespace {

double medianOf(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

long peakResidentKiB() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

// A BERT-base-shaped checkpoint folder with random weights and the real bert-base-uncased vocab.
fs::path writeRandomBertBase() {
  const fs::path folder = fs::temp_directory_path() / "hopscope-bench-bert-base";
  fs::create_directories(folder);
  ModelConfig config;
  config.family = findFamily("bert");
  config.vocabSize = 30522;
  config.hiddenSize = 768;
  config.layers = 12;
  config.heads = 12;
  config.intermediateSize = 3072;
  config.maxPositions = 512;
  config.typeVocabSize = 2;
  at::manual_seed(0);
  TensorMap weights;
  for (const ExpectedTensor& spec : config.family->expectedTensors(config, GateKind::None)) {
    if (spec.optional) continue;
    const bool norm = spec.name.find("LayerNorm.weight") != std::string::npos;
    weights.insert(spec.name, norm ? at::ones(spec.shape) : at::randn(spec.shape) * 0.02);
  }
  writeSafetensors((folder / "model.safetensors").string(), weights);
  nlohmann::json json = {{"model_type", "bert"}, {"vocab_size", 30522}, {"hidden_size", 768},
                         {"num_hidden_layers", 12}, {"num_attention_heads", 12}, {"intermediate_size", 3072}};
  std::ofstream(folder / "config.json") << json.dump();
  fs::copy_file(std::string(HOPSCOPE_RESOURCES_DIR) + "/tokenizers/bert-base-uncased/vocab.txt",
                folder / "vocab.txt", fs::copy_options::overwrite_existing);
  return folder;
}

template <typename Work>
double seconds(Work work) {
  const auto start = std::chrono::steady_clock::now();
  work();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  int64_t samples = 64, repeats = 5, batch = 8;
  int threads = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const int64_t value = std::stoll(argv[i + 1]);
    if (flag == "--samples") samples = value;
    else if (flag == "--repeats") repeats = value;
    else if (flag == "--batch") batch = value;
    else if (flag == "--threads") threads = static_cast<int>(value);
  }
  std::printf("threads %d\n", configureThreads(threads));
  const fs::path folder = writeRandomBertBase();
  const auto model = LoadedModel::open(folder.string());
  const int64_t seqLen = 128;
  const at::Tensor ids = at::randint(1000, 30000, {batch, seqLen}, at::kLong);

  AnalysisSettings settings;
  settings.batch = batch;
  settings.seqLen = seqLen;
  std::vector<double> plain, analysis;
  at::NoGradGuard noGrad;
  ModelInputs inputs;
  inputs.inputIds = ids;
  model->model().forward(inputs);  // warm-up
  analyzeBlocks(*model, ids, settings);
  for (int64_t r = 0; r < repeats; ++r) {
    plain.push_back(seconds([&] { model->model().forward(inputs); }));
    analysis.push_back(seconds([&] { analyzeBlocks(*model, ids, settings); }));
  }
  const double plainMedian = medianOf(plain), analysisMedian = medianOf(analysis);
  std::printf("batch %lld x %lld tokens, %lld repeats\n", static_cast<long long>(batch),
              static_cast<long long>(seqLen), static_cast<long long>(repeats));
  std::printf("plain forward   median %.3f s\n", plainMedian);
  std::printf("analysis pass   median %.3f s (every module statistic, attention heads, masking, perplexity)\n",
              analysisMedian);
  std::printf("ratio           %.2fx\n", analysisMedian / plainMedian);

  // Quantized evaluation against float evaluation on the same blocks and masks.
  const EvaluationTask task(*model, settings);
  QuantizationSimulator simulator(model->model(), QuantizationSettings{});
  calibrateSimulator(simulator, task, ids);
  std::vector<double> quantizedTimes;
  for (int64_t r = 0; r < repeats; ++r) quantizedTimes.push_back(seconds([&] { simulator.forward(inputs); }));
  std::printf("W8A8 forward    median %.3f s (weights pre-quantized; every activation quantizer with "
              "its diagnostics)\n", medianOf(quantizedTimes));
  std::printf("ratio           %.2fx\n", medianOf(quantizedTimes) / plainMedian);

  const long before = peakResidentKiB();
  const at::Tensor many = at::randint(1000, 30000, {samples, seqLen}, at::kLong);
  const double elapsed = seconds([&] { analyzeBlocks(*model, many, settings); });
  std::printf("analysed %lld samples in %.1f s; peak RSS %.0f MiB (before %.0f MiB)\n",
              static_cast<long long>(samples), elapsed, peakResidentKiB() / 1024.0, before / 1024.0);
  fs::remove_all(folder);
  return 0;
}
