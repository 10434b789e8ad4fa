#include "hopscope/attention_head_statistics.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <string>

#include "hopscope/error.h"
#include "stats/head_scan.h"

namespace hopscope {
namespace {

std::string shapeOf(const at::Tensor& tensor) {
  std::string text = "[";
  for (int64_t d = 0; d < tensor.dim(); ++d) text += (d ? ", " : "") + std::to_string(tensor.size(d));
  return text + "]";
}

}  // namespace

AttentionHeadStatistics::AttentionHeadStatistics(int64_t heads)
    : heads_(heads),
      entropy_(heads),
      firstToken_(heads),
      delimiter_(heads),
      noOp_(heads),
      exactZeros_(heads),
      maxWeight_(heads) {}

void AttentionHeadStatistics::add(const at::Tensor& probsIn, const at::Tensor& ids, const at::Tensor& mask,
                                  const std::vector<int64_t>& delimiterIds, bool causal) {
  if (probsIn.dim() != 4 || probsIn.size(2) != probsIn.size(3))
    throw Error("attention probabilities must be [batch, heads, query, key]");
  if (heads_ == 0) *this = AttentionHeadStatistics(probsIn.size(1));
  if (probsIn.size(1) != heads_) throw Error("attention statistics: head count changed between batches");
  const int64_t batch = probsIn.size(0), tokens = probsIn.size(2);
  if (ids.numel() != batch * tokens || mask.numel() != batch * tokens)
    throw Error("attention statistics: token ids " + shapeOf(ids) + " and mask " + shapeOf(mask) +
                " must both be [" + std::to_string(batch) + ", " + std::to_string(tokens) +
                "] to match the attention probabilities " + shapeOf(probsIn));
  // float32 element-wise work, float64 only for the sums: a float64 copy of every [B, H, T, T] map
  // would cost more than the attention that produced it.
  // The fused sweep reads host memory (copies only for models on another device).
  const at::Tensor probs =
      (probsIn.scalar_type() == at::kDouble ? probsIn : probsIn.to(at::kFloat)).to(at::kCPU).contiguous();
  const at::Tensor real = mask.to(at::kBool).to(at::kCPU).contiguous();
  const at::Tensor tokenIds = ids.to(at::kLong).to(at::kCPU).contiguous();
  const bool* isReal = real.data_ptr<bool>();
  const int64_t* idValues = tokenIds.data_ptr<int64_t>();
  const at::Tensor delimiters = at::empty({batch, tokens}, at::kBool);
  bool* isDelimiter = delimiters.data_ptr<bool>();
  for (int64_t t = 0; t < batch * tokens; ++t)
    isDelimiter[t] = std::find(delimiterIds.begin(), delimiterIds.end(), idValues[t]) != delimiterIds.end();

  // Real queries and the allowed keys they see, the same for every head.
  for (int64_t b = 0; b < batch; ++b) {
    int64_t realKeys = 0, realBefore = 0;
    for (int64_t t = 0; t < tokens; ++t) realKeys += isReal[b * tokens + t];
    for (int64_t q = 0; q < tokens; ++q) {
      realBefore += isReal[b * tokens + q];
      if (!isReal[b * tokens + q]) continue;
      ++rows_;
      allowedWeights_ += causal ? realBefore : realKeys;
    }
  }

  // One fused sweep per (batch item, head) map, shared out over the intra-op threads, each thread
  // with its own per-head sums.
  HeadScanLayout layout;
  layout.heads = heads_;
  layout.tokens = tokens;
  layout.realTokens = isReal;
  layout.delimiterTokens = isDelimiter;
  layout.causal = causal;
  std::vector<HeadSums> sums(static_cast<size_t>(at::get_num_threads() * heads_));
  const int64_t grain = std::max<int64_t>(1, 32768 / std::max<int64_t>(1, tokens * tokens));
  at::parallel_for(0, batch * heads_, grain, [&](int64_t begin, int64_t end) {
    HeadSums* mine = &sums[static_cast<size_t>(at::get_thread_num() * heads_)];
    if (probs.scalar_type() == at::kDouble)
      scanHeads(probs.data_ptr<double>(), begin, end, layout, mine);
    else
      scanHeads(probs.data_ptr<float>(), begin, end, layout, mine);
  });
  for (size_t s = 0; s < sums.size(); ++s) {
    const HeadSums& part = sums[s];
    const size_t h = s % static_cast<size_t>(heads_);
    entropy_[h] += part.entropy;
    firstToken_[h] += part.firstToken;
    delimiter_[h] += part.delimiter;
    noOp_[h] += part.noOp;
    exactZeros_[h] += part.exactZeros;
    maxWeight_[h] += part.maxWeight;
  }
}

void AttentionHeadStatistics::merge(const AttentionHeadStatistics& other) {
  if (other.heads_ == 0) return;
  if (heads_ == 0) {
    *this = other;
    return;
  }
  if (heads_ != other.heads_) throw Error("attention statistics: cannot merge different head counts");
  for (int64_t h = 0; h < heads_; ++h) {
    const size_t i = static_cast<size_t>(h);
    entropy_[i] += other.entropy_[i];
    firstToken_[i] += other.firstToken_[i];
    delimiter_[i] += other.delimiter_[i];
    noOp_[i] += other.noOp_[i];
    exactZeros_[i] += other.exactZeros_[i];
    maxWeight_[i] += other.maxWeight_[i];
  }
  rows_ += other.rows_;
  allowedWeights_ += other.allowedWeights_;
}

HeadSummary AttentionHeadStatistics::head(int64_t h) const {
  HeadSummary summary;
  if (rows_ == 0) return summary;
  const size_t i = static_cast<size_t>(h);
  const double rows = static_cast<double>(rows_);
  summary.entropy = entropy_[i] / rows;
  summary.firstTokenMass = firstToken_[i] / rows;
  summary.delimiterMass = delimiter_[i] / rows;
  summary.noOpMass = noOp_[i] / rows;
  summary.maxWeight = maxWeight_[i] / rows;
  // allowedWeights_ counts every head's rows once; each head has the same allowed set.
  summary.exactZeroFraction = allowedWeights_ ? exactZeros_[i] / static_cast<double>(allowedWeights_) : 0;
  return summary;
}

}  // namespace hopscope
