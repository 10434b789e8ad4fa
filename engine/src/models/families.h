#pragma once
// The registered families, one definition file each (bert.cpp, opt.cpp, vit.cpp). To add a family, write
// its file (declaration table, tap sites and model class) and list it in family_registry.cpp.
#include "hopscope/model_family.h"

namespace hopscope {

const ModelFamily& bertFamily();
const ModelFamily& optFamily();
const ModelFamily& vitFamily();

}  // namespace hopscope
