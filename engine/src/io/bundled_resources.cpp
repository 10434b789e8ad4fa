#include "hopscope/bundled_resources.h"

#include <cstdlib>
#include <filesystem>

#include "hopscope/error.h"

namespace hopscope {
namespace fs = std::filesystem;
namespace {

std::vector<fs::path> candidateFolders(bool& fromEnvironment) {
  const char* environment = std::getenv("HOPSCOPE_RESOURCES");
  fromEnvironment = environment != nullptr && *environment != '\0';
  if (fromEnvironment) return {fs::path(environment)};  // an explicit choice: no silent fallback
  std::vector<fs::path> folders;
#ifdef HOPSCOPE_RESOURCES_DIR
  folders.emplace_back(HOPSCOPE_RESOURCES_DIR);
#endif
  std::error_code ec;
  const fs::path executable = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) folders.push_back((executable.parent_path() / ".." / "share" / "hopscope" / "resources").lexically_normal());
  return folders;
}

}  // namespace

BundledFile findBundledFile(const std::string& relative) {
  BundledFile result;
  for (const fs::path& folder : candidateFolders(result.fromEnvironment)) {
    const std::string path = (folder / relative).string();
    result.tried.push_back(path);
    std::error_code ec;
    if (fs::is_regular_file(path, ec)) {
      result.path = path;
      result.found = true;
      return result;
    }
  }
  if (!result.tried.empty()) result.path = result.tried.front();
  return result;
}

std::string requireBundledFile(const std::string& relative, const std::string& option) {
  const BundledFile file = findBundledFile(relative);
  if (file.found) return file.path;
  if (file.fromEnvironment)
    throw Error("bundled text " + file.path + " does not exist (folder from HOPSCOPE_RESOURCES); give " + option +
                " FILE");
  std::string tried;
  for (const std::string& path : file.tried) tried += (tried.empty() ? "" : ", ") + path;
  if (tried.empty()) tried = "no location known";
  throw Error("bundled text " + relative + " not found (tried " + tried + "); give " + option +
              " FILE or set HOPSCOPE_RESOURCES");
}

std::string bundledDefaultNote(const std::string& relative) {
  const BundledFile file = findBundledFile(relative);
  return "default: " + (file.path.empty() ? relative : file.path) + (file.found ? "" : " (not found)");
}

}  // namespace hopscope
