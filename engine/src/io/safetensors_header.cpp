#include "io/safetensors_header.h"

#include "hopscope/error.h"
#include "hopscope/json_limits.h"
#include "hopscope/message_text.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>
#include <utility>

namespace hopscope {
namespace {

// A plain (sorted) JSON object: nlohmann::ordered_json finds keys by a linear scan, which makes a
// header of n tensors quadratic to parse. The header order, which becomes the tensor order, is
// recorded by the parser callback instead.
using Json = nlohmann::json;

struct ParsedHeader {
  Json json;
  std::vector<std::string> order;  // top-level keys as they appear in the file
};

struct DtypeName {
  at::ScalarType dtype;
  const char* name;
};

constexpr DtypeName kDtypes[] = {
    {at::kDouble, "F64"}, {at::kFloat, "F32"}, {at::kHalf, "F16"},  {at::kBFloat16, "BF16"},
    {at::kLong, "I64"},   {at::kInt, "I32"},   {at::kShort, "I16"}, {at::kChar, "I8"},
    {at::kByte, "U8"},    {at::kBool, "BOOL"},
};

std::string shapeText(const std::vector<int64_t>& shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

std::string rangeText(uint64_t begin, uint64_t end) {
  return "[" + std::to_string(begin) + ", " + std::to_string(end) + "]";
}

// Scans the header for its keys first, because a JSON object keeps only one value per key and
// would hide a duplicated tensor name; the scan also limits the nesting depth.
ParsedHeader parseJsonRejectingDuplicates(const char* text, size_t length, const std::string& source) {
  ParsedHeader header;
  const std::string where = source + ": ";
  std::string currentTensor;
  std::string duplicateMessage;
  const JsonKeyVisitor visitKey = [&](int depth, const std::string& key, bool duplicate) {
    if (depth == 1) {
      currentTensor = key;
      if (!duplicate) header.order.push_back(key);
    }
    if (duplicate && duplicateMessage.empty()) {
      if (depth > 1)
        duplicateMessage = "entry '" + printable(currentTensor) + "' has the key \"" + printable(key) + "\" twice";
      else if (key == "__metadata__")
        duplicateMessage = "\"__metadata__\" appears twice in the header";
      else
        duplicateMessage = "duplicate tensor name '" + printable(key) + "' in the header";
    }
  };
  try {
    scanJson(std::string_view(text, length), source, visitKey);
    if (duplicateMessage.empty()) header.json = Json::parse(text, text + length);
  } catch (const Json::parse_error& error) {
    std::string detail = error.what();
    const size_t bracket = detail.find("] ");  // drop nlohmann's "[json.exception...]" prefix
    if (bracket != std::string::npos) detail = detail.substr(bracket + 2);
    throw Error(where + "header is not valid JSON: " + detail);
  }
  if (!duplicateMessage.empty()) throw Error(where + duplicateMessage);
  return header;
}

std::map<std::string, std::string> readMetadata(const Json& value, const std::string& where) {
  if (!value.is_object())
    throw Error(where + "\"__metadata__\" must be a JSON object of strings, found " +
                value.type_name());
  std::map<std::string, std::string> metadata;
  for (const auto& [key, item] : value.items()) {
    if (!item.is_string())
      throw Error(where + "\"__metadata__\" must map strings to strings, but '" + key +
                  "' holds a " + item.type_name());
    metadata[key] = item.get<std::string>();
  }
  return metadata;
}

std::vector<int64_t> readShape(const Json& value, const std::string& where) {
  if (!value.is_array())
    throw Error(where + "\"shape\" must be an array of integers, found " + value.type_name());
  std::vector<int64_t> shape;
  for (const Json& dim : value) {
    if (!dim.is_number_integer())
      throw Error(where + "\"shape\" must be an array of integers, found " + jsonSnippet(dim));
    if (dim.is_number_unsigned()) {
      const uint64_t size = dim.get<uint64_t>();
      if (size > static_cast<uint64_t>(INT64_MAX))
        throw Error(where + "dimension " + std::to_string(size) + " in \"shape\" is too large");
      shape.push_back(static_cast<int64_t>(size));
    } else {
      const int64_t size = dim.get<int64_t>();
      if (size < 0)
        throw Error(where + "negative dimension " + std::to_string(size) + " in \"shape\"");
      shape.push_back(size);
    }
  }
  return shape;
}

SafetensorsTensorInfo readEntry(const std::string& name, const Json& entry,
                                uint64_t dataSize, const std::string& where) {
  if (!entry.is_object())
    throw Error(where + "entry must be a JSON object, found " + entry.type_name());
  for (const char* field : {"dtype", "shape", "data_offsets"})
    if (!entry.contains(field)) throw Error(where + "missing \"" + field + "\"");

  SafetensorsTensorInfo info;
  info.name = name;
  const Json& dtype = entry["dtype"];
  if (!dtype.is_string())
    throw Error(where + "\"dtype\" must be a string, found " + dtype.type_name());
  const auto scalarType = scalarTypeOfSafetensorsDtype(dtype.get<std::string>());
  if (!scalarType)
    throw Error(where + "unsupported dtype \"" + dtype.get<std::string>() + "\" (supported: " +
                supportedSafetensorsDtypes() + ")");
  info.dtype = *scalarType;
  info.shape = readShape(entry["shape"], where);

  const Json& offsets = entry["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned())
    throw Error(where + "\"data_offsets\" must be [begin, end] with non-negative integers, found " +
                jsonSnippet(offsets));
  info.begin = offsets[0].get<uint64_t>();
  info.end = offsets[1].get<uint64_t>();
  if (info.begin > info.end)
    throw Error(where + "data_offsets " + rangeText(info.begin, info.end) +
                ": begin is after end");
  if (info.end > dataSize)
    throw Error(where + "data_offsets " + rangeText(info.begin, info.end) +
                " reach beyond the data block, which has " + std::to_string(dataSize) + " bytes");

  uint64_t expectedBytes = c10::elementSize(info.dtype);
  for (int64_t dim : info.shape) {
    if (__builtin_mul_overflow(expectedBytes, static_cast<uint64_t>(dim), &expectedBytes))
      throw Error(where + "shape " + shapeText(info.shape) + " is too large");
  }
  const uint64_t foundBytes = info.end - info.begin;
  if (expectedBytes != foundBytes)
    throw Error(where + "byte count mismatch: " + dtype.get<std::string>() + " shape " +
                shapeText(info.shape) + " needs " + std::to_string(expectedBytes) +
                " bytes but data_offsets " + rangeText(info.begin, info.end) + " hold " +
                std::to_string(foundBytes));
  return info;
}

// The format requires the byte ranges, sorted, to tile the data block exactly.
void checkRangesTileDataBlock(const std::vector<SafetensorsTensorInfo>& tensors,
                              uint64_t dataSize, const std::string& where) {
  std::vector<const SafetensorsTensorInfo*> sorted;
  for (const auto& tensor : tensors) sorted.push_back(&tensor);
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
    return std::make_pair(a->begin, a->end) < std::make_pair(b->begin, b->end);
  });
  uint64_t covered = 0;
  const SafetensorsTensorInfo* previous = nullptr;
  for (const auto* tensor : sorted) {
    if (tensor->begin < covered)
      throw Error(where + "tensors '" + printable(previous->name) + "' " +
                  rangeText(previous->begin, previous->end) + " and '" + printable(tensor->name) + "' " +
                  rangeText(tensor->begin, tensor->end) + " overlap in the data block");
    if (tensor->begin > covered)
      throw Error(where + "gap in the data block: bytes " + rangeText(covered, tensor->begin) +
                  " before tensor '" + tensor->name +
                  "' belong to no tensor (the format requires tensors to cover the data block "
                  "contiguously)");
    covered = tensor->end;
    if (tensor->end > tensor->begin) previous = tensor;
  }
  if (covered != dataSize)
    throw Error(where + "trailing bytes: the data block has " + std::to_string(dataSize) +
                " bytes but the tensors cover only " + std::to_string(covered) +
                " (the format does not allow bytes after the last tensor)");
}

}  // namespace

SafetensorsHeader parseSafetensorsHeader(const unsigned char* bytes, size_t size,
                                         const std::string& source) {
  const std::string where = source + ": ";
  if (size < 8)
    throw Error(where + "file has " + std::to_string(size) +
                " bytes, shorter than 8 bytes (the header length of a safetensors file)");
  uint64_t headerLength = 0;
  for (int i = 7; i >= 0; --i) headerLength = (headerLength << 8) | bytes[i];  // little-endian
  if (headerLength > kMaxSafetensorsHeaderBytes)
    throw Error(where + "header length " + std::to_string(headerLength) +
                " bytes exceeds the 100 MB limit (is this a safetensors file?)");
  if (headerLength > size - 8)
    throw Error(where + "header length " + std::to_string(headerLength) +
                " bytes runs beyond the end of the file (" + std::to_string(size) + " bytes)");

  SafetensorsHeader header;
  header.dataStart = 8 + headerLength;
  header.dataSize = size - header.dataStart;
  const ParsedHeader parsed =
      parseJsonRejectingDuplicates(reinterpret_cast<const char*>(bytes) + 8, headerLength, source);
  const Json& json = parsed.json;
  if (!json.is_object())
    throw Error(where + "header is not a JSON object (found " + std::string(json.type_name()) +
                ")");

  for (const std::string& name : parsed.order) {
    const Json& entry = json.at(name);
    if (name == "__metadata__") {
      header.metadata = readMetadata(entry, where);
      continue;
    }
    // Names end up in messages and dumps; no checkpoint writer puts control characters in them.
    if (hasControlCharacters(name))
      throw Error(where + "tensor name '" + printable(name) + "' contains control characters");
    header.tensors.push_back(readEntry(name, entry, header.dataSize,
                                       where + "tensor '" + printable(name) + "': "));
  }
  checkRangesTileDataBlock(header.tensors, header.dataSize, where);
  return header;
}

std::optional<std::string> safetensorsDtypeName(at::ScalarType dtype) {
  for (const auto& entry : kDtypes)
    if (entry.dtype == dtype) return std::string(entry.name);
  return std::nullopt;
}

std::optional<at::ScalarType> scalarTypeOfSafetensorsDtype(const std::string& name) {
  for (const auto& entry : kDtypes)
    if (name == entry.name) return entry.dtype;
  return std::nullopt;
}

std::string supportedSafetensorsDtypes() {
  std::string list;
  for (const auto& entry : kDtypes) list += (list.empty() ? "" : ", ") + std::string(entry.name);
  return list;
}

}  // namespace hopscope
