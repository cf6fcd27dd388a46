// The source tree's own rules: folders by concern, each saying what it holds; a public API that shows
// the maths, not the machine.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;
const fs::path kRoot = DIGITNET_SOURCE_DIR;

std::string read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

std::set<std::string> quoted_includes(const std::string& text) {
    std::set<std::string> found;
    static const std::regex include(R"re(#include\s+"([^"]+)")re");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), include); it != std::sregex_iterator(); ++it)
        found.insert((*it)[1]);
    return found;
}

}  // namespace

TEST(Layout, NoSourceFileAtTheTopOfSrcAndEveryFolderSaysWhatItHolds) {
    for (const auto& entry : fs::directory_iterator(kRoot / "src")) {
        if (entry.is_directory()) {
            EXPECT_TRUE(fs::exists(entry.path() / "README.md")) << entry.path() << " has no README.md";
        } else {
            EXPECT_EQ(entry.path().filename(), "README.md") << entry.path() << " is a file at the top of src/";
        }
    }
    for (const char* folder : {"tools", "tests"}) EXPECT_TRUE(fs::exists(kRoot / folder / "README.md")) << folder;
}

TEST(Layout, DigitnetHppIncludesEveryPublicHeader) {
    const auto included = quoted_includes(read(kRoot / "include/digitnet/digitnet.hpp"));
    for (const auto& entry : fs::directory_iterator(kRoot / "include/digitnet")) {
        const std::string name = "digitnet/" + entry.path().filename().string();
        if (name == "digitnet/digitnet.hpp") continue;
        EXPECT_TRUE(included.count(name)) << "digitnet.hpp does not include " << name;
    }
}

TEST(Layout, PublicHeadersIncludeOnlyPublicHeadersAndNameNoKernelInternals) {
    // The kernels' working memory, byte pages and prefetching stay behind src/kernels/.
    const std::regex internals(R"(GemmScratch|PixelBytes|prefetch|madvise|AVX|gemm_skip_zeros|exp_floats)");
    for (const auto& entry : fs::directory_iterator(kRoot / "include/digitnet")) {
        const std::string text = read(entry.path());
        for (const std::string& name : quoted_includes(text))
            EXPECT_EQ(name.rfind("digitnet/", 0), 0u) << entry.path() << " includes the private header " << name;
        std::smatch m;
        EXPECT_FALSE(std::regex_search(text, m, internals)) << entry.path() << " names " << m.str();
    }
}

TEST(Layout, PrivateHeadersAreUsedOnlyWhereTheirFolderSays) {
    // kernels/ is private to the library; train/workspace.hpp to train/.
    for (const auto& entry : fs::recursive_directory_iterator(kRoot / "src")) {
        if (!entry.is_regular_file() || entry.path().extension() == ".md") continue;
        const std::string folder = entry.path().parent_path().filename().string();
        for (const std::string& name : quoted_includes(read(entry.path()))) {
            if (name.rfind("digitnet/", 0) == 0) continue;
            const std::string from = name.substr(0, name.find('/'));
            EXPECT_TRUE(from == folder || from == "kernels") << entry.path() << " includes " << name;
            if (from == "kernels") {
                EXPECT_TRUE(folder == "kernels" || folder == "nn" || folder == "train")
                    << entry.path() << " (in " << folder << "/) uses the kernels' " << name;
            }
        }
    }
}

TEST(Layout, EverySourcePathNamedInTheDocsExists) {
    const std::regex path(R"((src|include/digitnet|tools|tests|bench|examples|fuzz|scripts)/[A-Za-z0-9_/]+\.(cpp|hpp|py|sh))");
    std::vector<fs::path> docs = {kRoot / "README.md"};
    for (const auto& entry : fs::directory_iterator(kRoot / "docs"))
        if (entry.path().extension() == ".md") docs.push_back(entry.path());
    for (const auto& entry : fs::directory_iterator(kRoot / "src"))
        if (entry.is_directory()) docs.push_back(entry.path() / "README.md");
    for (const fs::path& doc : docs) {
        const std::string text = read(doc);
        for (auto it = std::sregex_iterator(text.begin(), text.end(), path); it != std::sregex_iterator(); ++it) {
            const std::string named = it->str();
            // Paths inside src/<folder>/README.md may be relative to src/.
            EXPECT_TRUE(fs::exists(kRoot / named) || fs::exists(kRoot / "src" / named))
                << doc.filename() << " names " << named << ", which does not exist";
        }
    }
}

// The suite leaves nothing behind: a folder fresh_dir makes is gone once its process ends.
TEST(TestSupport, FreshFoldersAreRemovedWhenTheTestProcessEnds) {
    using digitnet::testing::fresh_dir;
    using digitnet::testing::read_text;
    using digitnet::testing::test_folders;
    const pid_t pid = fork();
    if (pid == 0) {
        test_folders().made.clear();  // the child removes only its own
        const std::filesystem::path dir = fresh_dir("cleanup-probe");
        std::ofstream(dir / "model.safetensors") << "bytes";
        // its name, for the parent to look for
        std::ofstream(std::filesystem::temp_directory_path() / ("digitnet-cleanup-probe-name-" + std::to_string(::getppid())))
            << dir.string();
        std::exit(std::filesystem::exists(dir / "model.safetensors") ? 0 : 3);
    }
    ASSERT_GT(pid, 0);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
    const std::filesystem::path name_file =
        std::filesystem::temp_directory_path() / ("digitnet-cleanup-probe-name-" + std::to_string(::getpid()));
    const std::string made = read_text(name_file);
    std::filesystem::remove(name_file);
    ASSERT_FALSE(made.empty());
    EXPECT_FALSE(std::filesystem::exists(made)) << made;
}
