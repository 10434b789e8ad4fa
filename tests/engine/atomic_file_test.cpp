// Atomic file writing: the target appears whole or stays as it was, and no temporary is left.
#include "hopscope/atomic_file.h"

#include "hopscope/error.h"
#include "error_message.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace hopscope {
namespace {

namespace fs = std::filesystem;

// A fresh folder under /tmp, removed with everything in it when the test ends.
struct AtomicFileScratch {
  AtomicFileScratch() {
    std::string pattern = (fs::temp_directory_path() / "hopscope-atomic-XXXXXX").string();
    folder = mkdtemp(pattern.data());
  }
  ~AtomicFileScratch() { fs::remove_all(folder); }
  std::string file(const std::string& name) const { return (folder / name).string(); }
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(folder))
      names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
  fs::path folder;
};

std::string contentsOf(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(AtomicFileTest, WritesTheContentsAndNothingElse) {
  AtomicFileScratch scratch;
  const std::string path = scratch.file("out.txt");
  writeFileAtomically(path, std::string("hello\0world", 11));
  EXPECT_EQ(contentsOf(path), std::string("hello\0world", 11));
  EXPECT_EQ(scratch.entries(), std::vector<std::string>{"out.txt"});
}

TEST(AtomicFileTest, LargeStreamedWriteArrivesWhole) {
  AtomicFileScratch scratch;
  const std::string path = scratch.file("big.bin");
  std::string block(300000, '\0');  // larger than the stream buffer, written in odd pieces
  for (size_t i = 0; i < block.size(); ++i) block[i] = static_cast<char>(i * 7 % 251);
  writeFileAtomically(path, [&](std::ostream& out) {
    out << 'x';
    out.write(block.data(), static_cast<std::streamsize>(block.size()));
    out << "end";
  });
  EXPECT_EQ(contentsOf(path), "x" + block + "end");
}

TEST(AtomicFileTest, ReplacesAnExistingFileKeepingItsPermissions) {
  AtomicFileScratch scratch;
  const std::string path = scratch.file("out.txt");
  writeFileAtomically(path, std::string("first version, longer"));
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  writeFileAtomically(path, std::string("second"));
  EXPECT_EQ(contentsOf(path), "second");
  EXPECT_EQ(fs::status(path).permissions(), fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(scratch.entries(), std::vector<std::string>{"out.txt"});
}

TEST(AtomicFileTest, NewFileGetsPermissionsFromTheUmask) {
  AtomicFileScratch scratch;
  const mode_t mask = ::umask(022);  // single-threaded here: set a known mask, restore it after
  writeFileAtomically(scratch.file("new.txt"), std::string("x"));
  ::umask(mask);
  struct stat status {};
  ASSERT_EQ(::stat(scratch.file("new.txt").c_str(), &status), 0);
  EXPECT_EQ(status.st_mode & 0777, 0644u);
}

TEST(AtomicFileTest, ThrowingCallbackLeavesTheTargetUntouched) {
  AtomicFileScratch scratch;
  const std::string path = scratch.file("model.safetensors");
  writeFileAtomically(path, std::string("original bytes"));
  const std::string message = test::errorMessage([&] {
    writeFileAtomically(path, [](std::ostream& out) {
      out << std::string(100000, 'n');  // reaches the temporary file before the failure
      throw std::runtime_error("tensor conversion failed");
    });
  });
  EXPECT_EQ(message, path + ": writing failed: tensor conversion failed");
  EXPECT_EQ(contentsOf(path), "original bytes");
  EXPECT_EQ(scratch.entries(), std::vector<std::string>{"model.safetensors"});
}

TEST(AtomicFileTest, ErrorFromTheCallbackPassesThroughUnchanged) {
  AtomicFileScratch scratch;
  const std::string message = test::errorMessage([&] {
    writeFileAtomically(scratch.file("a"), [](std::ostream&) { throw Error("x: own message"); });
  });
  EXPECT_EQ(message, "x: own message");
  EXPECT_TRUE(scratch.entries().empty());
}

TEST(AtomicFileTest, FailedStreamIsAnErrorAndLeavesNoFile) {
  AtomicFileScratch scratch;
  const std::string path = scratch.file("a");
  const std::string message = test::errorMessage([&] {
    writeFileAtomically(path, [](std::ostream& out) { out.setstate(std::ios::badbit); });
  });
  EXPECT_EQ(message, path + ": writing failed");
  EXPECT_TRUE(scratch.entries().empty());
}

TEST(AtomicFileTest, MissingFolderIsAClearError) {
  AtomicFileScratch scratch;
  const std::string path = scratch.file("missing/out.txt");
  EXPECT_EQ(test::errorMessage([&] { writeFileAtomically(path, std::string("x")); }),
            path + ": cannot write: the folder '" + scratch.file("missing") + "' does not exist");
  EXPECT_TRUE(scratch.entries().empty());
}

TEST(AtomicFileTest, FolderAsTargetIsAClearError) {
  AtomicFileScratch scratch;
  fs::create_directory(scratch.folder / "sub");
  const std::string path = scratch.file("sub");
  EXPECT_EQ(test::errorMessage([&] { writeFileAtomically(path, std::string("x")); }),
            path + ": cannot replace the file: Is a directory");
  EXPECT_EQ(scratch.entries(), std::vector<std::string>{"sub"});
}

}  // namespace
}  // namespace hopscope
