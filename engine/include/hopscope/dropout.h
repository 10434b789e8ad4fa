#pragma once
// Training-time dropout as Hugging Face's BERT and OPT place it: on the embeddings, on the
// attention probabilities, and on each sublayer's output before the residual sum. Inverted
// dropout (kept values scaled by 1/(1-p)), drawn from an explicit generator so a training step is
// reproducible from (seed, step) alone and a resumed run needs no saved random state.
// A forward without a Dropout (ModelInputs::dropout == nullptr) is the evaluation forward.
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

namespace hopscope {

class Dropout {
 public:
  // hidden: embeddings and sublayer outputs (hidden_dropout_prob / dropout); attention: the
  // attention probabilities (attention_probs_dropout_prob / attention_dropout). Both in [0, 1).
  Dropout(double hidden, double attention, at::Generator generator);

  at::Tensor hidden(const at::Tensor& x) const { return apply(x, hidden_); }
  at::Tensor attention(const at::Tensor& probs) const { return apply(probs, attention_); }

 private:
  at::Tensor apply(const at::Tensor& x, double p) const;

  double hidden_, attention_;
  at::Generator generator_;  // a handle: drawing advances the shared state
};

// x itself when dropout is null (evaluation), else its hidden / attention dropout.
inline at::Tensor hiddenDropout(const Dropout* dropout, const at::Tensor& x) {
  return dropout ? dropout->hidden(x) : x;
}
inline at::Tensor attentionDropout(const Dropout* dropout, const at::Tensor& probs) {
  return dropout ? dropout->attention(probs) : probs;
}

}  // namespace hopscope
