// Training: AdamW against PyTorch's, the schedule, a short run lowering the loss, a resumed run
// equal to an uninterrupted one (dropout included), dropout's masks, batches without a masked position, every normalizer and gate training without NaN, cancel leaving a
// loadable checkpoint, and clear errors for bad settings.
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "error_message.h"
#include "hopscope/adamw.h"
#include "hopscope/dropout.h"
#include "hopscope/loaded_model.h"
#include "hopscope/safetensors.h"
#include "hopscope/trainer.h"
#include "hopscope/transformer_model.h"
#include "tiny_training.h"

using namespace hopscope;
namespace fs = std::filesystem;

namespace {

const std::string kFixtures = HOPSCOPE_FIXTURES_DIR;

class TrainerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = fs::temp_directory_path() /
              ("hopscope-trainer-" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(folder_);
    fs::create_directories(folder_);
  }
  void TearDown() override { fs::remove_all(folder_); }

  TrainingSettings tiny(const std::string& family) const { return test::tinyTraining(family); }
  TrainingSettings tinyVit() const { return test::tinyVitTraining(); }
  std::string out(const std::string& name) const { return (folder_ / name).string(); }

  fs::path folder_;
};

// The pixel bytes of an uncompressed idx image file's twin (the fixture ships both forms).
std::vector<uint8_t> readTrainingBytes(const std::string& gz) {
  const std::string path = gz.substr(0, gz.size() - 3);
  std::ifstream file(path, std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  return std::vector<uint8_t>(bytes.begin() + 16, bytes.end());  // header: magic + 3 dimensions
}

std::string fileBytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << file.rdbuf();
  return bytes.str();
}

// Three steps of torch.optim.AdamW 1.13 (lr 0.1, 0.05, 0.02; weight decay 0.01 on the matrix, none on
// the bias), computed with Debian's python3-torch.
TEST(AdamW, MatchesPyTorch) {
  at::Tensor p = at::tensor({1.0f, -2.0f, 0.5f, 0.25f, 3.0f, -1.5f}).view({2, 3});
  at::Tensor b = at::tensor({0.1f, -0.2f});
  p.requires_grad_(true);
  b.requires_grad_(true);
  AdamW optimizer({{"p", p, true}, {"b", b, false}}, AdamWSettings{});
  const std::vector<std::pair<std::vector<float>, std::vector<float>>> gradients = {
      {{0.5f, -1.0f, 2.0f, 0.0f, 0.3f, -0.7f}, {1.0f, -0.5f}},
      {{-0.2f, 0.4f, 1.0f, 0.1f, -0.3f, 0.2f}, {0.3f, 0.8f}},
      {{0.05f, 0.0f, -0.5f, 2.0f, 0.1f, 0.0f}, {-1.0f, 0.2f}}};
  const double rates[] = {0.1, 0.05, 0.02};
  for (size_t i = 0; i < gradients.size(); ++i) {
    p.mutable_grad() = at::tensor(gradients[i].first).view({2, 3});
    b.mutable_grad() = at::tensor(gradients[i].second);
    optimizer.step(rates[i]);
  }
  const std::vector<double> expectedP = {0.874591589, -1.87405169, 0.341347486, 0.199041232, 2.89546227, -1.36874092};
  const std::vector<double> expectedB = {-0.043492198, -0.120632768};
  for (size_t i = 0; i < expectedP.size(); ++i)
    EXPECT_NEAR(p.view({-1})[static_cast<int64_t>(i)].item<double>(), expectedP[i], 1e-6);
  for (size_t i = 0; i < expectedB.size(); ++i)
    EXPECT_NEAR(b[static_cast<int64_t>(i)].item<double>(), expectedB[i], 1e-6);
  EXPECT_EQ(optimizer.steps(), 3);
}

TEST(AdamW, ClippingAndScheduleFollowTheirDefinitions) {
  at::Tensor p = at::zeros({2});
  p.requires_grad_(true);
  p.mutable_grad() = at::tensor({3.0f, 4.0f});
  const std::vector<AdamW::Parameter> parameters = {{"p", p, true}};
  EXPECT_NEAR(clipGradientNorm(parameters, 1.0), 5.0, 1e-9);
  EXPECT_NEAR(p.grad()[0].item<double>(), 0.6, 1e-6);
  EXPECT_NEAR(p.grad()[1].item<double>(), 0.8, 1e-6);
  EXPECT_DOUBLE_EQ(linearWarmupDecay(1.0, 0, 10, 110), 0.0);
  EXPECT_DOUBLE_EQ(linearWarmupDecay(1.0, 5, 10, 110), 0.5);
  EXPECT_DOUBLE_EQ(linearWarmupDecay(1.0, 10, 10, 110), 1.0);
  EXPECT_DOUBLE_EQ(linearWarmupDecay(1.0, 60, 10, 110), 0.5);
  EXPECT_DOUBLE_EQ(linearWarmupDecay(1.0, 110, 10, 110), 0.0);
}

TEST_F(TrainerTest, AShortRunLowersTheLossAndWritesALoadableCheckpoint) {
  const TrainingResult result = train(tiny("bert"), out("bert"), false);
  ASSERT_EQ(result.records.size(), 3u);
  const double first = result.records.front()["loss"].get<double>();
  const double last = result.records.back()["loss"].get<double>();
  EXPECT_LT(last, first - 0.2) << first << " -> " << last;
  EXPECT_LT(result.records.back()["eval"]["perplexity"].get<double>(),
            result.records.front()["eval"]["perplexity"].get<double>());
  const auto model = LoadedModel::open(out("bert"));
  EXPECT_EQ(model->info().normalizer, "softmax");
  EXPECT_EQ(model->info().layers, 2);
  EXPECT_GT(model->runText("call me ishmael.").ids.size(), 2u);
  const TrainingSettings stored = readTrainingSettings(out("bert"));
  EXPECT_EQ(stored.steps, 24);
  EXPECT_EQ(stored.data, tiny("bert").data);
  for (const auto& entry : fs::directory_iterator(out("bert")))
    EXPECT_EQ(entry.path().string().find(".tmp"), std::string::npos) << entry.path();
}

// A run cancelled after step 10 and resumed follows the uninterrupted run exactly: the same losses
// at the same steps and bit-identical weights and optimizer state.
// With dropout on, so the resumed run must also draw the same dropout masks.
TEST_F(TrainerTest, ResumeEqualsAnUninterruptedRun) {
  TrainingSettings settings = tiny("opt");
  settings.dropout = 0.1;
  settings.attentionDropout = 0.1;
  const TrainingResult whole = train(settings, out("whole"), false);

  std::atomic<int64_t> reached{0};
  JobControl stopAtTen;
  stopAtTen.progress = [&](double fraction, const std::string&) {
    reached = static_cast<int64_t>(fraction * static_cast<double>(settings.steps) + 0.5);
  };
  stopAtTen.cancelled = [&] { return reached >= 10; };
  const TrainingResult first = train(settings, out("parts"), false, stopAtTen);
  EXPECT_TRUE(first.cancelled);
  EXPECT_EQ(first.steps, 10);
  const TrainingResult rest = train({}, out("parts"), true);
  EXPECT_EQ(rest.resumedFrom, 10);
  EXPECT_EQ(rest.steps, 24);
  ASSERT_EQ(rest.records.size(), whole.records.size());
  for (size_t i = 0; i < whole.records.size(); ++i) {
    EXPECT_EQ(rest.records[i]["step"], whole.records[i]["step"]);
    EXPECT_EQ(rest.records[i]["loss"].get<double>(), whole.records[i]["loss"].get<double>()) << i;
    EXPECT_EQ(rest.records[i]["eval"]["perplexity"].get<double>(), whole.records[i]["eval"]["perplexity"].get<double>());
  }
  EXPECT_EQ(fileBytes(out("parts") + "/model.safetensors"), fileBytes(out("whole") + "/model.safetensors"));
  EXPECT_EQ(fileBytes(out("parts") + "/training_state.safetensors"),
            fileBytes(out("whole") + "/training_state.safetensors"));
}

TEST_F(TrainerTest, EveryNormalizerAndGateTrainsWithoutNaN) {
  for (const std::string family : {"bert", "opt"})
    for (const std::string normalizer : {"softmax", "softmax1", "softmax1-legacy", "clipped:-0.025:1",
                                         "clipped-softmax1:-0.025:1"})
      for (GateKind gate : {GateKind::None, GateKind::Linear, GateKind::Mlp}) {
        SCOPED_TRACE(family + "@" + normalizer + " gate " + gateKindName(gate));
        TrainingSettings settings = tiny(family);
        settings.normalizer = parseNormalizer(normalizer);
        settings.gate = gate;
        settings.steps = settings.evalEvery = 3;
        const std::string folder = out(family + normalizer + gateKindName(gate));
        const TrainingResult result = train(settings, folder, false);
        ASSERT_EQ(result.records.size(), 1u);
        EXPECT_TRUE(std::isfinite(result.records[0]["loss"].get<double>()));
        const auto model = LoadedModel::open(folder);
        EXPECT_EQ(model->info().gate, gateKindName(gate));
        EXPECT_EQ(model->info().normalizer, normalizer);
      }
}

// A ViT trains on labelled idx images: the loss falls, the log records accuracy and cross-entropy,
// the folder carries the images' preprocessing and loads as an image classifier.
TEST_F(TrainerTest, AVitTrainsOnIdxImages) {
  TrainingSettings settings = tinyVit();
  settings.classNames = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                         "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  const TrainingResult result = train(settings, out("vit"), false);
  ASSERT_EQ(result.records.size(), 3u);
  const nlohmann::json& first = result.records.front(), last = result.records.back();
  EXPECT_LT(last["loss"].get<double>(), first["loss"].get<double>() - 0.2) << first["loss"] << " -> " << last["loss"];
  EXPECT_EQ(last["eval"]["metric"], "top1_accuracy");
  EXPECT_GE(last["eval"]["accuracy"].get<double>(), 0.0);
  EXPECT_LE(last["eval"]["accuracy"].get<double>(), 1.0);
  EXPECT_LT(last["eval"]["loss"].get<double>(), first["eval"]["loss"].get<double>());
  EXPECT_FALSE(last["eval"].contains("perplexity"));
  const auto model = LoadedModel::open(out("vit"));
  EXPECT_EQ(model->info().family, "vit");
  EXPECT_EQ(model->model().config().patchSize, 7);
  EXPECT_EQ(model->model().config().maxPositions, 17);
  EXPECT_EQ(model->model().config().classLabels.at(9), "Ankle boot");
  // The preprocessing normalises by the training images' own mean and deviation, computed here
  // from the raw bytes independently.
  std::ifstream file(out("vit") + "/preprocessor_config.json");
  const nlohmann::json preprocessor = nlohmann::json::parse(file);
  const auto raw = readTrainingBytes(settings.data);
  double sum = 0, squares = 0;
  for (uint8_t byte : raw) {
    sum += byte / 255.0;
    squares += (byte / 255.0) * (byte / 255.0);
  }
  const double mean = sum / static_cast<double>(raw.size());
  EXPECT_NEAR(preprocessor["image_mean"][0].get<double>(), mean, 1e-9);
  EXPECT_NEAR(preprocessor["image_std"][0].get<double>(),
              std::sqrt(squares / static_cast<double>(raw.size()) - mean * mean), 1e-9);
  EXPECT_EQ(readTrainingSettings(out("vit")).patchSize, 7);
}

// Resume is exact for images too (data order over images and labels).
TEST_F(TrainerTest, AResumedVitEqualsAnUninterruptedRun) {
  TrainingSettings settings = tinyVit();
  settings.gate = GateKind::Linear;
  settings.normalizer = parseNormalizer("softmax1");
  settings.steps = 12;
  settings.evalEvery = 4;
  const TrainingResult whole = train(settings, out("whole"), false);
  std::atomic<int64_t> reached{0};
  JobControl stopAtFive;
  stopAtFive.progress = [&](double fraction, const std::string&) {
    reached = static_cast<int64_t>(fraction * static_cast<double>(settings.steps) + 0.5);
  };
  stopAtFive.cancelled = [&] { return reached >= 5; };
  EXPECT_TRUE(train(settings, out("parts"), false, stopAtFive).cancelled);
  const TrainingResult rest = train({}, out("parts"), true);
  ASSERT_EQ(rest.records.size(), whole.records.size());
  for (size_t i = 0; i < whole.records.size(); ++i)
    EXPECT_EQ(rest.records[i]["loss"].get<double>(), whole.records[i]["loss"].get<double>()) << i;
  EXPECT_EQ(fileBytes(out("parts") + "/model.safetensors"), fileBytes(out("whole") + "/model.safetensors"));
}

TEST_F(TrainerTest, BadImageSettingsAreClearErrors) {
  TrainingSettings settings = tinyVit();
  settings.patchSize = 5;
  EXPECT_EQ(test::errorMessage([&] { train(settings, out("a"), false); }),
            "--patch 5 does not divide the image side (28 pixels)");
  settings = tinyVit();
  settings.tokenizerDir = kFixtures + "/models/bert-tiny";
  EXPECT_EQ(test::errorMessage([&] { train(settings, out("a"), false); }),
            "--tokenizer and --vocab-size are for text families; vit reads images");
  settings = tinyVit();
  settings.classNames = {"a", "b"};
  EXPECT_EQ(test::errorMessage([&] { train(settings, out("a"), false); }),
            "--class-names names 2 classes but the labels hold 10");
  settings = tinyVit();
  settings.data = kFixtures + "/images/folder";
  EXPECT_NE(test::errorMessage([&] { train(settings, out("a"), false); }).find("reads an idx image file"),
            std::string::npos);
  settings = tinyVit();
  settings.data = kFixtures + "/images/fashion24-labels-idx1-ubyte";
  EXPECT_NE(test::errorMessage([&] { train(settings, out("a"), false); }).find("no labels-idx1 file beside it"),
            std::string::npos);
}

TEST(Dropout, KeepsOneMinusPScaledAndIsReproducible) {
  const at::Tensor ones = at::ones({200, 100});
  auto generator = [] { return at::detail::createCPUGenerator(42); };
  const Dropout dropout(0.25, 0.5, generator());
  const at::Tensor hidden = dropout.hidden(ones);
  // Every value is 0 or 1 / (1 - p); about p of them are 0 (20,000 draws: 5 sigma is 0.015).
  EXPECT_TRUE(((hidden == 0) | (hidden - 1.0 / 0.75).abs().lt(1e-6)).all().item<bool>());
  EXPECT_NEAR((hidden == 0).to(at::kDouble).mean().item<double>(), 0.25, 0.015);
  EXPECT_NEAR((dropout.attention(ones) == 0).to(at::kDouble).mean().item<double>(), 0.5, 0.02);
  EXPECT_TRUE(at::equal(Dropout(0.25, 0.5, generator()).hidden(ones), hidden));
  EXPECT_TRUE(at::equal(Dropout(0, 0, generator()).hidden(ones), ones));
  EXPECT_EQ(test::errorMessage([&] { Dropout(1.0, 0, generator()); }), "dropout probability 1.000000 is not in [0, 1)");
}

TEST_F(TrainerTest, DropoutChangesTheRunAndIsRecorded) {
  TrainingSettings settings = tiny("bert");
  settings.steps = settings.evalEvery = 4;
  const TrainingResult plain = train(settings, out("plain"), false);
  settings.dropout = 0.1;
  settings.attentionDropout = 0.2;
  const TrainingResult dropped = train(settings, out("dropped"), false);
  const TrainingResult again = train(settings, out("again"), false);
  EXPECT_NE(plain.records[0]["loss"].get<double>(), dropped.records[0]["loss"].get<double>());
  EXPECT_EQ(fileBytes(out("dropped") + "/model.safetensors"), fileBytes(out("again") + "/model.safetensors"));
  const TrainingSettings stored = readTrainingSettings(out("dropped"));
  EXPECT_EQ(stored.dropout, 0.1);
  EXPECT_EQ(stored.attentionDropout, 0.2);
  EXPECT_EQ(readTrainingSettings(out("plain")).dropout, 0.0);
  settings.dropout = 1.0;
  EXPECT_EQ(test::errorMessage([&] { train(settings, out("bad"), false); }), "--dropout must be in [0, 1)");
}

// With a tiny masking probability most batches select no position: their loss is 0, not NaN.
TEST_F(TrainerTest, BatchesWithoutMaskedPositionsDoNotDiverge) {
  TrainingSettings settings = tiny("bert");
  settings.maskProb = 1e-3;
  settings.steps = settings.evalEvery = 4;
  const TrainingResult result = train(settings, out("sparse"), false);
  ASSERT_EQ(result.records.size(), 1u);
  EXPECT_TRUE(std::isfinite(result.records[0]["loss"].get<double>()));
}

TEST_F(TrainerTest, BadSettingsAreClearErrors) {
  TrainingSettings settings = tiny("bert");
  settings.heads = 5;
  EXPECT_EQ(test::errorMessage([&] { train(settings, out("a"), false); }), "--hidden 32 is not divisible by --heads 5");
  settings = tiny("vit-ish");
  EXPECT_EQ(test::errorMessage([&] { train(settings, out("a"), false); }),
            "--family 'vit-ish' is not a model family (supported: bert, opt, vit)");
  settings = tiny("bert");
  settings.tokenizerDir = kFixtures + "/models/opt-tiny";
  EXPECT_NE(test::errorMessage([&] { train(settings, out("a"), false); }).find("no wordpiece tokenizer files"),
            std::string::npos);
  settings = tiny("bert");
  settings.steps = settings.evalEvery = 1;
  train(settings, out("b"), false);
  EXPECT_NE(test::errorMessage([&] { train(settings, out("b"), false); }).find("already holds a checkpoint"),
            std::string::npos);
  EXPECT_NE(test::errorMessage([&] { train({}, out("nothing"), true); }).find("cannot open"), std::string::npos);
}

}  // namespace
