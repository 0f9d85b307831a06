// kernelmeter-cli: the command-line face of km_core.
#include <CLI/CLI.hpp>

#include <iostream>

#include "cli/commands.h"
#include "common/version.h"

int main(int argc, char** argv) {
    CLI::App app{"KernelMeter: predict the inference latency of a neural network kernel by kernel."};
    app.name("kernelmeter-cli");
    app.set_version_flag("--version", std::string("kernelmeter-cli ") + km::kVersion);
    app.require_subcommand(1);

    km::cli::InspectArgs inspect;
    auto* cmdInspect = app.add_subcommand("inspect", "List a model's nodes with shapes, MACs, FLOPs and parameters.");
    cmdInspect->add_option("model", inspect.model, "ONNX file or nn-Meter IR JSON file")->required();
    cmdInspect->add_option("--input-shape", inspect.inputShapes,
                           "shape of an input, e.g. 1x3x224x224 or input=1x3x224x224 (repeatable); "
                           "default: the file's shapes with a dynamic batch set to 1");
    cmdInspect->add_flag("--json", inspect.json, "print JSON (schema in docs/cli.md)");
    cmdInspect->add_flag("--no-patterns", inspect.noPatterns,
                         "keep one node per file node (no hswish/swish/channelshuffle recognition)");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? 0 : 2;  // usage errors are bad input
    }
    try {
        if (cmdInspect->parsed()) return km::cli::runInspect(inspect);
    } catch (const std::exception& e) {
        std::cerr << "kernelmeter-cli: internal error: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
