// Claimed sizes in a pytorch_model.bin are checked before they are allocated: records against the
// load budget (before LibTorch inflates them), the pickle's values against its input, views against
// their storage. The files are tests/fixtures/bad (make_bad_fixtures.py).
#include <gtest/gtest.h>

#include <cstdlib>

#include "error_message.h"
#include "hopscope/load_budget.h"
#include "hopscope/pytorch_bin_reader.h"
#include "io/restricted_unpickler.h"
#include "io/zip_archive.h"

using namespace hopscope;

namespace {

const std::string kBad = std::string(HOPSCOPE_FIXTURES_DIR) + "/bad/";

TEST(LoadBudgetTest, DefaultIsFourTimesTheFilePlus64MiB) {
  ::unsetenv(kLoadBudgetEnvironment);
  EXPECT_EQ(loadBudgetFor(1000), 4000u + (64u << 20));
  EXPECT_EQ(loadBudgetFor(UINT64_MAX / 2), UINT64_MAX);
}

TEST(LoadBudgetTest, EnvironmentOverridesInMebibytes) {
  ::setenv(kLoadBudgetEnvironment, "3", 1);
  EXPECT_EQ(loadBudgetFor(1000), 3u << 20);
  ::setenv(kLoadBudgetEnvironment, "lots", 1);
  EXPECT_EQ(test::errorMessage([] { loadBudgetFor(1000); }),
            "HOPSCOPE_LOAD_BUDGET_MB: expected a positive number of MiB, found 'lots'");
  ::unsetenv(kLoadBudgetEnvironment);
}

TEST(LoadBudgetTest, ChargesUpToTheLimit) {
  LoadBudget budget(100, "f.bin");
  budget.charge(60, "a");
  budget.charge(40, "b");
  EXPECT_EQ(budget.remaining(), 0u);
  EXPECT_EQ(test::errorMessage([&] { budget.charge(1, "record 'data/0'"); }).rfind("f.bin: record 'data/0' needs 1 bytes, over the load budget of 100 bytes", 0), 0u);
}

TEST(LoadBudgetTest, ZipDirectoryGivesClaimedSizesBeforeInflating) {
  const ZipArchive archive(kBad + "bert-bin-record-bomb/pytorch_model.bin");
  ASSERT_TRUE(archive.has("data.pkl"));
  EXPECT_EQ(archive.uncompressedSize("data.pkl"), 100'000'002u);
  EXPECT_LT(archive.compressedSize("data.pkl"), 200'000u);
  EXPECT_NE(test::errorMessage([] { ZipArchive(std::string(HOPSCOPE_FIXTURES_DIR) + "/pickle/not_a_zip.bin"); })
                .find("damaged zip archive"),
            std::string::npos);
}

TEST(LoadBudgetTest, InflatedRecordOverTheBudgetIsRefusedBeforeReading) {
  const std::string path = kBad + "bert-bin-record-bomb/pytorch_model.bin";
  EXPECT_NE(test::errorMessage([&] { readPytorchBin(path); })
                .find("pytorch_model.bin: record 'data.pkl' needs 100000002 bytes, over the load budget"),
            std::string::npos);
}

TEST(LoadBudgetTest, PickleValuesAreBoundedByTheInput) {
  // Five million EMPTY_DICT opcodes would make five million dicts (over 2 GB).
  const std::string pickle = "\x80\x02" + std::string(5'000'000, '}');
  const std::string message = test::errorMessage([&] { unpickleRestricted(pickle, "p.pkl", 32u << 20); });
  EXPECT_EQ(message.rfind("p.pkl: the pickle builds more than 32 MiB of values from 5000002 bytes", 0), 0u) << message;
  EXPECT_NE(test::errorMessage([&] { readPytorchBin(kBad + "bert-bin-pickle-bomb/pytorch_model.bin"); })
                .find("the pickle builds more than"),
            std::string::npos);
  EXPECT_EQ(defaultUnpicklerLimit(1000), (16u << 20) + 64000u);
}

TEST(LoadBudgetTest, ViewsWithMoreElementsThanTheirStorageAreRefused) {
  EXPECT_EQ(test::errorMessage([] { readPytorchBin(kBad + "bert-bin-view-stride0-1gib/pytorch_model.bin"); }),
            kBad + "bert-bin-view-stride0-1gib/pytorch_model.bin: tensor 'bert.embeddings.word_embeddings.weight' "
                   "(offset 0, size [268435456], stride [0]) has 268435456 elements, more than its storage '0' holds (1)");
  EXPECT_NE(test::errorMessage([] { readPytorchBin(kBad + "bert-bin-view-stride0-4tib/pytorch_model.bin"); })
                .find("has 1099511627776 elements, more than its storage '0' holds (1)"),
            std::string::npos);
}

}  // namespace
