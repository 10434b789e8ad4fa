#pragma once
// hopscope's version (the CMake project version), recorded in checkpoints and reports.
namespace hopscope {

const char* hopscopeVersion();

}  // namespace hopscope
