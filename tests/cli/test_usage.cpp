// The command line's one language: a misspelled subcommand or option is named, with the nearest
// real one; -o/--output names the file a subcommand writes (other files have descriptive names);
// positionals are upper-case; every --help reads alike; every flag a message names exists; and
// every mistake in the command line exits with the same code.
#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <sstream>

#include "learner_support.hpp"

using namespace digitnet::testing;
namespace fs = std::filesystem;

TEST(UsageCommand, AMisspelledSubcommandSuggestsTheNearestOne) {
    const CliRun usage = run_cli("");  // no subcommand at all: the usage exit code
    EXPECT_NE(usage.status, 0);
    const CliRun r = run_cli("trian --epochs 1");
    EXPECT_EQ(r.status, usage.status);
    EXPECT_EQ(r.err, "digitnet: error: unknown subcommand 'trian'; did you mean 'train'?\n");
    EXPECT_EQ(r.err.find("A subcommand is required"), std::string::npos);
    const CliRun nested = run_cli("demo descnt");
    EXPECT_NE(nested.err.find("unknown subcommand 'descnt' of 'digitnet demo'; did you mean 'descent'?"), std::string::npos)
        << nested.err;
    const CliRun far = run_cli("xyzzy");
    EXPECT_NE(far.err.find("unknown subcommand 'xyzzy'"), std::string::npos) << far.err;
    EXPECT_EQ(far.err.find("did you mean"), std::string::npos) << far.err;
}

TEST(UsageCommand, AMisspelledOptionSuggestsTheNearestOne) {
    const CliRun r = run_cli("train --epoch 3");
    EXPECT_NE(r.status, 0);
    EXPECT_EQ(r.err, "digitnet: error: unknown option '--epoch' for 'digitnet train'; did you mean '--epochs'?\n");
    const CliRun value = run_cli("train --lr 0.1 --layres 784,30,10");
    EXPECT_NE(value.err.find("'--layres' for 'digitnet train'; did you mean '--layers'?"), std::string::npos) << value.err;
    const CliRun plot = run_cli("plot metrics a.jsonl --ouptut x.png");
    EXPECT_NE(plot.err.find("did you mean '--output'?"), std::string::npos) << plot.err;
    const CliRun unknown = run_cli("gates --frobnicate");
    EXPECT_NE(unknown.err.find("unknown option '--frobnicate' for 'digitnet gates' (see digitnet gates --help)"),
              std::string::npos)
        << unknown.err;
    EXPECT_EQ(line_count(unknown.err), 1u);
}

// One exit code for every mistake in the command line, whichever part of the program finds it
// (CLI11 while parsing, or a command checking its options); 1 for a failure of the work itself.
TEST(UsageCommand, EveryUsageErrorExitsWithCode2AndOtherErrorsWith1) {
    const char* usage_errors[] = {
        "",                                          // no subcommand
        "trian",                                     // unknown subcommand
        "train --frobnicate",                        // unknown option
        "train --epochs abc",                        // malformed value
        "train --epochs",                            // missing value
        "train --epochs 0",                          // out of range
        "eval",                                      // missing positional
        "show --split x --index 0",                  // not one of the choices
        "train --targets 1",                         // checked by the command
        "train --activation foo",                    // checked by the library
        "train --preset nope",                       // unknown preset
        "train --layers 784,30,7",                   // a classifier needs 10 outputs
        "train --batch x",                           // --batch's own parse
        "inspect",                                   // neither a model nor --layers
        "inspect --layers 784,10 --noise 10",        // seeing inside needs a model
        "show",                                      // neither an image nor --index
        "gradcheck --layers 100,10",                 // too large to check
        "gradcheck --cost hinge",                    // unknown cost
        "explain --input 1,x",                       // malformed list
        "explain --input 1,2,3",                     // does not fit the network
        "demo descent --batches 1,-2",               // malformed list
        "tune --preset nope",                        // unknown preset
        "tune --validation-size 0",                  // nothing to score on
    };
    for (const char* args : usage_errors) {
        const CliRun r = run_cli(args);
        EXPECT_EQ(r.status, 2) << "digitnet " << args << "\n" << r.err;
        EXPECT_EQ(line_count(r.err), 1u) << "digitnet " << args << "\n" << r.err;
    }
    const char* failures[] = {"eval /nonexistent/model.safetensors", "inspect /nonexistent/model.safetensors",
                              "train --data /nonexistent/data.csv --epochs 1"};
    for (const char* args : failures) {
        const CliRun r = run_cli(args);
        EXPECT_EQ(r.status, 1) << "digitnet " << args << "\n" << r.err;
        EXPECT_EQ(line_count(r.err), 1u) << "digitnet " << args << "\n" << r.err;
    }
}

TEST(LanguageCommand, OutputNamesTheModelFileAndOutputActivationTheOutputLayer) {
    const fs::path dir = fresh_dir("language-output");
    write_bar_digits(dir, 40);
    const std::string train = "train --data " + (dir / "mnist_train.csv").string() +
                              " --validation-size 0 --epochs 1 --layers 784,10 --quiet --cost log-likelihood";
    const std::string model = (dir / "m.safetensors").string();
    const CliRun r = run_cli(train + " --output-activation softmax -o " + model);
    ASSERT_EQ(r.status, 0) << r.err;
    const CliRun inspect = run_cli("inspect " + model);
    EXPECT_CONTAINS(inspect.out, "/softmax log-likelihood");
    // --out, its older name, still writes the model, and is not shown.
    const std::string old = (dir / "old.safetensors").string();
    ASSERT_EQ(run_cli(train + " --output-activation softmax --out " + old).status, 0);
    EXPECT_EQ(read_text(old), read_text(model));
    EXPECT_EQ(run_cli("train --help").out.find("--out "), std::string::npos);
    EXPECT_EQ(run_cli("train --oot m").err,  // nor suggested
              "digitnet: error: unknown option '--oot' for 'digitnet train' (see digitnet train --help)\n");
    const CliRun both = run_cli(train + " --output-activation softmax --out " + old + " -o " + model);
    EXPECT_EQ(both.status, 2);
    EXPECT_CONTAINS(both.err, "--out: the older name of -o/--output");
    // A command line from before the rename does not save a model called "softmax".
    const CliRun before = run_cli("train --output softmax --epochs 1");
    EXPECT_EQ(before.status, 2);
    EXPECT_EQ(before.err,
              "digitnet: error: --output: expected a file for the model, found 'softmax', the name of an activation "
              "(the output layer's is --output-activation)\n");
    EXPECT_FALSE(fs::exists("softmax"));
    // A checkpoint keeps the model file's path as text: one with a control character is refused
    // before any work.
    const CliRun newline = run_cli(train + " --output-activation softmax -o '" + (dir / "a\nb").string() + "'");
    EXPECT_EQ(newline.status, 2);
    EXPECT_CONTAINS(newline.err, "--output: a checkpoint keeps the model file's path as text");
    EXPECT_EQ(line_count(newline.err), 1u) << newline.err;
    // So is one that is not UTF-8 (the checkpoint's text is JSON), and so is such a --data: the model
    // file and the checkpoints keep it. Both before any training, rather than failing to save after it.
    const CliRun latin1 = run_cli(train + " --output-activation softmax -o '" + (dir / "mod\xe8le").string() + "'");
    EXPECT_EQ(latin1.status, 2);
    EXPECT_CONTAINS(latin1.err, "must be UTF-8 with no control characters and at most 4096 bytes; found '");
    EXPECT_CONTAINS(latin1.err, "/mod\\xE8le'");
    EXPECT_EQ(line_count(latin1.err), 1u) << latin1.err;
    fs::copy_file(dir / "mnist_train.csv", dir / "donn\xe9" "es.csv");
    for (const std::string& command : std::vector<std::string>{"train --epochs 1 -o " + model, std::string("serve --port 0")}) {
        const CliRun data = run_cli(command + " --data '" + (dir / "donn\xe9" "es.csv").string() + "'");
        EXPECT_EQ(data.status, 2) << command;
        EXPECT_CONTAINS(data.err, "--data: model files and checkpoints keep the data's path as text, which must be UTF-8");
        EXPECT_CONTAINS(data.err, "/donn\\xE9es.csv' (rename or link the file)");
        EXPECT_EQ(line_count(data.err), 1u) << data.err;
    }
    // The cost's check names the flag that chooses the output layer's activation.
    const CliRun cost = run_cli(train + " --output-activation relu");
    EXPECT_EQ(cost.status, 2);
    EXPECT_CONTAINS(cost.err, "expected --output-activation sigmoid or softmax, found --output-activation relu");
    const CliRun gradcheck = run_cli("gradcheck --output-activation relu --cost cross-entropy");
    EXPECT_EQ(gradcheck.status, 2);
    EXPECT_CONTAINS(gradcheck.err, "--output-activation relu");
    const CliRun layers = run_cli("inspect --layers 784,10 --output-activation softmax");
    EXPECT_CONTAINS(layers.out, "softmax");
    fs::remove_all(dir);
}

namespace {

// One entry of a CLI11 help page: its names ("-o", "--output", or a positional's "MODEL"), what
// follows them on the line (the value's name and default: "FILE", "UINT:1..400=36") and its
// description (continuation lines joined with '\n').
struct HelpEntry {
    std::vector<std::string> names;
    std::string value;
    std::string description;
};

struct HelpPage {
    std::string description;  // the first line
    std::vector<HelpEntry> positionals, options;
    std::vector<std::string> subcommands;
};

std::string trimmed(const std::string& s) {
    const auto begin = s.find_first_not_of(' ');
    if (begin == std::string::npos) return "";
    return s.substr(begin, s.find_last_not_of(' ') - begin + 1);
}

// Reads `digitnet ... --help`: the sections "Positionals:", "Options:" and "Subcommands:". CLI11
// writes an entry's names in column 2, padded to column 30, where its description starts; names
// that reach column 30 stand alone, and the description starts on the next line. Continuation
// lines are indented by 30.
HelpPage parse_help(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    HelpPage page;
    if (!lines.empty()) page.description = lines[0];
    const std::string indent(30, ' ');
    auto continues = [&](std::size_t i) { return i < lines.size() && lines[i].compare(0, 30, indent) == 0; };
    std::string section;
    HelpEntry* last = nullptr;
    for (std::size_t i = 1; i < lines.size(); ++i) {
        const std::string& line = lines[i];
        if (line.empty()) {
            section.clear();
            last = nullptr;
        } else if (line == "Positionals:" || line == "Options:" || line == "Subcommands:") {
            section = line;
        } else if (!section.empty() && line.size() > 2 && line.compare(0, 2, "  ") == 0 && line[2] != ' ') {
            // The names end at a gap of two spaces, at column 29 when a description follows at
            // 30, or at the end of a line that stands alone.
            std::size_t end = line.find("  ", 2);
            if (end == std::string::npos) end = line.size() > 30 && line[29] == ' ' && !continues(i + 1) ? 29 : line.size();
            const std::string head = line.substr(2, end - 2);
            const std::string first = head.substr(0, head.find(' '));
            if (section == "Subcommands:") {
                page.subcommands.push_back(first);
                continue;
            }
            HelpEntry e;
            for (std::size_t start = 0; start <= first.size();) {
                const std::size_t comma = std::min(first.find(',', start), first.size());
                e.names.push_back(first.substr(start, comma - start));
                start = comma + 1;
            }
            e.value = head.size() > first.size() ? head.substr(first.size() + 1) : "";
            e.description = trimmed(line.substr(end));
            auto& list = section == "Positionals:" ? page.positionals : page.options;
            list.push_back(e);
            last = &list.back();
        } else if (last && continues(i)) {
            last->description += (last->description.empty() ? "" : "\n") + trimmed(line);
        }
    }
    return page;
}

// Every subcommand's path ("" for the program itself, "plot metrics", ...) and its help page.
std::vector<std::pair<std::string, HelpPage>> every_help_page() {
    std::vector<std::pair<std::string, HelpPage>> pages;
    std::vector<std::string> todo{""};
    while (!todo.empty()) {
        const std::string path = todo.back();
        todo.pop_back();
        const CliRun r = run_cli(path + (path.empty() ? "" : " ") + "--help");
        EXPECT_EQ(r.status, 0) << path;
        const HelpPage page = parse_help(r.out);
        for (const std::string& sub : page.subcommands) todo.push_back(path.empty() ? sub : path + " " + sub);
        pages.emplace_back(path, page);
    }
    return pages;
}

bool has_name(const HelpEntry& e, const std::string& name) {
    return std::find(e.names.begin(), e.names.end(), name) != e.names.end();
}

}  // namespace

TEST(LanguageCommand, EveryHelpPageFollowsOneStyle) {
    const auto pages = every_help_page();
    ASSERT_GE(pages.size(), 18u);  // the program, 12 subcommands, plot's 3 and demo's 2
    // The subcommands whose main output is a file: it is -o/--output.
    const std::set<std::string> writers = {"train",          "show",          "plot activations", "plot metrics",
                                           "plot confusion", "demo slowdown", "demo descent", "inspect"};
    std::set<std::string> seen_writers;
    const std::regex fixed_default(R"(\(default:? [0-9])");
    for (const auto& [path, page] : pages) {
        const std::string where = "digitnet " + path + " --help: ";
        if (!path.empty()) {
            // One sentence in the imperative: "Train a network on a dataset, ...".
            const std::string& d = page.description;
            ASSERT_FALSE(d.empty()) << where;
            const std::string verb = d.substr(0, d.find(' '));
            EXPECT_TRUE(d[0] >= 'A' && d[0] <= 'Z') << where << d;
            EXPECT_NE(d.back(), '.') << where << d;
            EXPECT_EQ(d.find(". "), std::string::npos) << where << d;
            EXPECT_NE(verb.back(), 's') << where << "'" << verb << "' is not an imperative: " << d;
            for (const char* article : {"A", "An", "The", "One"}) EXPECT_NE(verb, article) << where << d;
        }
        for (const HelpEntry& p : page.positionals) {
            ASSERT_EQ(p.names.size(), 1u) << where;
            EXPECT_TRUE(std::regex_match(p.names[0], std::regex("[A-Z][A-Z_]*"))) << where << p.names[0];
        }
        for (const HelpEntry& o : page.options) {
            const std::string name = o.names.back();
            EXPECT_FALSE(has_name(o, "--out") || has_name(o, "--png")) << where << name;
            if (has_name(o, "-o") || has_name(o, "--output")) {
                EXPECT_EQ(o.names, (std::vector<std::string>{"-o", "--output"})) << where << name;
            }
            if (has_name(o, "--output")) seen_writers.insert(path);
            // Descriptions: a lower-case start, no full stop at the end, fixed defaults shown by
            // CLI11 ("=36") and not in the text, and a file written named FILE, MODEL or DIR.
            const std::string& d = o.description;
            ASSERT_FALSE(d.empty()) << where << name;
            EXPECT_FALSE(d[0] >= 'A' && d[0] <= 'Z') << where << name << ": " << d;
            EXPECT_NE(d.back(), '.') << where << name << ": " << d;
            EXPECT_FALSE(std::regex_search(d, fixed_default)) << where << name << ": " << d;
            if (std::regex_search(d, std::regex("^(also )?write "))) {
                EXPECT_TRUE(std::regex_search(o.value, std::regex("^(FILE|MODEL|DIR)\\b"))) << where << name << ": " << o.value;
            }
        }
    }
    EXPECT_EQ(seen_writers, writers);
}

namespace {

// The string literals of C++ source text, adjacent ones joined as the compiler joins them
// ("--output-" "activation" is one). Comments, character literals and digit separators
// (100'000) are skipped; raw literals R"(...)" are read to their closing delimiter.
std::vector<std::string> string_literals(const std::string& code) {
    std::vector<std::string> literals;
    bool joins = false;  // only white space and comments since the last literal
    auto identifier = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
    for (std::size_t i = 0; i < code.size();) {
        const char c = code[i];
        if (code.compare(i, 2, "//") == 0) {
            i = std::min(code.find('\n', i), code.size());
        } else if (code.compare(i, 2, "/*") == 0) {
            i = std::min(code.find("*/", i + 2), code.size() - 2) + 2;
        } else if (c == '"') {
            // The identifier right before the quote: a raw literal's prefix (R, u8R, LR, ...)?
            std::size_t start = i;
            while (start > 0 && identifier(code[start - 1])) --start;
            const std::string prefix = code.substr(start, i - start);
            std::string text;
            if (!prefix.empty() && prefix.back() == 'R' && (prefix == "R" || prefix == "u8R" || prefix == "uR" ||
                                                            prefix == "UR" || prefix == "LR")) {
                const std::size_t open = code.find('(', i);
                const std::string close = ")" + code.substr(i + 1, open - i - 1) + "\"";
                const std::size_t end = std::min(code.find(close, open), code.size());
                text = code.substr(open + 1, end - open - 1);
                i = end + close.size();
            } else {
                std::size_t j = i + 1;
                while (j < code.size() && code[j] != '"') j += code[j] == '\\' ? 2 : 1;
                text = code.substr(i + 1, j - i - 1);
                i = j + 1;
            }
            if (joins) literals.back() += text;
            else literals.push_back(text);
            joins = true;
        } else if (c == '\'') {
            if (i > 0 && std::isdigit(static_cast<unsigned char>(code[i - 1])) && i + 1 < code.size() &&
                std::isdigit(static_cast<unsigned char>(code[i + 1]))) {
                ++i;  // a digit separator
            } else {
                std::size_t j = i + 1;
                while (j < code.size() && code[j] != '\'') j += code[j] == '\\' ? 2 : 1;
                i = j + 1;
            }
            joins = false;
        } else {
            if (!std::isspace(static_cast<unsigned char>(c))) joins = false;
            ++i;
        }
    }
    return literals;
}

}  // namespace

TEST(LanguageCommand, TheLiteralReaderJoinsAdjacentLiteralsAndSkipsTheRest) {
    const std::string code = "f(\"--output-\" /* c */ \"activation\", 'x', '\"', 100'000, R\"x(a\"b)x\"); // \"--no\"\n"
                             "g(\"DIR\"); h(\"a\\\"b\");";
    EXPECT_EQ(string_literals(code),
              (std::vector<std::string>{"--output-activation", "a\"b", "DIR", "a\\\"b"}));
}

// Every flag that a string in src/ or tools/ names (an error message, a hint, a help text, a
// printed command) is an option of some subcommand, as its --help lists it.
TEST(LanguageCommand, EveryFlagTheProgramNamesExists) {
    std::set<std::string> flags;
    for (const auto& [path, page] : every_help_page())
        for (const HelpEntry& o : page.options)
            for (const std::string& name : o.names)
                if (name.rfind("--", 0) == 0) flags.insert(name);
    ASSERT_GE(flags.size(), 60u);
    // An option that exists without being shown: train's older name for -o/--output.
    flags.insert("--out");
    const fs::path root = DIGITNET_SOURCE_DIR;
    const std::regex flag("--[a-z][a-z0-9]*(-[a-z0-9]+)*");
    std::size_t named = 0;
    std::string unknown;
    for (const char* folder : {"src", "tools"}) {
        for (const auto& entry : fs::recursive_directory_iterator(root / folder)) {
            const std::string ext = entry.path().extension().string();
            if (ext != ".cpp" && ext != ".hpp") continue;
            for (const std::string& literal : string_literals(read_text(entry.path()))) {
                for (auto it = std::sregex_iterator(literal.begin(), literal.end(), flag); it != std::sregex_iterator();
                     ++it) {
                    ++named;
                    if (!flags.count(it->str()))
                        unknown += "\n  " + fs::relative(entry.path(), root).string() + ": " + it->str() + " in \"" +
                                   literal + "\"";
                }
            }
        }
    }
    EXPECT_GE(named, 100u);
    EXPECT_EQ(unknown, "") << "flags named in the code that no subcommand has:";
}
