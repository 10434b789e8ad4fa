#include "hopscope/checkpoint.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "hopscope/error.h"
#include "hopscope/json_limits.h"
#include "hopscope/pytorch_bin_reader.h"
#include "hopscope/safetensors.h"

namespace hopscope {
namespace fs = std::filesystem;

namespace {

}  // namespace

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
  checkpoint.config = readJsonFileLimited(checkpoint.files.configPath, " (a checkpoint folder needs a config.json)");
  job.checkCancelled();
  job.report(0.1, "reading " + fs::path(checkpoint.files.weightsPath).filename().string());
  if (checkpoint.files.format == "safetensors")
    checkpoint.tensors = readSafetensors(checkpoint.files.weightsPath).tensors;
  else
    checkpoint.tensors = readPytorchBin(checkpoint.files.weightsPath);
  job.checkCancelled();
  return checkpoint;
}

}  // namespace hopscope
