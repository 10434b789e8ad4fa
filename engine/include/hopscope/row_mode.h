#pragma once
// The outlier protocol's row (science.md section 5): one batch item (all tokens x channels: a
// sequence or an image), or one token. The statistics accumulate per row; families declare which
// row each tap site uses (tap_site.h).
namespace hopscope {

enum class RowMode { PerSample, PerToken };

}  // namespace hopscope
