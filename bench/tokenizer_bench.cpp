// Tokenizer throughput on the whole of Moby Dick (1.2 MB). Run:
//   build/bench/tokenizer_bench --benchmark_counters_tabular=true
// "bytes_per_second" is the encode throughput; the reported aggregates include the median.
#include "hopscope/bpe_tokenizer.h"
#include "hopscope/wordpiece_tokenizer.h"

#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

const std::string kResources = HOPSCOPE_RESOURCES_DIR;
const std::string kGpt2Vocab = kResources + "/tokenizers/gpt2/vocab.json";
const std::string kGpt2Merges = kResources + "/tokenizers/gpt2/merges.txt";

const std::string& mobyDick() {
  static const std::string text = [] {
    std::ifstream in(kResources + "/corpora/moby-dick.txt", std::ios::binary);
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
  }();
  return text;
}

std::unique_ptr<hopscope::BpeTokenizer> loadGpt2() {
  hopscope::BpeOptions options;
  options.bosToken = "";
  options.specialTokens = {"<|endoftext|>"};
  return hopscope::BpeTokenizer::fromFiles(kGpt2Vocab, kGpt2Merges, options);
}

void BM_BpeLoadGpt2Files(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(loadGpt2());
}

// Every word goes through BPE: a new tokenizer (empty cache) per iteration, loading not timed.
void BM_BpeEncodeMobyDickColdCache(benchmark::State& state) {
  const std::string& text = mobyDick();
  for (auto _ : state) {
    state.PauseTiming();
    auto tokenizer = loadGpt2();
    state.ResumeTiming();
    benchmark::DoNotOptimize(tokenizer->encode(text, false));
    state.PauseTiming();
    tokenizer.reset();  // freeing the vocabulary is not encoding either
    state.ResumeTiming();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * text.size());
}

// Every word already cached by an earlier encode of the same text.
void BM_BpeEncodeMobyDickWarmCache(benchmark::State& state) {
  const std::string& text = mobyDick();
  const auto tokenizer = loadGpt2();
  tokenizer->encode(text, false);
  for (auto _ : state) benchmark::DoNotOptimize(tokenizer->encode(text, false));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * text.size());
}

void BM_WordPieceEncodeMobyDick(benchmark::State& state) {
  const std::string vocab = kResources + "/tokenizers/bert-base-uncased/vocab.txt";
  if (!std::filesystem::exists(vocab)) {
    state.SkipWithError(("missing " + vocab).c_str());
    return;
  }
  const std::string& text = mobyDick();
  const auto tokenizer = hopscope::WordPieceTokenizer::fromVocabFile(vocab);
  for (auto _ : state) benchmark::DoNotOptimize(tokenizer->encode(text, false));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * text.size());
}
BENCHMARK(BM_WordPieceEncodeMobyDick)->Unit(benchmark::kMillisecond)->Repetitions(5)->ReportAggregatesOnly(true);

BENCHMARK(BM_BpeLoadGpt2Files)->Unit(benchmark::kMillisecond)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK(BM_BpeEncodeMobyDickColdCache)->Unit(benchmark::kMillisecond)->Iterations(2)->Repetitions(5)->ReportAggregatesOnly(true);
BENCHMARK(BM_BpeEncodeMobyDickWarmCache)->Unit(benchmark::kMillisecond)->Repetitions(5)->ReportAggregatesOnly(true);

}  // namespace

BENCHMARK_MAIN();
