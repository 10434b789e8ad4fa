// hopscope-cli train: pre-trains a model of any family and attention variant from scratch.
#include <unistd.h>

#include <iostream>
#include <memory>
#include <optional>

#include "cancel_signal.h"
#include "commands.h"
#include "distributed_options.h"
#include "hopscope/error.h"
#include "hopscope/model_family.h"
#include "hopscope/trainer.h"
#include "progress_bar.h"

namespace hopscope::cli {

void addTrainCommand(CLI::App& app) {
  struct Options {
    TrainingSettings settings;
    std::string normalizer = "softmax", gate = "none", out, resume, dtype = "float32";
    DistributedCommandOptions distributed;
  };
  auto o = std::make_shared<Options>();
  TrainingSettings& s = o->settings;
  std::string families;
  for (const ModelFamily* family : modelFamilies()) families += (families.empty() ? "" : ", ") + family->name;
  s.family = modelFamilies().front()->name;
  CLI::App* command = app.add_subcommand(
      "train", "Pre-train a model from scratch (masked LM or causal LM, per family) in any attention variant; "
               "or image classification for ViT; writes a checkpoint folder every MODEL argument accepts, with "
               "training_log.jsonl (loss, perplexity or accuracy and the outlier protocol every --eval-every steps). Ctrl-C writes a checkpoint "
               "that --resume continues. As several ranks (torchrun, srun, mpirun or --rank/--world-size): data-parallel, "
               "--batch split over the ranks, rank 0 writes.");
  command->add_option("--family", s.family, "Model family: " + families)->capture_default_str();
  command->add_option("--normalizer", o->normalizer, "Attention normalizer (see MODEL)")->capture_default_str();
  command->add_option("--gate", o->gate, "Gated attention: none, linear or mlp")->capture_default_str();
  command->add_option("--data", s.data,
                      "Training text (UTF-8 file or folder of .txt); image families: an idx image file with its "
                      "labels-idx1 file beside it (Fashion-MNIST: /usr/share/datasets/fashion-mnist/"
                      "train-images-idx3-ubyte.gz)");
  command->add_option("--eval-data", s.evalData, "Held-out text (or idx image file) for the evaluations");
  command->add_option("--patch", s.patchSize, "Image families: patch side in pixels (must divide the image side)")
      ->capture_default_str();
  command->add_option("--class-names", s.classNames, "Image families: the class names, in label order (id2label)")
      ->delimiter(',');
  command->add_option("--tokenizer", s.tokenizerDir, "Folder with the family's tokenizer files (copied into --out)");
  command->add_option("--vocab-size", s.vocabSize,
                      "Instead of --tokenizer: train the family's tokenizer (WordPiece or byte-level BPE) with this "
                      "many tokens on --data, into --out");
  command->add_option("--layers", s.layers, "Layers")->capture_default_str();
  command->add_option("--hidden", s.hidden, "Hidden width")->capture_default_str();
  command->add_option("--heads", s.heads, "Attention heads")->capture_default_str();
  command->add_option("--ffn", s.ffn, "FFN width")->capture_default_str();
  command->add_option("--seq-len", s.seqLen, "Tokens per block (and position table size)")->capture_default_str();
  command->add_option("--batch", s.batch,
                      "Blocks per micro-batch, over every rank (each of N ranks takes batch/N, so the run does not "
                      "depend on N)")
      ->capture_default_str();
  command->add_option("--accumulation", s.accumulation, "Micro-batches per optimizer step")->capture_default_str();
  command->add_option("--steps", s.steps, "Optimizer steps")->capture_default_str();
  command->add_option("--lr", s.learningRate, "Peak learning rate (AdamW)")->capture_default_str();
  command->add_option("--warmup", s.warmup, "Linear warmup steps, then linear decay to 0")->capture_default_str();
  command->add_option("--weight-decay", s.weightDecay, "Decoupled weight decay (none on biases and LayerNorm)")
      ->capture_default_str();
  command->add_option("--clip-norm", s.clipNorm, "Gradient clipping by global L2 norm (0: off)")->capture_default_str();
  command->add_option("--mask-prob", s.maskProb, "Masked-LM masking probability")->capture_default_str();
  command->add_option("--dropout", s.dropout, "Dropout on the embeddings and sublayer outputs (as Hugging Face places it)")
      ->capture_default_str();
  command->add_option("--attention-dropout", s.attentionDropout, "Dropout on the attention probabilities")
      ->capture_default_str();
  command->add_option("--seed", s.seed, "Seed of the initial weights, data order and masks")->capture_default_str();
  command->add_option("--eval-every", s.evalEvery, "Steps between evaluations and checkpoints")->capture_default_str();
  command->add_option("--eval-samples", s.evalSamples, "Held-out blocks per evaluation")->capture_default_str();
  command->add_option("--dtype", o->dtype, "Final model.safetensors: float32 or float16 (training is float32)")
      ->check(CLI::IsMember({"float32", "float16"}))
      ->capture_default_str();
  command->add_option("--out", o->out, "Output checkpoint folder");
  command->add_option("--resume", o->resume,
                      "Continue the run in this folder (its own settings are used; any number of ranks)");
  o->distributed.addTo(*command);
  command->callback([o] {
    installCancelOnInterrupt();
    const bool resume = !o->resume.empty();
    if (resume && !o->out.empty() && o->out != o->resume) throw Error("give either --out or --resume, not both");
    const std::string out = resume ? o->resume : o->out;
    if (out.empty()) throw Error("--out is required (or --resume DIR)");
    TrainingSettings settings = o->settings;
    if (!resume) {
      settings.normalizer = parseNormalizer(o->normalizer);
      const std::string& gate = o->gate;
      settings.gate = gate == "linear" ? GateKind::Linear : gate == "mlp" ? GateKind::Mlp : GateKind::None;
      if (gate != "none" && gate != "linear" && gate != "mlp") throw Error("--gate must be none, linear or mlp");
      settings.float16 = o->dtype == "float16";
    }
    // One rank of several: every rank trains its slice of each batch; rank 0 alone shows progress,
    // prints the evaluations and writes the folder.
    const std::unique_ptr<DistributedGroup> group = o->distributed.join();
    TrainingResult result;
    try {
      std::optional<ProgressBar> bar;
      if (group->isRoot()) bar.emplace();
      result = train(settings, out, resume, stopsWithPeers(cancellableJob(bar ? bar->job() : JobControl()), *group), [](const TrainingRecord& record) {
        const auto& eval = record["eval"];
        if (isatty(STDERR_FILENO)) std::cerr << "\r\033[K";  // clear the progress bar's line
        std::cout << "step " << record["step"] << ": loss " << record["loss"]
                  << (eval.contains("accuracy") ? ", held-out accuracy " : ", held-out perplexity ")
                  << eval[eval.contains("accuracy") ? "accuracy" : "perplexity"] << ", avg kurtosis " << eval["summary"]["avg_kurtosis"]
                  << ", max inf-norm " << eval["summary"]["max_inf_norm"] << std::endl;
      }, group.get());
    } catch (const std::exception& error) {
      group->reportFailure(error.what());
      throw;
    }
    if (result.cancelled)
      throw Error("interrupted at step " + std::to_string(result.steps) + "; the checkpoint in " + out +
                  " continues with --resume " + out);
    if (!group->isRoot()) return;
    std::cout << "trained " << result.steps << " steps (" << result.secondsPerStep << " s/step median); wrote " << out
              << "\n";
  });
}

}  // namespace hopscope::cli
