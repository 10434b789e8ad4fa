#include "hopscope/tap_site.h"

#include <utility>

namespace hopscope {
namespace {

constexpr std::pair<SiteRole, const char*> kRoleNames[] = {
    {SiteRole::Embedding, "embedding"},
    {SiteRole::EmbeddingNorm, "embedding_norm"},
    {SiteRole::BlockInput, "block_input"},
    {SiteRole::AttentionNorm, "attention_norm"},
    {SiteRole::Query, "query"},
    {SiteRole::Key, "key"},
    {SiteRole::Value, "value"},
    {SiteRole::Scores, "scores"},
    {SiteRole::Probs, "probs"},
    {SiteRole::Context, "context"},
    {SiteRole::AttentionOutput, "attention_output"},
    {SiteRole::AttentionResidual, "attention_residual"},
    {SiteRole::FfnNorm, "ffn_norm"},
    {SiteRole::FfnHidden, "ffn_hidden"},
    {SiteRole::FfnActivation, "ffn_activation"},
    {SiteRole::FfnOutput, "ffn_output"},
    {SiteRole::FfnResidual, "ffn_residual"},
    {SiteRole::BlockOutput, "block_output"},
    {SiteRole::FinalNorm, "final_norm"},
    {SiteRole::HeadHidden, "head_hidden"},
    {SiteRole::OutputHead, "output_head"},
    {SiteRole::Other, "other"},
};

}  // namespace

std::string roleName(SiteRole role) {
  for (const auto& [value, name] : kRoleNames)
    if (value == role) return name;
  return "other";
}

SiteRole roleFromName(const std::string& name) {
  for (const auto& [value, text] : kRoleNames)
    if (name == text) return value;
  return SiteRole::Other;
}

}  // namespace hopscope
