// The model forwards are differentiable end to end, for every normalizer and gate: what training
// will rely on. Gradients of a language-model loss reach every weight the forward uses, and agree
// with central finite differences computed on a float64 copy of the model.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "hopscope/loaded_model.h"
#include "hopscope/transformer_model.h"

namespace hopscope {
namespace {

const std::string kModels = std::string(HOPSCOPE_FIXTURES_DIR) + "/models/";

// A float64 copy of the weights whose leaves require gradients.
TensorMap trainableDoubles(const TensorMap& weights) {
  TensorMap copy;
  for (const auto& [name, tensor] : weights.items())
    copy.insert(name, tensor.detach().to(at::kDouble).clone().requires_grad_(true));
  return copy;
}

// Mean cross-entropy of predicting every input token back (a stand-in for the MLM / CLM losses).
at::Tensor lossOf(const TransformerModel& model, const at::Tensor& ids) {
  ModelInputs inputs;
  inputs.inputIds = ids;
  const at::Tensor logits = model.forward(inputs);
  return at::cross_entropy_loss(logits.reshape({-1, logits.size(-1)}), ids.reshape({-1}));
}

class ModelGradient : public ::testing::TestWithParam<std::string> {};

TEST_P(ModelGradient, ReachesEveryWeightAndMatchesFiniteDifferences) {
  const auto loaded = LoadedModel::open(kModels + GetParam());
  const TransformerModel& base = loaded->model();
  const TensorMap weights = trainableDoubles(base.weights());
  const std::unique_ptr<TransformerModel> model = base.withWeights(weights);
  at::manual_seed(3);
  const at::Tensor ids = at::randint(3, base.config().vocabSize, {2, 9}, at::kLong);

  const at::Tensor loss = lossOf(*model, ids);
  ASSERT_TRUE(std::isfinite(loss.item<double>()));
  loss.backward();
  int withGradient = 0;
  for (const auto& [name, tensor] : weights.items()) {
    SCOPED_TRACE(name);
    // Position rows past the 9 tokens and unused vocabulary rows get no gradient; every tensor
    // gets some.
    ASSERT_TRUE(tensor.grad().defined());
    EXPECT_GT(tensor.grad().abs().max().item<double>(), 0.0);
    ++withGradient;
  }
  EXPECT_EQ(withGradient, static_cast<int>(weights.items().size()));

  // Central differences on a few entries of tensors deep inside the network.
  at::NoGradGuard noGrad;
  for (const auto& [name, tensor] : weights.items()) {
    if (name.find("layers.1.") == std::string::npos && name.find("layer.1.") == std::string::npos) continue;
    if (tensor.dim() != 2) continue;
    const double h = 1e-6;
    at::Tensor entry = tensor.view({-1})[tensor.numel() / 3];
    const double original = entry.item<double>();
    entry.fill_(original + h);
    const double up = lossOf(*model, ids).item<double>();
    entry.fill_(original - h);
    const double down = lossOf(*model, ids).item<double>();
    entry.fill_(original);
    const double numeric = (up - down) / (2 * h);
    const double analytic = tensor.grad().view({-1})[tensor.numel() / 3].item<double>();
    EXPECT_NEAR(analytic, numeric, 1e-6 + 1e-5 * std::fabs(numeric)) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, ModelGradient,
                         ::testing::Values("bert-tiny", "bert-tiny-gated@softmax1", "bert-tiny@clipped:-0.03:1.03",
                                           "opt-tiny@softmax1", "opt-tiny-gated", "opt-tiny@clipped-softmax1:-0.03:1.0"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

}  // namespace
}  // namespace hopscope
