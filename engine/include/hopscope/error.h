#pragma once
// One exception type for everything a user can cause (bad file, bad spec, bad input).
// The message is complete and user-facing: it names the file or item and the problem.
#include <stdexcept>
#include <string>

namespace hopscope {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace hopscope
