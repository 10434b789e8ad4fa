#pragma once
// Each subcommand registers itself on the CLI11 app; its callback runs the engine call and
// throws hopscope::Error on failure (main turns that into exit code 1 and one line on stderr).
#include <CLI/CLI.hpp>

#include <string>

namespace hopscope::cli {

// The --device option every command opens its models on ("cpu" unless given).
const std::string& deviceName();
void setDeviceName(const std::string& device);

void addInfoCommand(CLI::App& app);
void addRunCommand(CLI::App& app);
void addAnalyzeCommand(CLI::App& app);
void addQuantizeCommand(CLI::App& app);
void addTrainCommand(CLI::App& app);
#ifdef HOPSCOPE_CLI_REPORT
void addReportCommand(CLI::App& app);  // needs the Qt report library
#endif

}  // namespace hopscope::cli
