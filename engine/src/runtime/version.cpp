#include "hopscope/version.h"

namespace hopscope {

const char* hopscopeVersion() { return HOPSCOPE_VERSION; }

}  // namespace hopscope
