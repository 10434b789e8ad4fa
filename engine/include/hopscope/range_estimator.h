#pragma once
// Activation range estimators: observe calibration batches, then give the (min, max) that
// gridFor() turns into a quantization grid. The range is then frozen by the caller.
//
//   "minmax"        global min and max over all batches
//   "running"       first batch sets (min, max), then v <- m·v + (1 - m)·batch_v, m = 0.9
//   "percentile:P"  as running, but batch_v are the (100 - P)-th and P-th percentiles of the batch
//                   (numpy's default linear interpolation), 50 < P <= 100, e.g. 99.999
//   "mse"           the (min, max) shrink factors minimising the quantization error of a bounded,
//                   deterministic sample of the values seen
// Every observe() accepts any shape of a floating tensor; empty batches are ignored; NaN or
// infinite values throw Error. range() throws Error before any value was observed.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace hopscope {

class RangeEstimator {
 public:
  virtual ~RangeEstimator() = default;
  virtual void observe(const at::Tensor& x) = 0;
  virtual std::pair<double, double> range() const = 0;
  // The spec that makeRangeEstimator() parses into this estimator, e.g. "percentile:99.999".
  virtual std::string spec() const = 0;
};

class MinMaxRangeEstimator : public RangeEstimator {
 public:
  void observe(const at::Tensor& x) override;
  std::pair<double, double> range() const override;
  std::string spec() const override { return "minmax"; }

 private:
  bool seen_ = false;
  double min_ = 0.0, max_ = 0.0;
};

// Exponential moving average of per-batch statistics, the first batch taken as is.
class RunningRangeEstimator : public RangeEstimator {
 public:
  // momentum in [0, 1]; throws Error otherwise.
  explicit RunningRangeEstimator(double momentum = 0.9);
  void observe(const at::Tensor& x) override;
  std::pair<double, double> range() const override;
  std::string spec() const override { return "running"; }

 protected:
  // (min, max) of one non-empty, finite batch, flattened, in its own dtype.
  virtual std::pair<double, double> batchRange(const at::Tensor& values) const;

 private:
  double momentum_;
  bool seen_ = false;
  double min_ = 0.0, max_ = 0.0;
};

class PercentileRangeEstimator : public RunningRangeEstimator {
 public:
  // Batches above this many values are subsampled with a fixed stride before the percentiles.
  static constexpr int64_t kMaxValuesPerBatch = int64_t(1) << 24;

  // 50 < percentile <= 100 and momentum in [0, 1]; throws Error otherwise.
  explicit PercentileRangeEstimator(double percentile, double momentum = 0.9);
  std::string spec() const override;

 protected:
  std::pair<double, double> batchRange(const at::Tensor& values) const override;

 private:
  double percentile_;
};

class MseRangeEstimator : public RangeEstimator {
 public:
  static constexpr int64_t kDefaultSampleCapacity = int64_t(1) << 20;
  static constexpr int kCandidates = 100;

  // bits in [2, 16], sampleCapacity >= 1; throws Error otherwise.
  explicit MseRangeEstimator(int bits, int64_t sampleCapacity = kDefaultSampleCapacity,
                             uint64_t seed = 0x9e3779b97f4a7c15ULL);
  void observe(const at::Tensor& x) override;
  // Computed on first call after new data, then cached.
  std::pair<double, double> range() const override;
  std::string spec() const override { return "mse"; }

  // The reservoir (every value when fewer than the capacity were seen), in arrival order of
  // replacement; exposed for tests.
  const std::vector<float>& sample() const { return sample_; }
  int64_t valuesSeen() const { return seen_; }

 private:
  double uniform();  // in (0, 1)
  void skipAhead();

  int bits_;
  int64_t capacity_;
  std::mt19937_64 random_;
  std::vector<float> sample_;
  int64_t seen_ = 0;
  int64_t nextReplaced_ = 0;  // index (among all values seen) of the next value to enter
  double w_ = 0.0;            // Algorithm L state
  double min_ = 0.0, max_ = 0.0;
  mutable bool cached_ = false;
  mutable std::pair<double, double> cachedRange_;
};

// "minmax", "running", "percentile:P" or "mse" (bits is used by "mse" only). Throws Error naming
// the spec and the accepted forms otherwise.
std::unique_ptr<RangeEstimator> makeRangeEstimator(const std::string& spec, int bits);

}  // namespace hopscope
