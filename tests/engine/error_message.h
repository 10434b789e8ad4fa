#pragma once
// The message of the hopscope::Error an action throws, for tests that check what users read.
#include <gtest/gtest.h>

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

// Expects the action to throw a hopscope::Error whose message contains `phrase`.
#define EXPECT_ERROR_MESSAGE(action, phrase)                                                     \
  do {                                                                                           \
    const std::string message = ::hopscope::test::errorMessage([&] { (void)(action); });         \
    EXPECT_NE(message.find(phrase), std::string::npos) << message;                               \
  } while (false)
