#pragma once
// Data-parallel training over the ranks of a DistributedGroup (a world of 1: one process, no
// network). The run's batch is global: each optimizer micro-batch of `batch` rows of the data
// order is split into equal contiguous slices, one per rank, so the rows, their masks and the
// trajectory do not depend on the number of ranks (a run may resume with another number).
// Per step the ranks agree first (anyone cancelling stops all at the same step; the loss terms of
// every micro-batch are counted over all ranks), then sum their weighted gradients, so every rank
// applies the one update a single process would (up to floating-point summation order).
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "hopscope/adamw.h"
#include "hopscope/distributed.h"

namespace hopscope {

class DataParallel {
 public:
  // Error when the batch does not split evenly over the ranks.
  DataParallel(DistributedGroup& group, int64_t batch);

  DistributedGroup& group() const { return group_; }
  int64_t localBatch() const { return localBatch_; }
  // This rank's first row within a global micro-batch.
  int64_t firstRow() const { return localBatch_ * group_.rank(); }

  struct StepPlan {
    bool stop = false;           // some rank was cancelled: every rank stops before this step
    std::vector<int64_t> terms;  // per micro-batch: loss terms over every rank
  };
  // Every rank's cancel wish and per-micro-batch loss terms, combined.
  StepPlan agree(int64_t step, bool cancelled, const std::vector<int64_t>& localTerms) const;

  // Sums every parameter's gradient and the rank's share of the step loss over the ranks, in
  // place; returns the step's whole loss.
  double sumGradients(const std::vector<AdamW::Parameter>& parameters, double localLoss, int64_t step) const;

  // SHA-256 of the weights; Error naming the first rank whose weights differ from rank 0's.
  std::string checkSameWeights(const std::vector<AdamW::Parameter>& parameters, int64_t step) const;

 private:
  DistributedGroup& group_;
  int64_t localBatch_;
};

}  // namespace hopscope
