// hopscope-cli: exit 0 on success, 2 on bad usage, 1 on any other failure with one line on stderr.
#include <CLI/CLI.hpp>

#include <exception>
#include <iostream>

#include "commands.h"
#include "hopscope/error.h"
#include "hopscope/job_control.h"
#include "hopscope/runtime.h"

namespace hopscope::cli {
namespace {
std::string& deviceSetting() {
  static std::string device = "cpu";
  return device;
}
}  // namespace
const std::string& deviceName() { return deviceSetting(); }
void setDeviceName(const std::string& device) { deviceSetting() = device; }
}  // namespace hopscope::cli

int main(int argc, char** argv) {
  CLI::App app{"hopscope-cli: activation outliers and attention variants in transformer checkpoints.\n"
               "MODEL is PATH[@NORMALIZER]; NORMALIZER is softmax, softmax1, softmax1-legacy,\n"
               "clipped:GAMMA:ZETA or clipped-softmax1:GAMMA:ZETA.",
               "hopscope-cli"};
  int threads = 0;
  app.add_option("--threads", threads,
                 "LibTorch threads (default: HOPSCOPE_THREADS, OMP_NUM_THREADS or the number of cores)");
  std::string device = "cpu";
  app.add_option("--device", device,
                 "Where model weights live and run: cpu, cuda or cuda:N (needs a CUDA build of LibTorch)")
      ->capture_default_str();
  app.require_subcommand(1);
  hopscope::cli::addInfoCommand(app);
  hopscope::cli::addRunCommand(app);
  hopscope::cli::addAnalyzeCommand(app);
  hopscope::cli::addQuantizeCommand(app);
  hopscope::cli::addTrainCommand(app);
#ifdef HOPSCOPE_CLI_REPORT
  hopscope::cli::addReportCommand(app);
#endif
  app.parse_complete_callback([&threads, &device] {
    hopscope::configureThreads(threads);
    hopscope::cli::setDeviceName(device);
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& help) {
    return app.exit(help);
  } catch (const CLI::CallForAllHelp& help) {
    return app.exit(help);
  } catch (const CLI::ParseError& error) {
    std::cerr << "hopscope-cli: " << error.what() << "\n(run with --help for usage)\n";
    return 2;
  } catch (const hopscope::Cancelled&) {
    std::cerr << "hopscope-cli: cancelled; nothing was written\n";
    return 1;
  } catch (const hopscope::Error& error) {
    std::cerr << "hopscope-cli: " << error.what() << "\n";
    return 1;
  } catch (const std::exception& error) {
    std::cerr << "hopscope-cli: internal error: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
