#pragma once
// The message of the hopscope::Error an action throws, for tests that check what users read.
#include <functional>
#include <string>

#include "hopscope/error.h"

namespace hopscope::test {

inline std::string errorMessage(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& error) {
    return error.what();
  }
  return "(no Error thrown)";
}

}  // namespace hopscope::test
