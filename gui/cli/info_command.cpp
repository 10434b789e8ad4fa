#include <iostream>
#include <memory>

#include "commands.h"
#include "hopscope/loaded_model.h"
#include "hopscope/result_json.h"
#include "cli_output.h"
#include "progress_bar.h"

namespace hopscope::cli {

void addInfoCommand(CLI::App& app) {
  struct Options {
    std::string model, json;
  };
  auto options = std::make_shared<Options>();
  CLI::App* command = app.add_subcommand(
      "info", "Describe a checkpoint: family, sizes, parameter count, gate, file format, tensor count.");
  command->add_option("MODEL", options->model, "PATH[@NORMALIZER]: checkpoint folder or file")->required();
  command->add_option("--json", options->json, "Also write the description as JSON to this file");
  command->callback([options] {
    std::shared_ptr<LoadedModel> model;
    {
      ProgressBar bar;
      model = LoadedModel::open(options->model, bar.job(), deviceName());
    }
    std::cout << modelInfoText(model->info());
    if (!options->json.empty()) writeJsonFile(options->json, modelInfoJson(model->info()));
  });
}

}  // namespace hopscope::cli
