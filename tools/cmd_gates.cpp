// digitnet gates: perceptrons as logic gates (AND, NAND, OR, and XOR from two layers),
// Nielsen's cheese-festival decision at thresholds 5 and 3, and the perceptron learning
// rule on AND, OR and XOR. Text tables, or (--json) one JSON object.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "digitnet/format.hpp"
#include "digitnet/perceptron.hpp"
#include "number_options.hpp"

namespace digitnet::cli {
namespace {

struct GatesArgs {
    int epochs = 100;
    bool json = false;
};

constexpr float kEta = 0.5f;

struct NamedGate {
    const char* name;
    Perceptron p;
};

std::vector<NamedGate> single_layer_gates() { return {{"AND", and_gate()}, {"NAND", nand_gate()}, {"OR", or_gate()}}; }

// A float as the tables print it ("0.5", "-0.7"), as a tidy double for JSON.
double tidy(float v) { return std::stod(format_number(v)); }

std::string vector_text(const std::vector<float>& w) {
    std::string text = "(";
    for (std::size_t i = 0; i < w.size(); ++i) text += (i ? ", " : "") + format_number(w[i]);
    return text + ")";
}

nlohmann::ordered_json tidy_vector(const std::vector<float>& w) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (float v : w) out.push_back(tidy(v));
    return out;
}

struct Learned {
    const char* name;
    bool linearly_separable;  // AND and OR are; XOR is not, so the rule can never converge
    LearnResult result;
};

std::vector<Learned> learn_gates(int epochs) {
    auto and_table = truth_table([](int a, int b) { return and_gate().output({a, b}); });
    auto or_table = truth_table([](int a, int b) { return or_gate().output({a, b}); });
    return {{"AND", true, learn_perceptron(and_table, epochs, kEta)},
            {"OR", true, learn_perceptron(or_table, epochs, kEta)},
            {"XOR", false, learn_perceptron(truth_table(xor_gate), epochs, kEta)}};
}

void print_text(const GatesArgs& args) {
    std::printf("Perceptron: y = step(w.x + b), step(z) = 1 if z > 0 else 0, b = -threshold\n\n");
    for (const NamedGate& g : single_layer_gates()) {
        std::printf("%-4s  w = %s, b = %s\n", g.name, vector_text(g.p.weights).c_str(), format_number(g.p.bias).c_str());
        std::printf("  x1 x2 | y\n");
        for (int x1 : {0, 1})
            for (int x2 : {0, 1}) std::printf("   %d  %d | %d\n", x1, x2, g.p.output({x1, x2}));
        std::printf("\n");
    }
    std::printf("XOR   two layers: s1 = NAND(x1, x2), s2 = OR(x1, x2), y = AND(s1, s2)\n");
    std::printf("  x1 x2 | s1 s2 | y\n");
    for (int x1 : {0, 1})
        for (int x2 : {0, 1}) {
            XorTrace t = xor_layers(x1, x2);
            std::printf("   %d  %d |  %d  %d | %d\n", x1, x2, t.s1, t.s2, t.y);
        }

    std::printf("\nCheese festival: w = (6, 2, 2) for weather good, partner comes, near transit\n");
    std::printf("  weather partner transit | go at threshold 5 | go at threshold 3\n");
    const Perceptron strict = cheese_festival(5.0f), relaxed = cheese_festival(3.0f);
    for (int w : {0, 1})
        for (int p : {0, 1})
            for (int t : {0, 1})
                std::printf("  %7d %7d %7d | %17d | %17d\n", w, p, t, strict.output({w, p, t}),
                            relaxed.output({w, p, t}));

    std::printf("\nLearning rule: w <- w + eta (t - y) x, b <- b + eta (t - y), eta = %s, from w = 0, b = 0\n",
                format_number(kEta).c_str());
    for (const Learned& l : learn_gates(args.epochs)) {
        const std::string label = std::string(l.name) + ":";
        if (l.result.converged)
            std::printf("  %-5s learned in %d epoch%s, w = %s, b = %s\n", label.c_str(), l.result.epochs,
                        l.result.epochs == 1 ? "" : "s", vector_text(l.result.p.weights).c_str(),
                        format_number(l.result.p.bias).c_str());
        else
            std::printf("  %-5s did not converge in %d epoch%s (%s)\n", label.c_str(), l.result.epochs,
                        l.result.epochs == 1 ? "" : "s",
                        l.linearly_separable ? "allow more with --epochs" : "not linearly separable");
    }
}

void print_json(const GatesArgs& args) {
    nlohmann::ordered_json out;
    out["rule"] = "y = step(w.x + b), step(z) = 1 if z > 0 else 0, b = -threshold";
    for (const NamedGate& g : single_layer_gates()) {
        nlohmann::ordered_json gate;
        gate["weights"] = tidy_vector(g.p.weights);
        gate["bias"] = tidy(g.p.bias);
        gate["table"] = nlohmann::ordered_json::array();
        for (int x1 : {0, 1})
            for (int x2 : {0, 1}) gate["table"].push_back({{"x", {x1, x2}}, {"y", g.p.output({x1, x2})}});
        out["gates"][g.name] = gate;
    }
    nlohmann::ordered_json xor_gate_json;
    xor_gate_json["layers"] = "s1 = NAND(x1, x2), s2 = OR(x1, x2), y = AND(s1, s2)";
    xor_gate_json["table"] = nlohmann::ordered_json::array();
    for (int x1 : {0, 1})
        for (int x2 : {0, 1}) {
            XorTrace t = xor_layers(x1, x2);
            xor_gate_json["table"].push_back({{"x", {x1, x2}}, {"s1", t.s1}, {"s2", t.s2}, {"y", t.y}});
        }
    out["gates"]["XOR"] = xor_gate_json;

    nlohmann::ordered_json cheese;
    cheese["inputs"] = {"weather", "partner", "transit"};
    cheese["weights"] = {6, 2, 2};
    cheese["rows"] = nlohmann::ordered_json::array();
    const Perceptron strict = cheese_festival(5.0f), relaxed = cheese_festival(3.0f);
    for (int w : {0, 1})
        for (int p : {0, 1})
            for (int t : {0, 1})
                cheese["rows"].push_back(
                    {{"x", {w, p, t}}, {"threshold_5", strict.output({w, p, t})}, {"threshold_3", relaxed.output({w, p, t})}});
    out["cheese_festival"] = cheese;

    nlohmann::ordered_json learning;
    learning["eta"] = tidy(kEta);
    learning["max_epochs"] = args.epochs;
    learning["results"] = nlohmann::ordered_json::array();
    for (const Learned& l : learn_gates(args.epochs))
        learning["results"].push_back({{"gate", l.name},
                                       {"linearly_separable", l.linearly_separable},
                                       {"converged", l.result.converged},
                                       {"epochs", l.result.epochs},
                                       {"weights", tidy_vector(l.result.p.weights)},
                                       {"bias", tidy(l.result.p.bias)}});
    out["learning"] = learning;
    std::printf("%s\n", out.dump(2).c_str());
}

}  // namespace

void add_gates_command(CLI::App& app) {
    auto* cmd = app.add_subcommand("gates", "Show perceptrons as logic gates, the cheese festival and the perceptron learning rule");
    auto args = std::make_shared<GatesArgs>();
    cmd->add_option("--epochs", args->epochs, "most passes the learning rule makes over a truth table")
        ->transform(whole_number(1, 1000000))
        ->capture_default_str();
    cmd->add_flag("--json", args->json, "print one JSON object instead of tables");
    cmd->callback([args] {
        if (args->json)
            print_json(*args);
        else
            print_text(*args);
    });
}

}  // namespace digitnet::cli
