#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "cancel_signal.h"
#include "commands.h"
#include "hopscope/bundled_resources.h"
#include "hopscope/error.h"
#include "hopscope/loaded_model.h"
#include "hopscope/quantization_sweep.h"
#include "hopscope/result_json.h"
#include "hopscope/text_corpus.h"
#include "cli_output.h"
#include "distributed_options.h"
#include "image_inputs.h"
#include "image_options.h"
#include "progress_bar.h"

namespace hopscope::cli {
namespace {

std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  std::string part;
  while (std::getline(stream, part, ','))
    if (!part.empty()) parts.push_back(part);
  return parts;
}

std::vector<int> bitList(const std::string& text, const std::string& option) {
  std::vector<int> bits;
  for (const std::string& part : splitList(text)) {
    int value = 0;
    try {
      size_t used = 0;
      value = std::stoi(part, &used);
      if (used != part.size()) value = 0;
    } catch (...) {
      value = 0;
    }
    if (value < 2 || value > 16) throw Error(option + ": '" + part + "' is not a bit width from 2 to 16");
    bits.push_back(value);
  }
  if (bits.empty()) throw Error(option + " is empty");
  return bits;
}

}  // namespace

void addQuantizeCommand(CLI::App& app) {
  struct Options {
    std::vector<std::string> models, keepFloat;
    std::string data, calib, json, wbits = "8", abits = "8", granularity = "tensor", weightRange = "minmax",
                weightGrid = "signed", estimators = "running", images, labels, calibImages, calibLabels,
                vitMode = "pre-norm";
    bool perClass = false;
    int64_t samples = 64, seqLen = 128, batch = 8, calibBatches = 4;
    double maskProb = 0.15;
    uint64_t seed = 0;
    DistributedCommandOptions distributed;
  };
  auto o = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "quantize", "Simulated post-training quantization (default W8A8, the reference protocol): FP versus "
                  "quantized metric on the same blocks and masks, and per quantizer the range, scale, "
                  "clipped fraction, SQNR and levels holding 99% of the values. Comma lists in --wbits, "
                  "--abits and --estimator run a sweep; the first combination is the main result.");
  command->add_option("MODEL", o->models, "One or more PATH[@NORMALIZER]")->required();
  command->add_option("--data", o->data,
                      "Evaluation text: a UTF-8 file or a folder of .txt files; " +
                          bundledDefaultNote(kBundledEvalText) + ", the held-out last chapters of Moby-Dick");
  command->add_option("--calib", o->calib,
                      "Calibration text; " + bundledDefaultNote(kBundledTrainText) +
                          ", the chapters before the evaluation text's (give --calib explicitly with your own --data)");
  command->add_option("--wbits", o->wbits, "Weight bits, or a comma list for a sweep")->capture_default_str();
  command->add_option("--abits", o->abits, "Activation bits, or a comma list for a sweep")->capture_default_str();
  command->add_option("--granularity", o->granularity, "Weight quantization granularity")
      ->check(CLI::IsMember({"tensor", "channel"}))->capture_default_str();
  command->add_option("--weight-range", o->weightRange, "Weight range: min-max or MSE grid search")
      ->check(CLI::IsMember({"minmax", "mse"}))->capture_default_str();
  command->add_option("--weight-grid", o->weightGrid,
                      "Weight integer grid: signed [-2^(b-1), 2^(b-1)-1] (science.md), or auto: unsigned "
                      "[0, 2^b-1] for tensors without negative values, as the reference code does")
      ->check(CLI::IsMember({"signed", "auto"}))->capture_default_str();
  command->add_option("--estimator", o->estimators,
                      "Activation range estimator: minmax, running (momentum 0.9), percentile:P, mse; "
                      "or a comma list for a sweep")->capture_default_str();
  command->add_option("--calib-batches", o->calibBatches, "Calibration batches")
      ->check(CLI::PositiveNumber)->capture_default_str();
  command->add_option("--keep-float", o->keepFloat,
                      "Keep matching sites in float (regular expression searched in site and weight names, "
                      "e.g. 'LayerNorm$'); repeatable");
  addImageOptions(*command, o->images, o->labels, &o->calibImages, &o->calibLabels);
  command->add_option("--vit-quant-mode", o->vitMode,
                      "ViT block of the quantized model: pre-norm (correct, as the float model) or reference-compat "
                      "(the OutEffHop reference's quantized block, LayerNorm after each sublayer, to reproduce its "
                      "numbers; README)")
      ->check(CLI::IsMember({"pre-norm", "reference-compat"}))->capture_default_str();
  command->add_flag("--per-class", o->perClass, "Image models: also report the accuracy per class");
  command->add_option("--samples", o->samples, "Evaluation blocks (or images)")->check(CLI::PositiveNumber)->capture_default_str();
  command->add_option("--seq-len", o->seqLen, "Tokens per block")->check(CLI::Range(2, 1 << 20))->capture_default_str();
  command->add_option("--batch", o->batch, "Blocks per forward pass")->check(CLI::PositiveNumber)->capture_default_str();
  command->add_option("--mask-prob", o->maskProb, "Masked-LM masking probability")->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  command->add_option("--seed", o->seed, "Masking seed")->capture_default_str();
  command->add_option("--json", o->json, "Write every figure to this JSON file")->required();
  o->distributed.addTo(*command);
  command->callback([o] {
    installCancelOnInterrupt();
    // One rank of several (launcher variables or --rank/--world-size): each calibrates on every
    // calibration batch and evaluates its shard of the blocks; rank 0 merges, prints and writes,
    // the others print nothing but errors.
    const std::unique_ptr<DistributedGroup> group = o->distributed.join();
    try {
      const std::vector<int> wbits = bitList(o->wbits, "--wbits");
      const std::vector<int> abits = bitList(o->abits, "--abits");
      const std::vector<std::string> estimators = splitList(o->estimators);
      if (estimators.empty()) throw Error("--estimator is empty");
      // Calibrating on the evaluated text would leak it into the ranges: the defaults are disjoint chapters.
      std::optional<TextCorpus> corpus, calibration;  // read once, for the text models
      auto texts = [&] {
        if (corpus) return;
        if (o->data.empty()) o->data = requireBundledFile(kBundledEvalText, "--data");
        if (o->calib.empty()) o->calib = requireBundledFile(kBundledTrainText, "--calib");
        corpus = readTextCorpus(o->data);
        calibration = readTextCorpus(o->calib);
      };
      QuantizationSweepSettings settings;
      settings.weightBits = wbits;
      settings.activationBits = abits;
      settings.estimators = estimators;
      settings.granularity = o->granularity == "channel" ? Granularity::PerChannel : Granularity::PerTensor;
      settings.weightRange = o->weightRange == "mse" ? WeightRange::Mse : WeightRange::MinMax;
      settings.weightGrid = o->weightGrid == "auto" ? WeightGrid::UnsignedWhenNonNegative : WeightGrid::Signed;
      settings.keepFloat = o->keepFloat;
      settings.evaluation.samples = o->samples;
      settings.evaluation.seqLen = o->seqLen;
      settings.evaluation.batch = o->batch;
      settings.evaluation.maskProb = o->maskProb;
      settings.evaluation.seed = o->seed;
      settings.calibrationBatches = o->calibBatches;
      settings.evaluation.perClass = o->perClass;
      settings.referenceCompat = o->vitMode == "reference-compat";

      std::vector<QuantizationStudy> studies;
      for (const std::string& argument : o->models) {
        std::optional<ProgressBar> bar;
        if (group->isRoot()) bar.emplace();
        const JobControl job = stopsWithPeers(cancellableJob(bar ? bar->job() : JobControl()), *group);
        const std::shared_ptr<LoadedModel> model = LoadedModel::open(argument, job, deviceName());
        const bool images = model->info().imageSize > 0;
        if (settings.referenceCompat && !images)
          throw Error("--vit-quant-mode reference-compat applies to ViT models only; " + model->info().name + " is " +
                      model->info().family);
        if (images && o->images.empty())
          throw Error(model->info().name + " is an image model: give --images (an idx file or an image folder)");
        const int64_t calibrationImages = o->calibBatches * o->batch;
        std::optional<QuantizationStudy> study = [&] {
          if (!images) {
            texts();
            return runQuantizationStudySharded(*model, *corpus, *calibration, settings, *group, job);
          }
          const LoadedImages evaluation = loadImages(o->images, o->labels, *model, 0, o->samples);
          const LoadedImages calib =
              o->calibImages.empty()
                  ? loadImages(o->images, o->labels, *model, evaluation.data.size(), calibrationImages)
                  : loadImages(o->calibImages, o->calibLabels, *model, 0, calibrationImages);
          return runQuantizationStudySharded(*model, evaluation.data, evaluation.source, calib.data, calib.source,
                                             settings, *group, job);
        }();
        if (!study) continue;  // not rank 0
        std::cout << study->info.name << ": " << study->fp.name << " FP " << study->fp.value << ", W"
                  << study->main.weightBits << "A" << study->main.activationBits << " (" << study->main.estimator
                  << ") " << study->main.metric.value << "\n";
        studies.push_back(std::move(*study));
      }
      if (!group->isRoot()) return;
      // Written only once everything succeeded: a cancelled or failed run leaves no partial file.
      writeJsonFile(o->json, quantizationJson(studies));
      std::cout << "wrote " << o->json << "\n";
    } catch (const std::exception& error) {
      group->reportFailure(error.what());
      throw;
    }
  });
}

}  // namespace hopscope::cli
