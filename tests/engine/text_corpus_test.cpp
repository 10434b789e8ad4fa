// readTextCorpus on the real Moby Dick file (counts and FNV-1a fingerprint computed with Python)
// and on small files written here, plus every error case.
#include "hopscope/error.h"
#include "hopscope/text_corpus.h"
#include "error_message.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

namespace hopscope {
namespace {

namespace fs = std::filesystem;

const std::string kMobyDick = std::string(HOPSCOPE_RESOURCES_DIR) + "/corpora/moby-dick.txt";

// A fresh directory per test, removed afterwards.
class TextCorpusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("hopscope-corpus-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& bytes) {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path.string();
  }
  fs::path dir_;
};

TEST_F(TextCorpusTest, ReadsMobyDick) {
  const TextCorpus corpus = readTextCorpus(kMobyDick);
  // Python: lines of the file split on '\n' whose strip() is non-empty.
  ASSERT_EQ(corpus.documents.size(), 18330u);
  EXPECT_EQ(corpus.documents.front(), "CHAPTER 1. Loomings.");
  EXPECT_EQ(corpus.documents[1],
            "Call me Ishmael. Some years ago\xE2\x80\x94never mind how long "
            "precisely\xE2\x80\x94having");
  EXPECT_EQ(corpus.documents.back(),
            "shroud of the sea rolled on as it rolled five thousand years ago.");
  EXPECT_EQ(corpus.totalBytes, 1204997u);
  EXPECT_EQ(corpus.fingerprint, "fnv1a64:118c4b3c6bfc958a");
  EXPECT_EQ(corpus.files, std::vector<std::string>{kMobyDick});
  EXPECT_EQ(corpus.path, kMobyDick);
}

TEST_F(TextCorpusTest, FingerprintIsFnv1a64) {
  // Python: FNV-1a 64 over b"" and b"a\n".
  EXPECT_EQ(corpusFingerprint(""), "fnv1a64:cbf29ce484222325");
  EXPECT_EQ(corpusFingerprint("a\n"), "fnv1a64:089bdc07b544e7b2");
}

TEST_F(TextCorpusTest, SplitsLinesTrimsCarriageReturnsAndSkipsBlankLines) {
  const std::string bytes = "\xEF\xBB\xBFone\r\n\r\n  \t\ntwo  \nthree";
  const TextCorpus corpus = readTextCorpus(write("a.txt", bytes));
  EXPECT_EQ(corpus.documents, (std::vector<std::string>{"one", "two  ", "three"}));
  EXPECT_EQ(corpus.totalBytes, bytes.size());
  EXPECT_EQ(corpus.fingerprint, corpusFingerprint(bytes));
}

TEST_F(TextCorpusTest, ReadsTheTxtFilesOfADirectorySortedByName) {
  write("b.txt", "b1\nb2\n");
  write("a.txt", "a1\n");
  write("c.md", "not read\n");
  fs::create_directories(dir_ / "sub");
  std::ofstream(dir_ / "sub" / "d.txt") << "not read either\n";
  const TextCorpus corpus = readTextCorpus(dir_.string());
  EXPECT_EQ(corpus.files,
            (std::vector<std::string>{(dir_ / "a.txt").string(), (dir_ / "b.txt").string()}));
  EXPECT_EQ(corpus.documents, (std::vector<std::string>{"a1", "b1", "b2"}));
  EXPECT_EQ(corpus.totalBytes, 9u);
  EXPECT_EQ(corpus.fingerprint, corpusFingerprint("a1\nb1\nb2\n"));
}

TEST_F(TextCorpusTest, ReportsErrorsNamingThePath) {
  const std::string missing = (dir_ / "missing.txt").string();
  EXPECT_EQ(test::errorMessage([&] { readTextCorpus(missing); }),
            missing + ": no such file or directory");

  const std::string blank = write("blank.txt", "\n \r\n\t\n");
  EXPECT_EQ(test::errorMessage([&] { readTextCorpus(blank); }),
            blank + ": the text is empty (no non-blank line)");

  const std::string invalid = write("invalid.txt", "fine\nalso fine\nbad \xC3\x28 byte\n");
  EXPECT_EQ(test::errorMessage([&] { readTextCorpus(invalid); }),
            invalid + ": invalid UTF-8 at line 3, byte 5 of the line");
  // Overlong encoding of '/', a UTF-16 surrogate, a truncated sequence at the end.
  for (const std::string bad : {"\xC0\xAF", "\xED\xA0\x80", "ok\xE2\x82"}) {
    const std::string path = write("bad.txt", bad);
    EXPECT_NE(test::errorMessage([&] { readTextCorpus(path); }).find("invalid UTF-8 at line 1"),
              std::string::npos);
  }

  const std::string big = write("big.txt", "0123456789\n");
  EXPECT_EQ(test::errorMessage([&] { readTextCorpus(big, 10); }),
            big + ": 11 bytes of text, more than the limit of 10 bytes");
  EXPECT_EQ(readTextCorpus(big, 11).documents.size(), 1u);

  const fs::path empty = dir_ / "empty";
  fs::create_directories(empty);
  std::ofstream(empty / "notes.md") << "text\n";
  EXPECT_EQ(test::errorMessage([&] { readTextCorpus(empty.string()); }),
            empty.string() + ": the directory has no .txt files");
}

TEST_F(TextCorpusTest, ReportsAnUnreadableFile) {
  const std::string path = write("locked.txt", "text\n");
  fs::permissions(path, fs::perms::none);
  if (std::ifstream(path).good()) GTEST_SKIP() << "running as root: permissions are not enforced";
  EXPECT_EQ(test::errorMessage([&] { readTextCorpus(path); }),
            path + ": cannot open the text file for reading");
}

}  // namespace
}  // namespace hopscope
