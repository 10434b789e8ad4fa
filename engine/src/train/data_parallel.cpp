#include "data_parallel.h"

#include <ATen/ATen.h>

#include "hopscope/error.h"
#include "hopscope/file_hash.h"

namespace hopscope {

DataParallel::DataParallel(DistributedGroup& group, int64_t batch) : group_(group), localBatch_(batch) {
  const int64_t ranks = group.worldSize();
  if (batch % ranks != 0)
    throw Error("--batch " + std::to_string(batch) + " does not split evenly over " + std::to_string(ranks) +
                " ranks (the batch is the whole micro-batch over every rank): give a multiple of " +
                std::to_string(ranks));
  localBatch_ = batch / ranks;
}

DataParallel::StepPlan DataParallel::agree(int64_t step, bool cancelled, const std::vector<int64_t>& localTerms) const {
  at::Tensor summed = at::empty({1 + static_cast<int64_t>(localTerms.size())}, at::kLong);
  int64_t* values = summed.data_ptr<int64_t>();
  values[0] = cancelled ? 1 : 0;
  for (size_t i = 0; i < localTerms.size(); ++i) values[i + 1] = localTerms[i];
  group_.allReduceSum(summed, "step " + std::to_string(step + 1));
  StepPlan plan;
  plan.stop = values[0] > 0;
  plan.terms.assign(values + 1, values + 1 + localTerms.size());
  return plan;
}

double DataParallel::sumGradients(const std::vector<AdamW::Parameter>& parameters, double localLoss,
                                  int64_t step) const {
  if (!group_.distributed()) return localLoss;
  at::NoGradGuard noGrad;
  // One flat buffer, one collective (Gloo sums it in place); parameters without a gradient have
  // none on any rank (the same graph everywhere).
  std::vector<at::Tensor> gradients;
  for (const AdamW::Parameter& parameter : parameters)
    if (parameter.value.grad().defined()) gradients.push_back(parameter.value.grad().reshape({-1}));
  at::Tensor flat = at::cat(gradients);
  const std::string what = "gradients of step " + std::to_string(step + 1);
  group_.allReduceSum(flat, what, false);  // right after the step's agreement: no second rendezvous
  int64_t offset = 0;
  for (const AdamW::Parameter& parameter : parameters) {
    if (!parameter.value.grad().defined()) continue;
    at::Tensor gradient = parameter.value.mutable_grad();
    gradient.copy_(flat.narrow(0, offset, gradient.numel()).view_as(gradient));
    offset += gradient.numel();
  }
  at::Tensor loss = at::full({1}, localLoss, at::kDouble);
  group_.allReduceSum(loss, what, false);
  return loss.item<double>();
}

std::string DataParallel::checkSameWeights(const std::vector<AdamW::Parameter>& parameters, int64_t step) const {
  std::vector<at::Tensor> contiguous;
  std::vector<std::pair<const void*, size_t>> buffers;
  for (const AdamW::Parameter& parameter : parameters) {
    contiguous.push_back(parameter.value.detach().contiguous());
    buffers.emplace_back(contiguous.back().data_ptr(), contiguous.back().nbytes());
  }
  const std::string hash = sha256OfBuffers(buffers);
  const std::vector<std::vector<uint8_t>> hashes = group_.gatherToRoot(
      std::vector<uint8_t>(hash.begin(), hash.end()), "weights of step " + std::to_string(step));
  for (size_t rank = 1; rank < hashes.size(); ++rank) {
    const std::string other(hashes[rank].begin(), hashes[rank].end());
    if (other != hash)
      throw Error(group_.label() + ": the weights of rank " + std::to_string(rank) + " differ from rank 0's at step " +
                  std::to_string(step) + " (SHA-256 " + other.substr(0, 12) + "... vs " + hash.substr(0, 12) +
                  "...): the ranks diverged or resumed from different checkpoints");
  }
  return hash;
}

}  // namespace hopscope
