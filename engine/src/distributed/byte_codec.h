#pragma once
// Plain byte writing and checked byte reading for the parts ranks send each other
// (analysis_part.h, quantization_part.h). Numbers are written in this machine's byte order: parts
// travel between processes of the same build.
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "hopscope/error.h"

namespace hopscope {

class ByteWriter {
 public:
  template <typename T>
  void put(T value) {
    static_assert(std::is_trivially_copyable_v<T>);
    const size_t at = bytes_.size();
    bytes_.resize(at + sizeof(T));
    std::memcpy(bytes_.data() + at, &value, sizeof(T));
  }
  void put(const std::string& text) {
    put<uint64_t>(text.size());
    bytes_.insert(bytes_.end(), text.begin(), text.end());
  }
  template <typename T>
  void put(const std::vector<T>& values) {
    put<uint64_t>(values.size());
    for (const T& value : values) put(value);
  }
  void raw(const char* data, size_t size) {  // resize + memcpy: GCC 12 misreads insert into an empty vector
    const size_t at = bytes_.size();
    bytes_.resize(at + size);
    std::memcpy(bytes_.data() + at, data, size);
  }
  std::vector<uint8_t> take() { return std::move(bytes_); }

 private:
  std::vector<uint8_t> bytes_;
};

// Reads what a ByteWriter wrote; every read past the end, bad count or failed check throws Error
// with `malformed` (e.g. "a partial analysis from another rank is malformed").
class ByteReader {
 public:
  ByteReader(const std::vector<uint8_t>& bytes, std::string malformed)
      : bytes_(bytes), malformed_(std::move(malformed)) {}
  template <typename T>
  T get() {
    static_assert(std::is_trivially_copyable_v<T>);
    need(sizeof(T));
    T value;
    std::memcpy(&value, bytes_.data() + at_, sizeof(T));
    at_ += sizeof(T);
    return value;
  }
  std::string text() {
    const uint64_t size = count(1);
    std::string value(reinterpret_cast<const char*>(bytes_.data() + at_), size);
    at_ += size;
    return value;
  }
  template <typename T>
  std::vector<T> values() {
    const uint64_t size = count(sizeof(T));
    std::vector<T> result;
    result.reserve(size);
    for (uint64_t i = 0; i < size; ++i) result.push_back(get<T>());
    return result;
  }
  void expect(const char* data, size_t size) {
    need(size);
    if (std::memcmp(bytes_.data() + at_, data, size) != 0) fail();
    at_ += size;
  }
  bool done() const { return at_ == bytes_.size(); }
  [[noreturn]] void fail() const { throw Error(malformed_); }

 private:
  // An element count, checked against the bytes left (so bad input cannot allocate wildly).
  uint64_t count(size_t elementSize) {
    const uint64_t size = get<uint64_t>();
    if (size > (bytes_.size() - at_) / elementSize) fail();
    return size;
  }
  void need(size_t size) {
    if (bytes_.size() - at_ < size) fail();
  }

  const std::vector<uint8_t>& bytes_;
  std::string malformed_;
  size_t at_ = 0;
};

}  // namespace hopscope
