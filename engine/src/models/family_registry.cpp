#include <cctype>

#include "families.h"
#include "hopscope/error.h"
#include "hopscope/message_text.h"

namespace hopscope {

const std::vector<const ModelFamily*>& modelFamilies() {
  static const std::vector<const ModelFamily*> families = {&bertFamily(), &optFamily(), &vitFamily()};
  return families;
}

namespace {

std::string supportedTypes() {
  std::string list;
  for (const ModelFamily* family : modelFamilies())
    list += (list.empty() ? "\"" : ", \"") + family->modelType + "\"";
  return list;
}

}  // namespace

const ModelFamily& familyForModelType(const std::string& modelType, const std::string& source) {
  if (modelType.empty()) throw Error(source + ": missing \"model_type\" (supported: " + supportedTypes() + ")");
  for (const ModelFamily* family : modelFamilies())
    if (family->modelType == modelType) return *family;
  throw Error(source + ": model_type \"" + printable(modelType) + "\" is not supported (supported: " + supportedTypes() + ")");
}

const ModelFamily* findFamily(const std::string& name) {
  for (const ModelFamily* family : modelFamilies())
    if (family->name == name) return family;
  return nullptr;
}

std::string taskName(TaskKind task) {
  switch (task) {
    case TaskKind::CausalLanguageModel: return "causal_lm";
    case TaskKind::ImageClassification: return "image_classification";
    case TaskKind::MaskedLanguageModel: break;
  }
  return "masked_lm";
}

ModuleName describeModule(const ModelFamily& family, const std::string& name) {
  ModuleName result;
  const std::string& prefix = family.layerPrefix;
  if (!prefix.empty() && name.compare(0, prefix.size(), prefix) == 0) {
    size_t end = prefix.size();
    while (end < name.size() && std::isdigit(static_cast<unsigned char>(name[end]))) ++end;
    if (end > prefix.size() && (end == name.size() || name[end] == '.')) {
      const std::string digits = name.substr(prefix.size(), end - prefix.size());
      result.layer = std::stoll(digits);
      result.shortName = "L" + digits + (end == name.size() ? "" : " " + name.substr(end + 1));
      return result;
    }
  }
  const std::string& strip = family.namePrefix;
  result.shortName = !strip.empty() && name.compare(0, strip.size(), strip) == 0 && name.size() > strip.size()
                         ? name.substr(strip.size())
                         : name;
  return result;
}

}  // namespace hopscope
