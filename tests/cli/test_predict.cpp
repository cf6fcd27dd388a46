// digitnet predict as a newcomer uses it: several files with a bad one among them, a PNG where the
// model goes, a yes/no network, sigmoid outputs, a smiley, and the activations picture.
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include <nlohmann/json.hpp>
#include <stb_image.h>

#include "digitnet/image.hpp"
#include "learner_support.hpp"

using namespace digitnet;
using namespace digitnet::testing;

namespace {

// A dark stroke on white paper, like a photographed 1 (at column `x` of 100).
GrayImage photo_of_one(int x = 50) {
    GrayImage g{100, 100, std::vector<float>(100 * 100, 0.9f)};
    for (int y = 15; y < 85; ++y)
        for (int dx = -4; dx <= 4; ++dx) g.pixels[static_cast<std::size_t>(y * 100 + x + dx)] = 0.1f;
    return g;
}

GrayImage smiley() {
    GrayImage g{200, 200, std::vector<float>(200 * 200, 1.0f)};
    for (int y = 0; y < 200; ++y)
        for (int x = 0; x < 200; ++x) {
            const double d = std::hypot(x - 100, y - 100), a = std::atan2(y - 100, x - 100);
            const bool face = std::fabs(d - 80) <= 6, mouth = std::fabs(d - 45) <= 6 && a > 0.5 && a < 2.64;
            const bool eyes = std::hypot(x - 70, y - 75) <= 8 || std::hypot(x - 130, y - 75) <= 8;
            if (face || mouth || eyes) g.pixels[static_cast<std::size_t>(y * 200 + x)] = 0.0f;
        }
    return g;
}

struct PredictFixture {
    std::filesystem::path dir;
    std::string one, other, blank, face;
    explicit PredictFixture(const std::string& name) : dir(fresh_dir(name)) {
        write_bar_digits(dir, 60);
        one = (dir / "one.png").string();
        other = (dir / "other.png").string();
        blank = (dir / "blank.png").string();
        face = (dir / "smiley.png").string();
        write_png(one, photo_of_one());
        write_png(other, photo_of_one(30));
        write_png(blank, GrayImage{64, 64, std::vector<float>(64 * 64, 0.9f)});
        write_png(face, smiley());
    }
    ~PredictFixture() { std::filesystem::remove_all(dir); }
};

std::vector<nlohmann::json> json_lines(const std::string& out) {
    std::vector<nlohmann::json> lines;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) lines.push_back(nlohmann::json::parse(line));
    return lines;
}

}  // namespace

TEST(PredictCommand, ABlankImageIsNamedAndTheOthersAreStillClassified) {
    PredictFixture f("predict-blank");
    const std::string model = train_bar_model(f.dir, "m", "--layers 784,10");
    const CliRun r = run_cli("predict " + model + " " + f.one + " " + f.blank + " " + f.other);
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find(f.blank + ": the image is blank"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("IMAGE"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("1 of 3 images could not be classified"), std::string::npos) << r.err;
    EXPECT_NE(r.out.find(f.one + ": "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(f.other + ": "), std::string::npos) << r.out;  // after the blank one
    // --json: one object per file, the bad one with its error.
    const CliRun j = run_cli("predict " + model + " " + f.one + " " + f.blank + " " + f.other + " --json");
    EXPECT_NE(j.status, 0);
    const auto lines = json_lines(j.out);
    ASSERT_EQ(lines.size(), 3u) << j.out;
    EXPECT_TRUE(lines[1].contains("error"));
    EXPECT_EQ(lines[2]["file"], f.other);
    // A missing file is treated the same way.
    const CliRun missing = run_cli("predict " + model + " " + (f.dir / "nope.png").string() + " " + f.one);
    EXPECT_NE(missing.status, 0);
    EXPECT_NE(missing.out.find(f.one + ": "), std::string::npos) << missing.out;
}

TEST(PredictCommand, FileNamesWithControlCharactersArePrintedEscaped) {
    // `predict MODEL scans/*.png` in someone else's folder passes their names on: one holding a
    // terminal escape must not reach the terminal, in the answer or in an error.
    PredictFixture f("predict-names");
    const std::string model = train_bar_model(f.dir, "m", "--layers 784,10");
    const std::string odd = (f.dir / "a\x1b[2J.png").string(), missing = (f.dir / "b\x1b[2J.png").string();
    std::filesystem::copy_file(f.one, odd);
    const CliRun r = run_cli("predict " + model + " '" + odd + "' '" + missing + "'");
    EXPECT_EQ(r.status, 1);
    EXPECT_CONTAINS(r.out, (f.dir / "a\\x1B[2J.png").string() + ": ");
    EXPECT_CONTAINS(r.err, (f.dir / "b\\x1B[2J.png").string() + ": no such file");
    EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err;
}

TEST(PredictCommand, APngGivenAsTheModelIsNamedAsAPng) {
    PredictFixture f("predict-png-model");
    const CliRun r = run_cli("predict " + f.one + " " + f.other);
    EXPECT_NE(r.status, 0);
    EXPECT_NE(r.err.find("not a safetensors model file"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("PNG image"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("header length"), std::string::npos) << r.err;
    EXPECT_EQ(line_count(r.err), 1u) << r.err;
}

TEST(PredictCommand, AYesNoNetworkAnswersYesOrNo) {
    PredictFixture f("predict-yes-no");
    const std::string model = train_bar_model(f.dir, "nine", "--preset is-nine --layers 784,8,1");
    const CliRun r = run_cli("predict " + model + " " + f.one);
    ASSERT_EQ(r.status, 0) << r.err;
    const bool no = r.out.find(": no, it is not a 9 (output ") != std::string::npos;
    const bool yes = r.out.find(": yes, it is a 9 (output ") != std::string::npos;
    EXPECT_TRUE(no || yes) << r.out;
    EXPECT_NE(r.out.find("% sure)"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("0:"), std::string::npos) << r.out;  // no "0:0.985" for "no, 98.5%"
    const auto j = json_lines(run_cli("predict " + model + " " + f.one + " --json").out);
    ASSERT_EQ(j.size(), 1u);
    EXPECT_TRUE(j[0]["answer"] == "no" || j[0]["answer"] == "yes") << j[0];
    EXPECT_EQ(j[0]["question"], "is it a 9?");
    EXPECT_FALSE(j[0].contains("digit"));
    EXPECT_FALSE(j[0].contains("probabilities"));  // one sigmoid output is not a distribution
    EXPECT_EQ(j[0]["outputs"].size(), 1u);
    // eval says no and yes too, as plot confusion does.
    const CliRun e = run_cli("eval " + model + " --data " + (f.dir / "mnist_train.csv").string());
    ASSERT_EQ(e.status, 0) << e.err;
    EXPECT_NE(e.out.find("   no "), std::string::npos) << e.out;
    EXPECT_NE(e.out.find("  yes "), std::string::npos) << e.out;
    const auto ej = nlohmann::json::parse(run_cli("eval " + model + " --json --data " + (f.dir / "mnist_train.csv").string()).out);
    EXPECT_EQ(ej["classes"], (nlohmann::json{"no", "yes"}));
}

TEST(PredictCommand, SigmoidOutputsAreOutputsAndSoftmaxOutputsProbabilities) {
    PredictFixture f("predict-outputs");
    const std::string sigmoid = train_bar_model(f.dir, "sig", "--preset nielsen --layers 784,10");
    const std::string softmax = train_bar_model(f.dir, "soft", "--layers 784,10");
    const auto s = json_lines(run_cli("predict " + sigmoid + " " + f.one + " --json").out);
    ASSERT_EQ(s.size(), 1u);
    EXPECT_EQ(s[0]["outputs"].size(), 10u);
    EXPECT_FALSE(s[0].contains("probabilities")) << s[0];
    const auto p = json_lines(run_cli("predict " + softmax + " " + f.one + " --json").out);
    ASSERT_EQ(p.size(), 1u);
    ASSERT_EQ(p[0]["probabilities"].size(), 10u);
    double sum = 0.0;
    for (const auto& v : p[0]["probabilities"]) sum += v.get<double>();
    EXPECT_NEAR(sum, 1.0, 1e-4);
    EXPECT_NE(run_cli("predict " + sigmoid + " " + f.one).out.find("outputs (each 0..1; they need not sum to 1)"),
              std::string::npos);
}

TEST(PredictCommand, ASmileyGetsACaution) {
    PredictFixture f("predict-smiley");
    const std::string model = train_bar_model(f.dir, "m", "--layers 784,10");
    const CliRun r = run_cli("predict " + model + " " + f.face + " " + f.one);
    ASSERT_EQ(r.status, 0) << r.err;
    const std::size_t face = r.out.find(f.face + ": "), one = r.out.find(f.one + ": ");
    ASSERT_NE(face, std::string::npos);
    ASSERT_NE(one, std::string::npos);
    const std::string about_face = r.out.substr(face, one - face), about_one = r.out.substr(one);
    EXPECT_NE(about_face.find("caution: this does not look like the digits the network learned from"), std::string::npos)
        << about_face;
    EXPECT_NE(about_face.find("inside a closed loop"), std::string::npos) << about_face;
    EXPECT_EQ(about_one.find("caution"), std::string::npos) << about_one;  // a stroke is like a 1
    const auto j = json_lines(run_cli("predict " + model + " " + f.face + " --json").out);
    ASSERT_EQ(j.size(), 1u);
    EXPECT_FALSE(j[0]["unfamiliar"].empty());
}

TEST(PredictCommand, ActivationsPictureHasItsPanelsAndChangesWithTheImage) {
    PredictFixture f("predict-activations");
    const std::string model = train_bar_model(f.dir, "m", "--preset 3b1b --layers 784,16,16,10");
    const std::string a = (f.dir / "a.png").string(), b = (f.dir / "b.png").string();
    ASSERT_EQ(run_cli("predict " + model + " " + f.one + " --activations " + a).status, 0);
    ASSERT_EQ(run_cli("predict " + model + " " + f.face + " --activations " + b).status, 0);
    int w = 0, h = 0, c = 0, w2 = 0, h2 = 0;
    unsigned char* pa = stbi_load(a.c_str(), &w, &h, &c, 3);
    unsigned char* pb = stbi_load(b.c_str(), &w2, &h2, &c, 3);
    ASSERT_NE(pa, nullptr);
    ASSERT_NE(pb, nullptr);
    EXPECT_GT(w, 600);
    EXPECT_GT(h, 250);
    // Four panels left to right: each fifth of the width holds drawing (input, two hidden layers, bars).
    for (int part = 0; part < 4; ++part) {
        std::size_t drawn = 0;
        for (int y = 0; y < h; ++y)
            for (int x = part * w / 4; x < (part + 1) * w / 4; ++x) {
                const unsigned char* p = pa + 3 * (static_cast<std::size_t>(y) * w + x);
                drawn += !(p[0] == 255 && p[1] == 255 && p[2] == 255);
            }
        EXPECT_GT(drawn, 400u) << "part " << part;
    }
    // The answer's bar (red) is there.
    std::size_t red = 0;
    for (int i = 0; i < w * h; ++i) red += pa[3 * i] == 214 && pa[3 * i + 1] == 39 && pa[3 * i + 2] == 40;
    EXPECT_GT(red, 50u);
    ASSERT_EQ(w, w2);
    ASSERT_EQ(h, h2);
    EXPECT_NE(std::vector<unsigned char>(pa, pa + 3 * w * h), std::vector<unsigned char>(pb, pb + 3 * w * h));
    stbi_image_free(pa);
    stbi_image_free(pb);
}

TEST(PredictCommand, RawHelpSaysItSkipsTheInkInversion) {
    const CliRun r = run_cli("predict --help");
    EXPECT_EQ(r.status, 0);
    const std::size_t raw = r.out.find("--raw");
    ASSERT_NE(raw, std::string::npos);
    const std::string help = r.out.substr(raw, 300);
    EXPECT_NE(help.find("no ink inversion"), std::string::npos) << help;
}
