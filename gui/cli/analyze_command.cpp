#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>

#include "cancel_signal.h"
#include "commands.h"
#include "hopscope/atomic_file.h"
#include "hopscope/bundled_resources.h"
#include "hopscope/error.h"
#include "hopscope/loaded_model.h"
#include "hopscope/outlier_analysis.h"
#include "hopscope/result_json.h"
#include "hopscope/text_corpus.h"
#include "cli_output.h"
#include "distributed_options.h"
#include "image_inputs.h"
#include "image_options.h"
#include "progress_bar.h"

namespace hopscope::cli {
namespace {

std::string fileSafe(std::string name) {
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') c = '_';
  return name;
}

void printSummary(const ModelAnalysis& analysis) {
  std::cout << analysis.info.name << " (" << analysis.samples << (analysis.info.imageSize > 0 ? " images, " : " blocks, ")
            << analysis.tokens << " tokens)\n";
  std::cout << "  " << std::left << std::setw(26) << analysis.metric.name << std::right << " "
            << analysis.metric.value << " (batch mean " << analysis.metric.batchMean << ")";
  if (!std::isnan(analysis.metric.crossEntropy)) std::cout << ", cross-entropy " << analysis.metric.crossEntropy;
  std::cout << "\n";
  for (const Figure& figure : analysis.summary)
    std::cout << "  " << std::left << std::setw(26) << figure.name << std::right << " " << figure.value << "\n";
}

}  // namespace

void addAnalyzeCommand(CLI::App& app) {
  struct Options {
    std::vector<std::string> models;
    std::string data, json, csv, images, labels;
    AnalysisSettings settings;
    DistributedCommandOptions distributed;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "analyze", "Outlier statistics per module (kurtosis, infinity norm, max |x| and where, histograms), "
                 "attention-head statistics, the paper-protocol summary and the task metric, per model.");
  command->add_option("MODEL", options->models, "One or more PATH[@NORMALIZER]")->required();
  command->add_option("--data", options->data,
                      "UTF-8 text file, or a folder of .txt files (one document per line); " +
                          bundledDefaultNote(kBundledEvalText) + ", the held-out last chapters of Moby-Dick");
  addImageOptions(*command, options->images, options->labels);
  command->add_flag("--per-class", options->settings.perClass, "Image models: also report the accuracy per class");
  command->add_option("--samples", options->settings.samples, "Token blocks (or images) to evaluate")
      ->check(CLI::PositiveNumber)->capture_default_str();
  command->add_option("--seq-len", options->settings.seqLen, "Tokens per block")
      ->check(CLI::Range(2, 1 << 20))->capture_default_str();
  command->add_option("--batch", options->settings.batch, "Blocks per forward pass")
      ->check(CLI::PositiveNumber)->capture_default_str();
  command->add_option("--mask-prob", options->settings.maskProb,
                      "Masked-LM masking probability (80% mask token, 10% random, 10% kept); 0 analyses "
                      "unmasked text and computes no perplexity")
      ->check(CLI::Range(0.0, 1.0))->capture_default_str();
  command->add_option("--seed", options->settings.seed, "Masking seed")->capture_default_str();
  command->add_option("--json", options->json, "Write every figure to this JSON file")->required();
  command->add_option("--csv", options->csv, "Also write summary.csv and <model>.modules.csv into this folder");
  options->distributed.addTo(*command);
  command->callback([options] {
    installCancelOnInterrupt();
    // One rank of several (launcher variables or --rank/--world-size): each analyses its shard of
    // the blocks, rank 0 merges, prints and writes; the others print nothing but errors.
    const std::unique_ptr<DistributedGroup> group = options->distributed.join();
    try {
      std::optional<TextCorpus> corpus;  // read once, for the text models
      auto text = [&]() -> const TextCorpus& {
        if (!corpus) corpus = readTextCorpus(options->data.empty() ? requireBundledFile(kBundledEvalText, "--data")
                                                                   : options->data);
        return *corpus;
      };
      std::vector<ModelAnalysis> analyses;
      const double share = 1.0 / static_cast<double>(options->models.size());
      for (size_t i = 0; i < options->models.size(); ++i) {
        std::optional<ProgressBar> bar;
        if (group->isRoot()) bar.emplace();
        JobControl job = bar ? bar->job() : JobControl();
        auto draw = job.progress;
        const double base = static_cast<double>(i) * share;
        if (draw)
          job.progress = [draw, base, share](double fraction, const std::string& stage) {
            draw(base + fraction * share, stage);
          };
        job = stopsWithPeers(cancellableJob(job), *group);
        const std::shared_ptr<LoadedModel> model = LoadedModel::open(options->models[i], job, deviceName());
        if (model->info().imageSize > 0) {
          if (options->images.empty())
            throw Error(model->info().name + " is an image model: give --images (an idx file or an image folder)");
          const LoadedImages images = loadImages(options->images, options->labels, *model, 0, options->settings.samples);
          std::optional<ModelAnalysis> analysis = analyzeBlocksSharded(*model, images.data, options->settings, *group, job);
          if (analysis) {
            analysis->data = images.source;
            analyses.push_back(std::move(*analysis));
          }
        } else {
          std::optional<ModelAnalysis> analysis = analyzeModelSharded(*model, text(), options->settings, *group, job);
          if (analysis) analyses.push_back(std::move(*analysis));
        }
      }
      if (!group->isRoot()) return;
      for (const ModelAnalysis& analysis : analyses) printSummary(analysis);
      // Written only once everything succeeded: a cancelled or failed run leaves no partial files.
      if (!options->csv.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(options->csv, ec);
        if (ec) throw Error(options->csv + ": cannot create folder: " + ec.message());
        writeFileAtomically(options->csv + "/summary.csv", summaryCsv(analyses));
        for (const ModelAnalysis& analysis : analyses)
          writeFileAtomically(options->csv + "/" + fileSafe(analysis.info.name) + ".modules.csv", moduleCsv(analysis));
      }
      writeJsonFile(options->json, analysisJson(analyses));
      std::cout << "wrote " << options->json << "\n";
    } catch (const std::exception& error) {
      group->reportFailure(error.what());
      throw;
    }
  });
}

}  // namespace hopscope::cli
