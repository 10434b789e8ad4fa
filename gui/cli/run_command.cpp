#include <iomanip>
#include <iostream>
#include <memory>

#include "commands.h"
#include "hopscope/error.h"
#include "hopscope/loaded_model.h"
#include "hopscope/safetensors.h"
#include "model_info_json.h"
#include "progress_bar.h"

namespace hopscope::cli {

void addRunCommand(CLI::App& app) {
  struct Options {
    std::string model, text, dump, json;
    int topK = 5;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand("run", "Run one input through a model.");
  command->add_option("MODEL", options->model, "PATH[@NORMALIZER]: checkpoint folder or file")->required();
  command->add_option("--text", options->text, "Text to tokenize and run")->required();
  command->add_option("--dump", options->dump,
                      "Write logits and every tapped activation (Hugging Face module paths; "
                      "attention probabilities as <module>.probs [batch, heads, query, key]) to "
                      "this .safetensors file");
  command->add_option("--json", options->json,
                      "Write {ids, tokens, display_tokens, predictions} to this JSON file");
  command->add_option("--top-k", options->topK, "Predictions kept per position")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  command->callback([options] {
    std::shared_ptr<LoadedModel> model;
    TextRunResult result;
    TensorMap activations;
    {
      ProgressBar bar;
      model = LoadedModel::open(options->model, bar.job());
      result = model->runText(options->text, options->topK, bar.job(),
                              options->dump.empty() ? nullptr : &activations);
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
                       {{"model", model->info().argument}, {"normalizer", model->info().normalizer}});
      std::cout << "wrote " << activations.size() << " tensors to " << options->dump << "\n";
    }
  });
}

}  // namespace hopscope::cli
