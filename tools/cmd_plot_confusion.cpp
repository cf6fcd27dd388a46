// digitnet plot confusion MODEL -o confusion.png: the test-set confusion matrix as a heat map.
#include <memory>
#include <string>

#include "data_options.hpp"
#include "digitnet/answers.hpp"
#include "digitnet/error.hpp"
#include "digitnet/evaluate.hpp"
#include "digitnet/image.hpp"
#include "digitnet/model_io.hpp"
#include "digitnet/plot.hpp"
#include "output_paths.hpp"
#include "plot_commands.hpp"

namespace digitnet::cli {

namespace {

struct ConfusionOptions {
    std::string model;
    std::string out;
    DataOptions data;
};

void run_confusion(const ConfusionOptions& o) {
    check_outputs({{"--output", o.out}}, {{"model", o.model}, {"data", o.data.data}});
    Network network = load_model(o.model);
    check_digit_outputs(network, o.model);
    DataOptions data_options = o.data;
    data_options.validation_size = 0;
    const DataSplits data = load_data(data_options);
    if (data.test.features() != network.input_size())
        throw Error(o.model + ": the network takes " + std::to_string(network.input_size()) + " inputs but " + data.name +
                    "'s images have " + std::to_string(data.test.features()) + " pixels");
    const Evaluation ev = evaluate(network, data.test);
    std::vector<std::vector<double>> cells;
    std::vector<std::string> labels;
    for (std::size_t r = 0; r < ev.confusion.size(); ++r) {
        cells.emplace_back(ev.confusion[r].begin(), ev.confusion[r].end());
        labels.push_back(class_names(network)[r]);
    }
    char title[160];
    std::snprintf(title, sizeof title, "confusion on %s test set (accuracy %.2f%%)", data.name.c_str(), 100 * ev.accuracy);
    // The colours show the mistakes: scaled to the largest cell off the diagonal, with a colour bar.
    HeatmapOptions options;
    options.scale_without_diagonal = true;
    options.colour_bar = true;
    options.colour_bar_label = "mistakes (off the diagonal)";
    write_png(o.out, render_heatmap(cells, labels, labels, title, "predicted class", "true class", options));
    std::printf("confusion matrix written to %s (accuracy %.2f%%)\n", o.out.c_str(), 100 * ev.accuracy);
}

}  // namespace

void add_plot_confusion_command(CLI::App* plot) {
    auto o = std::make_shared<ConfusionOptions>();
    auto* cmd = plot->add_subcommand("confusion", "Draw a model's confusion matrix on the test set as a heat map");
    cmd->add_option("MODEL", o->model, "a model file written by digitnet train -o")->type_name("")->required();
    cmd->add_option("-o,--output", o->out, "write the figure to FILE (PNG)")->type_name("FILE")->required();
    add_data_options(cmd, o->data);
    cmd->callback([o] { run_confusion(*o); });
}

}  // namespace digitnet::cli
