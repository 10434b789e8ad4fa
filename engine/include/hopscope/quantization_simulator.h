#pragma once
// Post-training quantization simulated in float (science.md section 6): weights fake-quantized
// once, activations fake-quantized at named tap sites with ranges estimated on calibration batches
// and then frozen. The placement per family follows the reference protocol; sites can be kept in
// float to ask "what if". Every quantizer reports its range, scale, clipping and SQNR.
#include <ATen/core/Tensor.h>

#include <memory>
#include <string>
#include <vector>

#include "hopscope/forward_hooks.h"
#include "hopscope/quantization_diagnostics.h"
#include "hopscope/quantization_study.h"
#include "hopscope/quantizer.h"
#include "hopscope/transformer_model.h"

namespace hopscope {

struct QuantizationSettings {
  int weightBits = 8;
  int activationBits = 8;
  Granularity weightGranularity = Granularity::PerTensor;
  WeightRange weightRange = WeightRange::MinMax;
  WeightGrid weightGrid = WeightGrid::Signed;
  std::string estimator = "running";  // activation range estimator: minmax, running, percentile:P, mse
  // Sites (activation site names or weight tensor names) matching any of these regular expressions
  // (searched, not anchored) stay in float, e.g. "LayerNorm$" or "\\.probs$".
  std::vector<std::string> keepFloat;
  // The quantized model runs the OutEffHop reference's ViT block (LayerNorm after each sublayer:
  // model_config.h normAfterSublayer); Error for a family whose forward has no such mode.
  bool referenceCompat = false;
};

// The reference placement (science.md section 6): the tap sites the model's family marks as
// quantized, in forward order, and every weight tensor except biases, gate networks and the
// family's float heads.
std::vector<std::string> activationQuantizerSites(const TransformerModel& model);
std::vector<std::string> weightQuantizerNames(const TransformerModel& model);

class QuantizationSimulator {
 public:
  // Quantizes the model's weights now (Error on bad settings).
  QuantizationSimulator(const TransformerModel& model, const QuantizationSettings& settings);
  ~QuantizationSimulator();

  // A calibration batch: every activation quantizer observes its input and quantizes with the
  // running estimate (as the reference's range-estimation pass does). Allowed until freeze().
  void calibrate(const ModelInputs& inputs);
  // Fixes every activation range; Error if nothing was calibrated.
  void freeze();
  bool frozen() const;

  // The quantized forward (frozen ranges); `observer` sees the quantized activations after the
  // quantizers (for dumps and statistics). Diagnostics accumulate over calls.
  at::Tensor forward(const ModelInputs& inputs, ForwardHooks* observer = nullptr);

  std::vector<QuantizerSummary> quantizers() const;  // weights first, then activations in forward order
  // The activation quantizers' diagnostics so far, in the order quantizers() lists them: they
  // merge by adding, so the evaluations of several shards combine (quantization_part.h).
  std::vector<QuantizerDiagnostics> activationDiagnostics() const;
  const TransformerModel& quantizedModel() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hopscope
