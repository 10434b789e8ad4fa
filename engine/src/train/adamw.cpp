#include "hopscope/adamw.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>

#include <algorithm>
#include <cmath>

#include "hopscope/error.h"

namespace hopscope {

AdamW::AdamW(std::vector<Parameter> parameters, const AdamWSettings& settings)
    : parameters_(std::move(parameters)), settings_(settings) {
  for (const Parameter& parameter : parameters_) {
    expAvg_.push_back(at::zeros_like(parameter.value));
    expAvgSq_.push_back(at::zeros_like(parameter.value));
  }
}

void AdamW::step(double learningRate) {
  at::NoGradGuard noGrad;
  ++steps_;
  const double correction1 = 1.0 - std::pow(settings_.beta1, static_cast<double>(steps_));
  const double correction2 = 1.0 - std::pow(settings_.beta2, static_cast<double>(steps_));
  const double stepSize = learningRate / correction1;
  const double correction2Root = std::sqrt(correction2);
  for (size_t i = 0; i < parameters_.size(); ++i) {
    const at::Tensor& value = parameters_[i].value;
    const at::Tensor& gradient = value.grad();
    if (!gradient.defined()) continue;
    if (parameters_[i].decay && settings_.weightDecay != 0) value.mul_(1.0 - learningRate * settings_.weightDecay);
    expAvg_[i].mul_(settings_.beta1).add_(gradient, 1.0 - settings_.beta1);
    expAvgSq_[i].mul_(settings_.beta2).addcmul_(gradient, gradient, 1.0 - settings_.beta2);
    const at::Tensor denominator = (expAvgSq_[i].sqrt() / correction2Root).add_(settings_.eps);
    value.addcdiv_(expAvg_[i], denominator, -stepSize);
  }
}

void AdamW::zeroGrad() {
  for (const Parameter& parameter : parameters_)
    if (parameter.value.grad().defined()) parameter.value.mutable_grad() = at::Tensor();
}

TensorMap AdamW::state() const {
  TensorMap state;
  for (size_t i = 0; i < parameters_.size(); ++i) {
    state.insert("exp_avg." + parameters_[i].name, expAvg_[i]);
    state.insert("exp_avg_sq." + parameters_[i].name, expAvgSq_[i]);
  }
  return state;
}

void AdamW::loadState(const TensorMap& state, int64_t steps) {
  at::NoGradGuard noGrad;
  for (size_t i = 0; i < parameters_.size(); ++i)
    for (auto [prefix, target] : {std::pair{"exp_avg.", &expAvg_[i]}, std::pair{"exp_avg_sq.", &expAvgSq_[i]}}) {
      const std::string name = prefix + parameters_[i].name;
      const at::Tensor* found = state.find(name);
      if (!found) throw Error("optimizer state has no tensor '" + name + "'");
      if (found->sizes() != target->sizes())
        throw Error("optimizer state tensor '" + name + "' has another shape than its parameter");
      target->copy_(*found);
    }
  steps_ = steps;
}

double clipGradientNorm(const std::vector<AdamW::Parameter>& parameters, double maxNorm) {
  at::NoGradGuard noGrad;
  double squares = 0;
  for (const AdamW::Parameter& parameter : parameters)
    if (parameter.value.grad().defined())
      squares += parameter.value.grad().to(at::kDouble).pow(2).sum().item<double>();
  const double norm = std::sqrt(squares);
  if (maxNorm > 0) {
    const double coefficient = maxNorm / (norm + 1e-6);
    if (coefficient < 1)
      for (const AdamW::Parameter& parameter : parameters)
        if (parameter.value.grad().defined()) parameter.value.mutable_grad().mul_(coefficient);
  }
  return norm;
}

double linearWarmupDecay(double peak, int64_t step, int64_t warmup, int64_t total) {
  if (step < warmup) return peak * static_cast<double>(step) / static_cast<double>(std::max<int64_t>(1, warmup));
  return peak * std::max(0.0, static_cast<double>(total - step) / static_cast<double>(std::max<int64_t>(1, total - warmup)));
}

}  // namespace hopscope
