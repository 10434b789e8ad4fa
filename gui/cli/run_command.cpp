#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <memory>

#include "commands.h"
#include "hopscope/bundled_resources.h"
#include "hopscope/error.h"
#include "hopscope/loaded_model.h"
#include "hopscope/result_json.h"
#include "hopscope/evaluation_task.h"
#include "hopscope/quantized_evaluation.h"
#include "hopscope/safetensors.h"
#include "hopscope/text_corpus.h"
#include "hopscope/text_run_override.h"
#include "cli_output.h"
#include "hopscope/quantization_simulator.h"
#include "image_file.h"
#include "image_inputs.h"
#include "progress_bar.h"

namespace hopscope::cli {
namespace {

// "w8a8" -> weight and activation bits.
QuantizationSettings parseQuantSpec(const std::string& spec) {
  int weightBits = 0, activationBits = 0;
  char tail = 0;
  if (std::sscanf(spec.c_str(), "w%da%d%c", &weightBits, &activationBits, &tail) != 2 || weightBits < 2 ||
      weightBits > 16 || activationBits < 2 || activationBits > 16)
    throw Error("--quant '" + spec + "': expected wXaY with bit widths from 2 to 16, e.g. w8a8");
  QuantizationSettings settings;
  settings.weightBits = weightBits;
  settings.activationBits = activationBits;
  return settings;
}

// Calibrated like `quantize` does: the model's evaluation task over calibration blocks.
template <typename Options>
std::unique_ptr<QuantizationSimulator> calibratedSimulator(const LoadedModel& model, const Options& options,
                                                           const JobControl& job) {
  QuantizationSettings settings = parseQuantSpec(options.quant);
  settings.estimator = options.estimator;
  const std::string calib = options.calib.empty() ? requireBundledFile(kBundledTrainText, "--calib") : options.calib;
  EvaluationSettings evaluation;
  evaluation.seqLen = options.calibSeqLen > 0 ? options.calibSeqLen : defaultSequenceLength(model.info());
  evaluation.batch = options.calibBatch;
  const EvaluationTask task(model, evaluation);
  const at::Tensor blocks = task.makeBlocks(readTextCorpus(calib), options.calibBatches * evaluation.batch);
  auto simulator = std::make_unique<QuantizationSimulator>(model.model(), settings);
  calibrateSimulator(*simulator, task, blocks, job);
  return simulator;
}

// `run --image`: one image through an image classifier (optionally quantized, calibrated on
// --calib-images), top-k classes on stdout and in the JSON, activations in the dump.
template <typename Options>
void runImage(const Options& options) {
  std::shared_ptr<LoadedModel> model;
  ImageRunResult result;
  TensorMap activations;
  std::unique_ptr<QuantizationSimulator> simulator;
  TextRunOverride quantized;
  {
    ProgressBar bar;
    model = LoadedModel::open(options.model, bar.job(), deviceName());
    if (model->info().imageSize == 0)
      throw Error(model->info().name + " is a text model: give it --text, not --image");
    const DecodedImage image = decodeImageFile(options.image);
    if (!options.quant.empty()) {
      if (options.calibImages.empty())
        throw Error("--quant with --image needs --calib-images (an idx file or an image folder) to calibrate on");
      QuantizationSettings settings = parseQuantSpec(options.quant);
      settings.estimator = options.estimator;
      EvaluationSettings evaluation;
      evaluation.batch = options.calibBatch;
      const EvaluationTask task(*model, evaluation);
      const LoadedImages calibration =
          loadImages(options.calibImages, options.calibLabels, *model, 0, options.calibBatches * options.calibBatch);
      simulator = std::make_unique<QuantizationSimulator>(model->model(), settings);
      calibrateSimulator(*simulator, task, calibration.data, bar.job());
      quantized.forward = [&](const ModelInputs& inputs, ForwardHooks* hooks) { return simulator->forward(inputs, hooks); };
    }
    result = model->runImage(image, options.topK, bar.job(), options.dump.empty() ? nullptr : &activations,
                             simulator ? &quantized : nullptr);
  }
  std::cout << model->info().name << ": " << options.image << " (" << result.gridHeight << " x " << result.gridWidth
            << " patches)\n";
  nlohmann::json top = nlohmann::json::array();
  for (const ClassPrediction& prediction : result.top) {
    std::cout << "  " << std::setw(4) << prediction.label << " " << std::left << std::setw(24) << prediction.name
              << std::right << " " << std::fixed << std::setprecision(4) << prediction.probability << "\n";
    top.push_back({{"label", prediction.label}, {"name", prediction.name}, {"probability", prediction.probability}});
  }
  if (!options.json.empty())
    writeJsonFile(options.json, {{"model", modelInfoJson(model->info())},
                                 {"image", options.image},
                                 {"grid", {result.gridHeight, result.gridWidth}},
                                 {"predictions", top}});
  if (!options.dump.empty()) {
    writeSafetensors(options.dump, activations,
                     {{"model", model->info().argument},
                      {"normalizer", model->info().normalizer},
                      {"image", options.image},
                      {"quantization", options.quant.empty() ? "none" : options.quant}});
    std::cout << "wrote " << activations.size() << " tensors to " << options.dump << "\n";
  }
}

}  // namespace

void addRunCommand(CLI::App& app) {
  struct Options {
    std::string model, text, image, dump, json, quant, calib, calibImages, calibLabels, estimator = "running";
    int topK = 5;
    int64_t calibBatches = 4, calibBatch = 8, calibSeqLen = 0;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand("run", "Run one input through a model.");
  command->add_option("MODEL", options->model, "PATH[@NORMALIZER]: checkpoint folder or file")->required();
  CLI::Option* text = command->add_option("--text", options->text, "Text to tokenize and run (text models)");
  CLI::Option* image = command->add_option("--image", options->image,
                                           "PNG or JPEG image to classify (image models: ViT); top --top-k classes");
  text->excludes(image);
  command->add_option("--calib-images", options->calibImages,
                      "Calibration images for --quant with --image: an idx file or an image folder");
  command->add_option("--calib-labels", options->calibLabels, "idx label file for --calib-images (not needed)");
  command->add_option("--dump", options->dump,
                      "Write logits and every tapped activation (Hugging Face module paths; "
                      "attention probabilities as <module>.probs [batch, heads, query, key]) to "
                      "this .safetensors file");
  command->add_option("--json", options->json,
                      "Write {ids, tokens, display_tokens, predictions} to this JSON file");
  command->add_option("--top-k", options->topK, "Predictions kept per position")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  command->add_option("--quant", options->quant,
                      "Run the simulated quantized model instead: wXaY, e.g. w8a8 (the reference protocol; "
                      "calibrated on --calib)");
  command->add_option("--calib", options->calib, "Calibration text for --quant (file or folder of .txt); " + bundledDefaultNote(kBundledTrainText));
  command->add_option("--calib-batches", options->calibBatches, "Calibration batches for --quant")
      ->check(CLI::PositiveNumber)->capture_default_str();
  command->add_option("--calib-batch", options->calibBatch, "Calibration blocks per batch for --quant")
      ->check(CLI::PositiveNumber)->capture_default_str();
  command->add_option("--calib-seq-len", options->calibSeqLen,
                      "Tokens per calibration block for --quant (default: 128, or the model's position table "
                      "if shorter)")
      ->check(CLI::PositiveNumber);
  command->add_option("--estimator", options->estimator, "Activation range estimator for --quant")
      ->capture_default_str();
  command->callback([options, text, image] {
    if ((text->count() > 0) == (image->count() > 0)) throw CLI::ValidationError("run", "give --text or --image");
    if (!options->image.empty()) return runImage(*options);
    std::shared_ptr<LoadedModel> model;
    TextRunResult result;
    TensorMap activations;
    std::unique_ptr<QuantizationSimulator> simulator;
    TextRunOverride quantized;
    {
      ProgressBar bar;
      model = LoadedModel::open(options->model, bar.job(), deviceName());
      if (!options->quant.empty()) {
        simulator = calibratedSimulator(*model, *options, bar.job());
        quantized.forward = [&](const ModelInputs& inputs, ForwardHooks* hooks) {
          return simulator->forward(inputs, hooks);
        };
      }
      result = model->runText(options->text, options->topK, bar.job(),
                              options->dump.empty() ? nullptr : &activations,
                              simulator ? &quantized : nullptr);
    }
    std::cout << model->info().name << ": " << result.ids.size() << " tokens\n";
    for (size_t i = 0; i < result.ids.size(); ++i)
      std::cout << (i ? " " : "  ") << result.displayTokens[i];
    std::cout << "\n";
    nlohmann::json predictions = nlohmann::json::array();
    for (const TokenPrediction& prediction : result.predictions) {
      nlohmann::json top = nlohmann::json::array();
      for (size_t j = 0; j < prediction.ids.size(); ++j)
        top.push_back({{"id", prediction.ids[j]},
                       {"token", prediction.tokens[j]},
                       {"probability", prediction.probabilities[j]}});
      predictions.push_back({{"position", prediction.position},
                             {"input_token", result.displayTokens[prediction.position]},
                             {"top", top}});
    }
    // The first few predictions on stdout; all of them in the JSON.
    const size_t shown = std::min<size_t>(result.predictions.size(), 12);
    for (size_t i = 0; i < shown; ++i) {
      const TokenPrediction& prediction = result.predictions[i];
      std::cout << "  " << std::setw(4) << prediction.position << " "
                << std::left << std::setw(16) << result.displayTokens[prediction.position] << std::right
                << " -> ";
      for (size_t j = 0; j < prediction.ids.size() && j < 3; ++j)
        std::cout << prediction.tokens[j] << " (" << std::fixed << std::setprecision(3)
                  << prediction.probabilities[j] << ")  ";
      std::cout << "\n";
    }
    if (!options->json.empty()) {
      nlohmann::json json = {{"model", modelInfoJson(model->info())},
                             {"ids", result.ids},
                             {"tokens", result.tokens},
                             {"display_tokens", result.displayTokens},
                             {"predictions", predictions}};
      writeJsonFile(options->json, json);
    }
    if (!options->dump.empty()) {
      writeSafetensors(options->dump, activations,
                       {{"model", model->info().argument},
                        {"normalizer", model->info().normalizer},
                        {"quantization", options->quant.empty() ? "none" : options->quant}});
      std::cout << "wrote " << activations.size() << " tensors to " << options->dump << "\n";
    }
  });
}

}  // namespace hopscope::cli
