#include "hopscope/range_estimator.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <sstream>

#include "hopscope/error.h"
#include "hopscope/quantizer.h"

namespace hopscope {
namespace {

// The batch flattened, or an empty tensor when there is nothing to observe.
at::Tensor flatBatch(const at::Tensor& x, const std::string& spec) {
  if (!x.defined()) throw Error("range estimator '" + spec + "': the batch tensor is undefined");
  if (!at::isFloatingType(x.scalar_type()))
    throw Error("range estimator '" + spec + "': expected a floating-point batch, got " +
                std::string(c10::toString(x.scalar_type())));
  at::Tensor flat = x.detach().reshape({-1});
  if (flat.numel() > 0 && !at::isfinite(flat).all().item<bool>())
    throw Error("range estimator '" + spec + "': the batch holds NaN or infinite values");
  return flat;
}

std::pair<double, double> exactRange(const at::Tensor& flat) {
  return {flat.min().item<double>(), flat.max().item<double>()};
}

[[noreturn]] void throwNoData(const std::string& spec) {
  throw Error("range estimator '" + spec + "': no values were observed, so there is no range");
}

// The q-th percentile (0..100) of sorted-order statistics, interpolated linearly between the two
// nearest ranks exactly as numpy.percentile does by default (including its lerp form).
double percentileOf(const at::Tensor& values, double q) {
  const int64_t n = values.numel();
  const double position = (q / 100.0) * static_cast<double>(n - 1);
  const int64_t below = std::min<int64_t>(static_cast<int64_t>(std::floor(position)), n - 1);
  const double t = position - static_cast<double>(below);
  auto rank = [&](int64_t index) {  // 0-based order statistic
    return std::get<0>(at::kthvalue(values, index + 1)).item<double>();
  };
  const double a = rank(below);
  if (t == 0.0 || below + 1 >= n) return a;
  const double b = rank(below + 1);
  const double difference = b - a;
  return t >= 0.5 ? b - difference * (1.0 - t) : a + difference * t;
}

double parseNumber(const std::string& text, const std::string& spec) {
  size_t used = 0;
  double value = std::numeric_limits<double>::quiet_NaN();
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size() || !std::isfinite(value))
    throw Error("range estimator spec '" + spec + "': '" + text + "' is not a number");
  return value;
}

}  // namespace

// ---- minmax ----

void MinMaxRangeEstimator::observe(const at::Tensor& x) {
  at::Tensor flat = flatBatch(x, spec());
  if (flat.numel() == 0) return;
  auto [batchMin, batchMax] = exactRange(flat);
  min_ = seen_ ? std::min(min_, batchMin) : batchMin;
  max_ = seen_ ? std::max(max_, batchMax) : batchMax;
  seen_ = true;
}

std::pair<double, double> MinMaxRangeEstimator::range() const {
  if (!seen_) throwNoData(spec());
  return {min_, max_};
}

// ---- running ----

RunningRangeEstimator::RunningRangeEstimator(double momentum) : momentum_(momentum) {
  if (!(momentum >= 0.0 && momentum <= 1.0))
    throw Error("range estimator 'running': the momentum must be in [0, 1], got " +
                std::to_string(momentum));
}

std::pair<double, double> RunningRangeEstimator::batchRange(const at::Tensor& values) const {
  return exactRange(values);
}

void RunningRangeEstimator::observe(const at::Tensor& x) {
  at::Tensor flat = flatBatch(x, spec());
  if (flat.numel() == 0) return;
  auto [batchMin, batchMax] = batchRange(flat);
  if (!seen_) {
    min_ = batchMin;
    max_ = batchMax;
    seen_ = true;
    return;
  }
  // Same order of operations as the reference: (1 - m)·batch + m·current.
  min_ = (1.0 - momentum_) * batchMin + momentum_ * min_;
  max_ = (1.0 - momentum_) * batchMax + momentum_ * max_;
}

std::pair<double, double> RunningRangeEstimator::range() const {
  if (!seen_) throwNoData(spec());
  return {min_, max_};
}

// ---- percentile ----

PercentileRangeEstimator::PercentileRangeEstimator(double percentile, double momentum)
    : RunningRangeEstimator(momentum), percentile_(percentile) {
  if (!(percentile > 50.0 && percentile <= 100.0))
    throw Error("range estimator 'percentile': the percentile must be above 50 and at most 100, got " +
                std::to_string(percentile));
}

std::string PercentileRangeEstimator::spec() const {
  // The shortest decimal that reads back as the same double: "percentile:99.999".
  std::string number;
  for (int digits = 1; digits <= 17; ++digits) {
    std::ostringstream text;
    text.precision(digits);
    text << percentile_;
    number = text.str();
    if (std::stod(number) == percentile_) break;
  }
  return "percentile:" + number;
}

std::pair<double, double> PercentileRangeEstimator::batchRange(const at::Tensor& values) const {
  // Selection on more than 2^24 values costs memory and time for little change in a tail
  // percentile: keep every stride-th value, a deterministic subsample of at most 2^24 values.
  at::Tensor kept = values;
  const int64_t n = values.numel();
  if (n > kMaxValuesPerBatch) {
    const int64_t stride = (n + kMaxValuesPerBatch - 1) / kMaxValuesPerBatch;
    kept = values.slice(0, 0, n, stride);
  }
  kept = kept.to(at::kDouble).to(at::kCPU).contiguous();
  return {percentileOf(kept, 100.0 - percentile_), percentileOf(kept, percentile_)};
}

// ---- mse ----

MseRangeEstimator::MseRangeEstimator(int bits, int64_t sampleCapacity, uint64_t seed)
    : bits_(bits), capacity_(sampleCapacity), random_(seed) {
  if (bits < 2 || bits > 16)
    throw Error("range estimator 'mse': the bit width must be between 2 and 16, got " +
                std::to_string(bits));
  if (sampleCapacity < 1)
    throw Error("range estimator 'mse': the sample capacity must be at least 1, got " +
                std::to_string(sampleCapacity));
  sample_.reserve(static_cast<size_t>(std::min<int64_t>(sampleCapacity, int64_t(1) << 16)));
}

double MseRangeEstimator::uniform() {
  // 53 random bits, shifted by half a step: never 0 or 1, so its logarithm is finite.
  return (static_cast<double>(random_() >> 11) + 0.5) * 0x1.0p-53;
}

// Algorithm L (Li 1994): jump straight to the next value that enters the reservoir.
void MseRangeEstimator::skipAhead() {
  const double skip = std::floor(std::log(uniform()) / std::log1p(-w_));
  const double limit = static_cast<double>(std::numeric_limits<int64_t>::max() / 2);
  nextReplaced_ += static_cast<int64_t>(std::min(skip, limit)) + 1;
}

void MseRangeEstimator::observe(const at::Tensor& x) {
  at::Tensor flat = flatBatch(x, spec());
  if (flat.numel() == 0) return;
  auto [batchMin, batchMax] = exactRange(flat);
  min_ = seen_ > 0 ? std::min(min_, batchMin) : batchMin;
  max_ = seen_ > 0 ? std::max(max_, batchMax) : batchMax;
  cached_ = false;

  at::Tensor values = flat.to(at::kFloat).to(at::kCPU).contiguous();
  const float* data = values.data_ptr<float>();
  const int64_t n = values.numel();
  const double k = static_cast<double>(capacity_);
  int64_t i = 0;
  while (i < n && static_cast<int64_t>(sample_.size()) < capacity_) {
    sample_.push_back(data[i++]);
    ++seen_;
    if (static_cast<int64_t>(sample_.size()) == capacity_) {
      w_ = std::exp(std::log(uniform()) / k);
      nextReplaced_ = seen_ - 1;
      skipAhead();
    }
  }
  while (i < n) {
    const int64_t offset = nextReplaced_ - seen_;
    if (offset >= n - i) {
      seen_ += n - i;
      break;
    }
    i += offset;
    seen_ += offset;
    sample_[static_cast<size_t>(random_() % static_cast<uint64_t>(capacity_))] = data[i++];
    ++seen_;
    w_ *= std::exp(std::log(uniform()) / k);
    skipAhead();
  }
}

// Alternating 1-D grid searches over the shrink factors a, b in {0.01, ..., 1} of the observed
// range (min·a, max·b), each minimising Σ(s - q)² over the sample s, until a search changes
// nothing. Candidates run from 1 downwards and only a strictly smaller error wins, so ties keep
// the wider range. A one-sided sample (min >= 0 or max <= 0) needs one search only.
std::pair<double, double> MseRangeEstimator::range() const {
  if (seen_ == 0) throwNoData(spec());
  if (cached_) return cachedRange_;

  const double low = std::min(min_, 0.0);
  const double high = std::max(max_, 0.0);
  at::Tensor sample = at::from_blob(const_cast<float*>(sample_.data()),
                                    {static_cast<int64_t>(sample_.size())}, at::kFloat);
  auto error = [&](int lowIndex, int highIndex) {
    const ActivationGrid grid = gridFor(low * lowIndex / kCandidates, high * highIndex / kCandidates, bits_);
    return (sample - fakeQuantizeActivation(sample, grid)).pow_(2).sum(at::kDouble).item<double>();
  };
  int lowIndex = kCandidates, highIndex = kCandidates;
  double best = error(lowIndex, highIndex);
  auto search = [&](bool onHigh) {
    int& index = onHigh ? highIndex : lowIndex;
    const int before = index;
    for (int candidate = kCandidates - 1; candidate >= 1; --candidate) {
      const double e = onHigh ? error(lowIndex, candidate) : error(candidate, highIndex);
      if (e < best) {
        best = e;
        index = candidate;
      }
    }
    return index != before;
  };
  // Stop when a search changes nothing: the other factor was last searched with this one.
  const bool searchHigh = high > 0.0, searchLow = low < 0.0;
  if (searchHigh) search(true);
  if (searchLow) {
    bool onHigh = false;
    for (int step = 0; step < 16; ++step) {
      if (!search(onHigh) || !searchHigh) break;
      onHigh = !onHigh;
    }
  }
  cachedRange_ = {low * lowIndex / kCandidates, high * highIndex / kCandidates};
  cached_ = true;
  return cachedRange_;
}

// ---- factory ----

std::unique_ptr<RangeEstimator> makeRangeEstimator(const std::string& spec, int bits) {
  if (spec == "minmax") return std::make_unique<MinMaxRangeEstimator>();
  if (spec == "running") return std::make_unique<RunningRangeEstimator>();
  if (spec == "mse") return std::make_unique<MseRangeEstimator>(bits);
  const std::string prefix = "percentile:";
  if (spec.compare(0, prefix.size(), prefix) == 0)
    return std::make_unique<PercentileRangeEstimator>(parseNumber(spec.substr(prefix.size()), spec));
  throw Error("range estimator spec '" + spec +
              "' is not one of: minmax, running, percentile:P (50 < P <= 100), mse");
}

}  // namespace hopscope
