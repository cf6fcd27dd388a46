// digitnet eval MODEL --images DIR: a model measured on a folder of labelled images (scans of a
// person's handwriting, say), each read as predict reads it, the misread ones named.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "digitnet/image.hpp"
#include "digitnet/model_io.hpp"
#include "learner_support.hpp"

using namespace digitnet;
using namespace digitnet::testing;
namespace fs = std::filesystem;

namespace {

// The bars of write_bar_digits as 28x28 PNGs, white ink on black, in DIR/images/<class>/:
// `per_class` of each class, the k-th moved right by k % 3.
fs::path bar_images(const fs::path& dir, int per_class) {
    const fs::path images = dir / "images";
    for (int c = 0; c < 10; ++c) {
        fs::create_directories(images / std::to_string(c));
        for (int k = 0; k < per_class; ++k) {
            GrayImage g{28, 28, std::vector<float>(28 * 28, 0.0f)};
            for (int row = 4 + 2 * c; row <= 5 + 2 * c; ++row)
                for (int col = 6 + k % 3; col <= 21 + k % 3; ++col) g.pixels[static_cast<std::size_t>(row * 28 + col)] = 1.0f;
            write_png((images / std::to_string(c) / ("bar" + std::to_string(k) + ".png")).string(), g);
        }
    }
    return images;
}

// predict --json's answer for each file.
std::map<std::string, std::string> predicted(const std::string& out) {
    std::map<std::string, std::string> answers;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) {
            const auto j = nlohmann::json::parse(line);
            answers[j["file"].get<std::string>()] = j["answer"].get<std::string>();
        }
    return answers;
}

std::vector<std::string> files_below(const fs::path& images) {
    std::vector<std::string> files;
    for (const auto& entry : fs::recursive_directory_iterator(images))
        if (entry.is_regular_file()) files.push_back(entry.path().string());
    std::sort(files.begin(), files.end());
    return files;
}

}  // namespace

// A fresh folder with the bars as CSV, a model trained on them with `flags`, and the bars as
// images/<class>/barK.png, `per_class` of each.
struct BarScans {
    fs::path dir, images;
    std::string model;
    BarScans(const std::string& name, int rows, const std::string& flags, int per_class) : dir(fresh_dir(name)) {
        write_bar_digits(dir, rows);
        model = train_bar_model(dir, "m", flags);
        images = bar_images(dir, per_class);
    }
};

TEST(EvalImages, AgreesWithPredictOnEveryFileAndNamesTheMisreadOnes) {
    const BarScans s("eval-images", 300, "--layers 784,30,10 --seed 3", 3);
    ASSERT_FALSE(s.model.empty());
    const std::string& model = s.model;
    const fs::path& images = s.images;
    const std::vector<std::string> files = files_below(images);
    ASSERT_EQ(files.size(), 30u);
    std::string file_list;
    for (const auto& f : files) file_list += " " + f;

    for (const std::string raw : {" --raw", ""}) {
        SCOPED_TRACE(raw.empty() ? "made MNIST-like" : "raw");
        const CliRun p = run_cli("predict " + model + file_list + raw + " --json");
        ASSERT_EQ(p.status, 0) << p.err;
        const auto answers = predicted(p.out);
        ASSERT_EQ(answers.size(), 30u);
        std::size_t correct = 0;
        std::map<std::string, std::string> wrong;  // file -> answer
        for (const auto& f : files) {
            const std::string truth = fs::path(f).parent_path().filename().string();
            if (answers.at(f) == truth) ++correct;
            else wrong[f] = answers.at(f);
        }
        if (!raw.empty()) {
            EXPECT_GE(correct, 27u) << "the bars as the model was trained on them";
        }

        const CliRun e = run_cli("eval " + model + " --images " + images.string() + raw + " --json");
        ASSERT_EQ(e.status, 0) << e.err;
        const auto j = nlohmann::json::parse(e.out);
        EXPECT_EQ(j["examples"], 30);
        EXPECT_EQ(j["correct"], correct);
        EXPECT_EQ(j["split"], "images");
        EXPECT_EQ(j["data"], images.string());
        ASSERT_EQ(j["mistakes"].size(), wrong.size()) << e.out;
        for (const auto& m : j["mistakes"]) {
            const std::string f = m["file"];
            ASSERT_TRUE(wrong.count(f)) << f << " is named misread but predict reads it right";
            EXPECT_EQ(m["answer"], wrong[f]);
            EXPECT_EQ(m["class"], fs::path(f).parent_path().filename().string());
        }
        // The text output: accuracy, and each misread file with its class and answer.
        const CliRun t = run_cli("eval " + model + " --images " + images.string() + raw);
        ASSERT_EQ(t.status, 0) << t.err;
        EXPECT_CONTAINS(t.out, "on " + images.string() + " (images, 30 examples)");
        EXPECT_CONTAINS(t.out, "(" + std::to_string(correct) + "/30)");
        // The first 20 in the folder's order (map order: paths sorted), the rest left to --json.
        std::size_t shown = 0;
        for (const auto& [f, answer] : wrong) {
            const std::string line = "  " + f + ": " + fs::path(f).parent_path().filename().string() + " -> " + answer + "\n";
            if (shown++ < 20) EXPECT_CONTAINS(t.out, line);
            else EXPECT_EQ(t.out.find(line), std::string::npos) << line;
        }
        EXPECT_EQ(t.out.find("--json lists all") != std::string::npos, wrong.size() > 20) << t.out;
        if (wrong.empty()) {
            EXPECT_EQ(t.out.find("misread"), std::string::npos) << t.out;
        }
    }
    // The same answers from an ensemble of the model with itself.
    const CliRun twice = run_cli("eval " + model + " " + model + " --images " + images.string() + " --raw --json");
    ASSERT_EQ(twice.status, 0) << twice.err;
    const CliRun once = run_cli("eval " + model + " --images " + images.string() + " --raw --json");
    EXPECT_EQ(nlohmann::json::parse(twice.out)["correct"], nlohmann::json::parse(once.out)["correct"]);
}

TEST(EvalImages, BadFoldersAndOptionsAreRefusedInOneLine) {
    const BarScans s("eval-images-bad", 60, "--layers 784,10", 1);
    ASSERT_FALSE(s.model.empty());
    const std::string& model = s.model;
    const fs::path &dir = s.dir, &images = s.images;

    // Usage errors: exit 2, before anything is read.
    for (const std::string& args : std::vector<std::string>{" --images " + images.string() + " --split train",
                                                            " --images " + images.string() + " --data " + (dir / "mnist_train.csv").string(),
                                                            " --raw", " --images ''"}) {
        const CliRun r = run_cli("eval " + model + args);
        EXPECT_EQ(r.status, 2) << args << ": " << r.err;
        EXPECT_EQ(line_count(r.err), 1u) << args << ": " << r.err;
    }
    // A folder that is not one, a wrong subfolder, a file that is not an image: exit 1, the path named.
    const std::string missing = (dir / "nope").string();
    CliRun r = run_cli("eval " + model + " --images " + missing);
    EXPECT_EQ(r.status, 1);
    EXPECT_CONTAINS(r.err, missing + ": expected a folder with subfolders 0 to 9");
    EXPECT_EQ(line_count(r.err), 1u) << r.err;
    fs::create_directories(images / "x");
    r = run_cli("eval " + model + " --images " + images.string());
    EXPECT_EQ(r.status, 1);
    EXPECT_CONTAINS(r.err, (images / "x").string() + ": expected subfolders named 0 to 9 (one per digit), found 'x'");
    EXPECT_EQ(line_count(r.err), 1u) << r.err;
    fs::remove(images / "x");
    std::ofstream(images / "4" / "notes.txt") << "not an image\n";
    r = run_cli("eval " + model + " --images " + images.string() + " --json");
    EXPECT_EQ(r.status, 1);
    EXPECT_CONTAINS(r.err, (images / "4" / "notes.txt").string() + ": ");
    EXPECT_EQ(line_count(r.err), 1u) << r.err;
    EXPECT_EQ(r.out, "");
    // A network whose outputs are not the ten digits (written by the library, as train refuses to
    // make one) is refused before the images are read, not measured against labels it lacks.
    Architecture five;
    five.sizes = {784, 5};
    const std::string five_model = (dir / "five.safetensors").string();
    save_model(five_model, Network(five));
    r = run_cli("eval " + model + " " + five_model + " --images " + (dir / "nope").string());
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "digitnet: error: " + five_model + ": expected a network with 10 outputs, one per digit 0..9, found 5\n");
    // plot confusion, which compares outputs with labels too, refuses it the same way.
    const std::string png = (dir / "confusion.png").string();
    r = run_cli("plot confusion " + five_model + " --data " + (dir / "mnist_train.csv").string() + " -o " + png);
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "digitnet: error: " + five_model + ": expected a network with 10 outputs, one per digit 0..9, found 5\n");
    EXPECT_FALSE(fs::exists(png));
}

TEST(EvalImages, FileNamesThatAreNotUtf8OrHoldControlsArePrintedSafely) {
    const BarScans s("eval-images-names", 300, "--layers 784,30,10 --seed 3", 1);
    ASSERT_FALSE(s.model.empty());
    // A bar of class 0 filed as a 9, named in Latin-1 with a terminal escape: misread, and named.
    const std::string name = "\xff\x1b[2J.png";
    fs::copy_file(s.images / "0" / "bar0.png", s.images / "9" / name);
    const CliRun j = run_cli("eval " + s.model + " --images " + s.images.string() + " --raw --json");
    ASSERT_EQ(j.status, 0) << j.err;
    const auto parsed = nlohmann::json::parse(j.out);  // valid UTF-8: the 0xFF byte became U+FFFD
    bool named = false;
    for (const auto& m : parsed["mistakes"])
        named = named || m["file"] == (s.images / "9" / "\xEF\xBF\xBD\x1b[2J.png").string();
    EXPECT_TRUE(named) << j.out;
    const CliRun t = run_cli("eval " + s.model + " --images " + s.images.string() + " --raw");
    ASSERT_EQ(t.status, 0) << t.err;
    EXPECT_CONTAINS(t.out, (s.images / "9").string() + "/\\xFF\\x1B[2J.png: 9 -> ");
    EXPECT_EQ(t.out.find('\x1b'), std::string::npos) << t.out;
    // predict --json prints such a name too, rather than failing.
    const CliRun p = run_cli("predict " + s.model + " '" + (s.images / "9" / name).string() + "' --raw --json");
    ASSERT_EQ(p.status, 0) << p.err;
    EXPECT_EQ(nlohmann::json::parse(p.out)["file"], (s.images / "9" / "\xEF\xBF\xBD\x1b[2J.png").string());
}

TEST(EvalImages, ADigitWithoutImagesHasNoRecallRatherThanZero) {
    const BarScans s("eval-images-some", 300, "--layers 784,30,10 --seed 3", 2);
    ASSERT_FALSE(s.model.empty());
    for (int c = 2; c < 10; ++c) fs::remove_all(s.images / std::to_string(c));  // only 0s and 1s
    const CliRun t = run_cli("eval " + s.model + " --images " + s.images.string() + " --raw");
    ASSERT_EQ(t.status, 0) << t.err;
    EXPECT_CONTAINS(t.out, "(4/4)");
    EXPECT_CONTAINS(t.out, "    0    100.00%  100.00%\n");
    EXPECT_CONTAINS(t.out, "    8          -        -\n");  // never answered, no examples
}
