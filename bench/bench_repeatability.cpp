// Repeatability of the measurement protocol: the same models measured twice, each time by a fresh
// kernelmeter-agent process (separate runtime instances, separate process), interleaved inside
// each campaign. Prints per model both medians and their relative difference, then the
// distribution (share within +-1/3/5/10 %). This noise floor is what predictor accuracy is judged
// against (docs/measurement.md).
//   bench_repeatability --device opencv-t1 [--agent PATH] [--rounds N] [--instances N] MODEL...
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <iostream>

#include "workflows/measure_models.h"

int main(int argc, char** argv) {
    CLI::App app{"Measure the same models twice in separate agent processes and compare."};
    std::vector<std::string> models;
    std::string deviceId = "opencv-t1", agent;
    int rounds = 20, instances = 3, runsPerRound = 3;
    app.add_option("models", models, "ONNX files")->required();
    app.add_option("--device", deviceId, "device id")->capture_default_str();
    app.add_option("--agent", agent, "kernelmeter-agent path")->required();
    app.add_option("--rounds", rounds)->capture_default_str();
    app.add_option("--instances", instances)->capture_default_str();
    app.add_option("--runs-per-round", runsPerRound)->capture_default_str();
    CLI11_PARSE(app, argc, argv);
    auto device = km::findBuiltinDevice(deviceId);
    if (!device) {
        std::cerr << "unknown device " << deviceId << "\n";
        return 2;
    }
    km::MeasureModelsOptions o;
    o.protocol.rounds = rounds;
    o.protocol.instances = instances;
    o.protocol.runsPerRound = runsPerRound;
    o.agent.agentPath = agent;
    std::vector<std::vector<km::ModelReport>> campaigns;
    for (int c = 0; c < 2; ++c) {
        std::cerr << fmt::format("campaign {} of 2 ...\n", c + 1);
        campaigns.push_back(km::measureModels(models, *device, o));
    }
    std::vector<double> diffs;
    std::cout << fmt::format("{:<48} {:>10} {:>10} {:>8} {:>7} {:>7}\n", "model", "run1_ms", "run2_ms", "diff_%", "cv1", "cv2");
    for (size_t i = 0; i < models.size(); ++i) {
        const auto& a = campaigns[0][i];
        const auto& b = campaigns[1][i];
        if (!a.ok || !b.ok) {
            std::cout << fmt::format("{:<48} failed: {}\n", models[i], a.ok ? b.error : a.error);
            continue;
        }
        const double d = 100.0 * (b.stats.medianMs - a.stats.medianMs) / a.stats.medianMs;
        diffs.push_back(std::fabs(d));
        std::cout << fmt::format("{:<48} {:>10.3f} {:>10.3f} {:>+8.2f} {:>7.3f} {:>7.3f}\n", models[i], a.stats.medianMs,
                                 b.stats.medianMs, d, a.stats.cv, b.stats.cv);
    }
    if (diffs.empty()) return 1;
    std::sort(diffs.begin(), diffs.end());
    auto share = [&](double bound) {
        return 100.0 * double(std::count_if(diffs.begin(), diffs.end(), [&](double d) { return d <= bound; })) / double(diffs.size());
    };
    std::cout << fmt::format("\n{} models on {} ({}): |diff| median {:.2f}%, max {:.2f}%; within 1%: {:.0f}%, 3%: {:.0f}%, "
                             "5%: {:.0f}%, 10%: {:.0f}%\n", diffs.size(), device->id, campaigns[0][0].machine.cpuModel,
                             diffs[diffs.size() / 2], diffs.back(), share(1), share(3), share(5), share(10));
    return 0;
}
