#pragma once
// What a tap site of a forward pass is, in family-independent terms: its layer and its role in the
// block (block output, FFN output, attention probabilities, ...). Each family declares the table of
// its sites (model_family.h); the outlier protocol, the quantizer placement and the views select by
// role and layer instead of by module name. Torch-free: results carry these to the GUI.
#include <cstdint>
#include <string>

#include "hopscope/row_mode.h"

namespace hopscope {

enum class SiteRole {
  Embedding,          // embedding lookups and their sum
  EmbeddingNorm,      // the LayerNorm over the embeddings (post-LN families)
  BlockInput,         // the residual stream entering a layer (pre-LN families)
  AttentionNorm,      // the LayerNorm of the attention sub-block (pre-LN: before it; post-LN: after it)
  Query,
  Key,
  Value,
  Scores,             // scaled scores before the mask [batch, heads, query, key]
  Probs,              // normalizer output [batch, heads, query, key]
  Context,            // merged (gated) heads entering the output projection
  AttentionOutput,    // the attention output projection
  AttentionResidual,  // the residual sum around attention (entering a LayerNorm)
  FfnNorm,            // the LayerNorm of the FFN sub-block (pre-LN: before it; post-LN: after it)
  FfnHidden,          // first FFN projection
  FfnActivation,      // after the FFN nonlinearity
  FfnOutput,          // second FFN projection
  FfnResidual,        // the residual sum around the FFN (entering a LayerNorm)
  BlockOutput,        // the layer's output, the residual stream after it
  FinalNorm,          // the LayerNorm after the last layer
  HeadHidden,         // inside the task head
  OutputHead,         // logits over the vocabulary or the classes
  Other,              // another name of a tensor tapped just before, or a container's output
};

// "block_output", "ffn_output", ... (the JSON spelling); roleFromName is its inverse (Other when unknown).
std::string roleName(SiteRole role);
SiteRole roleFromName(const std::string& name);

struct TapSite {
  std::string name;   // Hugging Face module path, or "<module>.input" / ".scores" / ".probs"
  int64_t layer = -1; // -1: not inside a layer (embeddings, final LayerNorm, head)
  SiteRole role = SiteRole::Other;
  RowMode row = RowMode::PerSample;  // the protocol's row at this site
  bool quantized = false;            // an activation quantizer of the reference W8A8 placement
};

}  // namespace hopscope
