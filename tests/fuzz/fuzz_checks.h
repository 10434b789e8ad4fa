#pragma once
// What every target asserts about an Error a parser throws: hopscope-cli prints it as the one
// line of its output, so a message spanning lines (a name or token with a newline copied from the
// file) is a finding.
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "hopscope/error.h"

namespace hopscope::fuzz {

inline void expectOneLine(const Error& error) {
  if (std::strchr(error.what(), '\n') != nullptr) {
    std::fprintf(stderr, "error message spans lines:\n%s\n", error.what());
    std::abort();
  }
}

}  // namespace hopscope::fuzz
