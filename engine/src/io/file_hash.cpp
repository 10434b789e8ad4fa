#include "hopscope/file_hash.h"

#include <nettle/sha2.h>

#include <cstdio>
#include <fstream>
#include <vector>

#include "hopscope/error.h"

namespace hopscope {
namespace {

std::string hexDigest(sha256_ctx& context) {
  uint8_t digest[SHA256_DIGEST_SIZE];
  sha256_digest(&context, SHA256_DIGEST_SIZE, digest);
  std::string hex;
  char pair[3];
  for (uint8_t byte : digest) {
    std::snprintf(pair, sizeof pair, "%02x", byte);
    hex += pair;
  }
  return hex;
}

}  // namespace

std::string sha256OfFiles(const std::vector<std::string>& paths) {
  sha256_ctx context;
  sha256_init(&context);
  std::vector<char> buffer(1 << 20);
  for (const std::string& path : paths) {
    std::ifstream file(path, std::ios::binary);
    if (!file) throw Error(path + ": cannot open to compute its SHA-256");
    while (file) {
      file.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
      sha256_update(&context, static_cast<size_t>(file.gcount()), reinterpret_cast<const uint8_t*>(buffer.data()));
    }
    if (file.bad()) throw Error(path + ": read error while computing its SHA-256");
  }
  return hexDigest(context);
}

std::string sha256OfBuffers(const std::vector<std::pair<const void*, size_t>>& buffers) {
  sha256_ctx context;
  sha256_init(&context);
  for (const auto& [data, size] : buffers) sha256_update(&context, size, static_cast<const uint8_t*>(data));
  return hexDigest(context);
}

}  // namespace hopscope
