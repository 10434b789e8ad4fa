#include "hopscope/attention_head_statistics.h"

#include <ATen/ATen.h>

#include "hopscope/error.h"

namespace hopscope {

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
  const int64_t tokens = probsIn.size(2);
  // float32 element-wise work, float64 only for the per-head sums: a float64 copy of every
  // [B, H, T, T] map would cost more than the attention that produced it.
  const at::Tensor probs = probsIn.scalar_type() == at::kDouble ? probsIn : probsIn.to(at::kFloat);
  const at::Tensor real = mask.to(at::kBool);                       // [B, T]
  at::Tensor allowed = real.view({-1, 1, 1, tokens}).expand({-1, 1, tokens, tokens});  // keys
  if (causal) allowed = allowed & at::ones({tokens, tokens}, real.options()).tril().view({1, 1, tokens, tokens});
  const at::Tensor queries = real.view({-1, 1, tokens}).to(probs.scalar_type());  // [B, 1, T] row weights

  const at::Tensor logs = at::where(probs > 0, probs.log(), at::zeros_like(probs));
  const at::Tensor rowEntropy = -(probs * logs).sum(-1);           // [B, H, T]
  const at::Tensor rowFirst = probs.select(-1, 0);
  at::Tensor delimiterKeys = at::zeros_like(real);
  for (int64_t id : delimiterIds) delimiterKeys = delimiterKeys | (ids == id);
  const at::Tensor rowDelimiter = (probs * delimiterKeys.view({-1, 1, 1, tokens}).to(probs.scalar_type())).sum(-1);
  const at::Tensor rowNoOp = 1.0 - probs.sum(-1);
  const at::Tensor rowMax = std::get<0>(probs.max(-1));
  const at::Tensor zeros = ((probs == 0) & allowed).sum(-1).to(probs.scalar_type());  // [B, H, T]
  const at::Tensor queryAllowed = allowed.sum(-1).to(probs.scalar_type()) * queries;  // [B, 1, T]

  auto perHead = [&](const at::Tensor& rowValues) {
    return (rowValues * queries).to(at::kDouble).sum(at::IntArrayRef{0, 2}).contiguous();  // [H]
  };
  const at::Tensor sums[] = {perHead(rowEntropy), perHead(rowFirst), perHead(rowDelimiter),
                             perHead(rowNoOp), perHead(zeros), perHead(rowMax)};
  std::vector<double>* targets[] = {&entropy_, &firstToken_, &delimiter_, &noOp_, &exactZeros_, &maxWeight_};
  for (size_t s = 0; s < 6; ++s) {
    const double* values = sums[s].data_ptr<double>();
    for (int64_t h = 0; h < heads_; ++h) (*targets[s])[static_cast<size_t>(h)] += values[h];
  }
  rows_ += real.sum().item<int64_t>();
  allowedWeights_ += static_cast<int64_t>(queryAllowed.to(at::kDouble).sum().item<double>());
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
