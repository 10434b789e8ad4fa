// Throughput of the per-module statistics on BERT-base-shaped activations (batch 8 x 128 tokens),
// the work the analysis pass adds to every tapped module. Run:
//   build/bench/statistics_bench --benchmark_counters_tabular=true
// "items_per_second" counts activation values (attention probabilities for the head statistics).
#include <ATen/ATen.h>
#include <benchmark/benchmark.h>

#include "hopscope/activation_statistics.h"
#include "hopscope/attention_head_statistics.h"
#include "hopscope/runtime.h"
#include "hopscope/symlog_histogram.h"

namespace {

at::Tensor activation(int64_t channels) {
  at::manual_seed(0);
  at::Tensor x = at::randn({8, 128, channels});
  x.select(2, 7).mul_(60);  // an outlier channel, as trained BERTs have
  return x;
}

void BM_ModuleStatistics(benchmark::State& state) {
  const at::Tensor x = activation(state.range(0));
  const auto mode = state.range(1) ? hopscope::RowMode::PerToken : hopscope::RowMode::PerSample;
  for (auto _ : state) {
    hopscope::ModuleStatistics stats(mode);
    stats.add(x, 0);
    benchmark::DoNotOptimize(stats.meanKurtosis());
  }
  state.SetItemsProcessed(state.iterations() * x.numel());
}
BENCHMARK(BM_ModuleStatistics)->ArgNames({"channels", "per_token"})->Args({768, 0})->Args({3072, 0})->Args({768, 1})->UseRealTime();

void BM_SymlogHistogram(benchmark::State& state) {
  const at::Tensor x = activation(768);
  for (auto _ : state) {
    hopscope::SymlogHistogram histogram;
    histogram.addFinite(x);
    benchmark::DoNotOptimize(histogram.total());
  }
  state.SetItemsProcessed(state.iterations() * x.numel());
}
BENCHMARK(BM_SymlogHistogram)->UseRealTime();

void BM_AttentionHeadStatistics(benchmark::State& state) {
  at::manual_seed(0);
  const at::Tensor probs = at::softmax(at::randn({8, 12, 128, 128}) * 3, -1);
  const at::Tensor ids = at::randint(1000, 2000, {8, 128}, at::kLong);
  const at::Tensor mask = at::ones({8, 128}, at::kLong);
  for (auto _ : state) {
    hopscope::AttentionHeadStatistics heads;
    heads.add(probs, ids, mask, {101, 102, 1012}, false);
    benchmark::DoNotOptimize(heads.rows());
  }
  state.SetItemsProcessed(state.iterations() * probs.numel());
}
BENCHMARK(BM_AttentionHeadStatistics)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  hopscope::configureThreads(0);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
