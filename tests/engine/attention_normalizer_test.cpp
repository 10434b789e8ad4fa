// Normalizers against science.md's reference values and against independent formulations.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <limits>

#include "hopscope/attention_normalizer.h"
#include "hopscope/error.h"

using namespace hopscope;

namespace {

at::Tensor row(std::vector<float> values) { return at::tensor(values, at::kFloat); }

void expectValues(const at::Tensor& actual, std::vector<double> expected, double tolerance = 5e-7) {
  ASSERT_EQ(actual.numel(), static_cast<int64_t>(expected.size()));
  const at::Tensor flat = actual.to(at::kDouble).reshape({-1});
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(flat[i].item<double>(), expected[i], tolerance) << "element " << i;
}

}  // namespace

// The table of science.md section 2 (to 6 decimals).
TEST(AttentionNormalizer, ReferenceValues) {
  const NormalizerSpec softmax = parseNormalizer("softmax");
  const NormalizerSpec softmax1 = parseNormalizer("softmax1");
  const NormalizerSpec legacy = parseNormalizer("softmax1-legacy");
  expectValues(normalizeAttention(row({0, 0}), softmax), {0.5, 0.5});
  expectValues(normalizeAttention(row({0, 0}), softmax1), {0.333333, 0.333333}, 1e-6);
  expectValues(normalizeAttention(row({0, 0}), legacy), {0.333333, 0.333333}, 1e-6);
  expectValues(normalizeAttention(row({2, 0}), softmax), {0.880797, 0.119203}, 1e-6);
  expectValues(normalizeAttention(row({2, 0}), softmax1), {0.786986, 0.106507}, 1e-6);
  expectValues(normalizeAttention(row({2, 0}), legacy), {0.468311, 0.063379}, 1e-6);
  expectValues(normalizeAttention(row({-3, -5}), softmax), {0.880797, 0.119203}, 1e-6);
  expectValues(normalizeAttention(row({-3, -5}), softmax1), {0.047123, 0.006377}, 1e-6);
  expectValues(normalizeAttention(row({-3, -5}), legacy), {0.468311, 0.063379}, 1e-6);
}

// softmax1(x) equals softmax over [x, 0] with the extra column dropped; as attention, softmax1(S)V
// equals softmax([S, 0]) [V; 0].
TEST(AttentionNormalizer, Softmax1EqualsSoftmaxWithZeroKeyAndZeroValue) {
  at::manual_seed(7);
  const at::Tensor scores = at::randn({3, 4, 9, 9}, at::kDouble) * 6;
  const at::Tensor values = at::randn({3, 4, 9, 5}, at::kDouble);
  const at::Tensor extended = at::cat({scores, at::zeros({3, 4, 9, 1}, at::kDouble)}, -1);
  const at::Tensor reference = at::softmax(extended, -1).slice(-1, 0, 9);
  const at::Tensor probs = normalizeAttention(scores, parseNormalizer("softmax1"));
  EXPECT_LT((probs - reference).abs().max().item<double>(), 1e-12);
  const at::Tensor extendedValues = at::cat({values, at::zeros({3, 4, 1, 5}, at::kDouble)}, -2);
  const at::Tensor context = at::matmul(at::softmax(extended, -1), extendedValues);
  EXPECT_LT((at::matmul(probs, values) - context).abs().max().item<double>(), 1e-12);
}

// Large logits must not overflow (the stabilised form).
TEST(AttentionNormalizer, Softmax1IsStableForLargeScores) {
  const at::Tensor probs = normalizeAttention(row({1000, 999, -1000}), parseNormalizer("softmax1"));
  EXPECT_TRUE(at::isfinite(probs).all().item<bool>());
  const double e = std::exp(-1.0);
  expectValues(probs, {1 / (1 + e), e / (1 + e), 0.0}, 1e-6);
}

TEST(AttentionNormalizer, AllMaskedRow) {
  const float lowest = std::numeric_limits<float>::lowest();
  const at::Tensor masked = row({lowest, lowest, lowest});
  expectValues(normalizeAttention(masked, parseNormalizer("softmax1")), {0, 0, 0}, 0);
  expectValues(normalizeAttention(masked, parseNormalizer("clipped-softmax1:-0.025:1")), {0, 0, 0}, 0);
  // softmax gives a uniform row, as PyTorch does.
  expectValues(normalizeAttention(masked, parseNormalizer("softmax")), {1 / 3.0, 1 / 3.0, 1 / 3.0}, 1e-7);
  // One unmasked entry among masked ones: softmax1 gives exp(x)/(1+exp(x)) there.
  expectValues(normalizeAttention(row({lowest, 1.0f, lowest}), parseNormalizer("softmax1")),
               {0, std::exp(1.0) / (1 + std::exp(1.0)), 0}, 1e-7);
}

TEST(AttentionNormalizer, ClippedReachesExactZeroAndOne) {
  // softmax([10, 0, -10]) = [0.9999546, 4.5398e-5, 2.06e-9]; stretched by (1 + 0.025) - 0.025.
  const at::Tensor probs = normalizeAttention(row({10, 0, -10}), parseNormalizer("clipped:-0.025:1"));
  EXPECT_EQ(probs[1].item<float>(), 0.0f);
  EXPECT_EQ(probs[2].item<float>(), 0.0f);
  const double top = 1.0 / (1.0 + std::exp(-10.0) + std::exp(-20.0));
  EXPECT_NEAR(probs[0].item<double>(), 1.025 * top - 0.025, 1e-6);
  const at::Tensor one = normalizeAttention(row({10, -10}), parseNormalizer("clipped:-0.025:1.1"));
  EXPECT_EQ(one[0].item<float>(), 1.0f);
  EXPECT_EQ(one[1].item<float>(), 0.0f);
  // clipped-softmax1 with a no-op row: every entry clipped to exactly zero.
  const at::Tensor none = normalizeAttention(row({-8, -9}), parseNormalizer("clipped-softmax1:-0.025:1"));
  EXPECT_EQ(none.abs().sum().item<float>(), 0.0f);
}

TEST(AttentionNormalizer, FiniteGradientsForEveryNormalizer) {
  const float lowest = std::numeric_limits<float>::lowest();
  for (const char* spec : {"softmax", "softmax1", "softmax1-legacy", "clipped:-0.025:1",
                           "clipped-softmax1:-0.025:1.1"}) {
    at::Tensor scores = at::tensor({3.0f, -1.0f, 0.5f, lowest, 40.0f, -40.0f}).view({2, 3});
    scores.set_requires_grad(true);
    const at::Tensor weights = at::tensor({0.3f, -1.2f, 2.0f, 0.7f, 1.1f, -0.4f}).view({2, 3});
    (normalizeAttention(scores, parseNormalizer(spec)) * weights).sum().backward();
    EXPECT_TRUE(at::isfinite(scores.grad()).all().item<bool>()) << spec;
  }
}

// OPT's causal mask as the engine applies it without padding (self_attention.h,
// maskFillsDtypeMin): filling the masked scores with the dtype minimum gives the probabilities and
// score gradients of Hugging Face's scores + causal mask clamped at the minimum, bit for bit (up to
// the sign of a zero gradient), for every normalizer.
TEST(AttentionNormalizer, CausalMaskFillEqualsTheAddedMaskClampedAtTheMinimum) {
  const float lowest = std::numeric_limits<float>::lowest();
  const int64_t batch = 3, heads = 2, tokens = 7;
  at::manual_seed(3);
  const at::Tensor scores = at::randn({batch, heads, tokens, tokens}) * 8;
  const at::Tensor masked = at::ones({tokens, tokens}, at::kBool).triu(1).view({1, 1, tokens, tokens});
  const at::Tensor additive = at::full({tokens, tokens}, lowest).triu(1).view({1, 1, tokens, tokens});
  const at::Tensor upstream = at::randn({batch, heads, tokens, tokens});
  for (const char* spec : {"softmax", "softmax1", "softmax1-legacy", "clipped:-0.1:1.1", "clipped-softmax1:-0.1:1.1"}) {
    SCOPED_TRACE(spec);
    const NormalizerSpec normalizer = parseNormalizer(spec);
    const at::Tensor added = scores.clone().requires_grad_(true);
    const at::Tensor filled = scores.clone().requires_grad_(true);
    const at::Tensor reference = normalizeAttention((added + additive).clamp_min(lowest), normalizer);
    const at::Tensor engine = normalizeAttention(filled.masked_fill(masked, lowest), normalizer);
    EXPECT_TRUE(at::equal(engine, reference));
    (reference * upstream).sum().backward();
    (engine * upstream).sum().backward();
    EXPECT_TRUE(at::equal(filled.grad(), added.grad()));  // compares values: -0 == +0
  }
}

TEST(NormalizerSpec, ParsesAndRoundTrips) {
  for (const char* text : {"softmax", "softmax1", "softmax1-legacy", "clipped:-0.025:1",
                           "clipped-softmax1:-0.1:1.1", "clipped:-0.0234375:1"}) {
    const NormalizerSpec spec = parseNormalizer(text);
    EXPECT_EQ(spec.toString(), text);
    EXPECT_TRUE(parseNormalizer(spec.toString()) == spec);
  }
  const NormalizerSpec clipped = parseNormalizer("clipped:-1e-5:1");
  EXPECT_DOUBLE_EQ(clipped.gamma, -1e-5);
  EXPECT_DOUBLE_EQ(clipped.zeta, 1.0);
}

TEST(NormalizerSpec, RejectsBadSpecsClearly) {
  auto messageOf = [](const std::string& text) {
    try {
      parseNormalizer(text);
    } catch (const Error& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(messageOf("softmax2").find("unknown normalizer 'softmax2'"), std::string::npos);
  EXPECT_NE(messageOf("clipped").find("needs GAMMA and ZETA"), std::string::npos);
  EXPECT_NE(messageOf("clipped:-0.1").find("needs GAMMA and ZETA"), std::string::npos);
  EXPECT_NE(messageOf("clipped:abc:1").find("GAMMA 'abc' is not a number"), std::string::npos);
  EXPECT_NE(messageOf("clipped:0.1:1").find("GAMMA must be negative"), std::string::npos);
  EXPECT_NE(messageOf("clipped:-0.1:0.9").find("ZETA must be at least 1"), std::string::npos);
  EXPECT_NE(messageOf("softmax1:3").find("takes no parameters"), std::string::npos);
  EXPECT_NE(messageOf("clipped:-0.1:1:2").find("needs GAMMA and ZETA"), std::string::npos);
}
