// SPDX-License-Identifier: Apache-2.0
// Repeatability of the measurement protocol: the same models measured twice (A and B), each
// measurement from its own agent processes. Prints per model both medians and their relative
// difference, then the distribution (share within +-1/3/5/10 %) (docs/measurement.md).
//   --mode interleaved (default): A's and B's processes alternate (A1 B1 A2 B2 A3 B3), so both see
//        the same machine phases: the protocol's own noise floor.
//   --mode sequential: all of A, then all of B: adds the machine's drift over minutes.
//   bench_repeatability --device opencv-t1 --agent PATH [--mode M] [--rounds N] [--instances N] MODEL...
#include <CLI/CLI.hpp>

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <iostream>

#include "workflows/measure_models.h"

int main(int argc, char** argv) {
    CLI::App app{"Measure the same models twice in separate agent processes and compare."};
    std::vector<std::string> models;
    std::string deviceId = "opencv-t1", agent;
    int rounds = 20, instances = 3, runsPerRound = 3;
    std::string mode = "interleaved";
    app.add_option("models", models, "ONNX files")->required();
    app.add_option("--device", deviceId, "device id")->capture_default_str();
    app.add_option("--agent", agent, "kernelmeter-agent path")->required();
    app.add_option("--rounds", rounds)->capture_default_str();
    app.add_option("--instances", instances)->capture_default_str();
    app.add_option("--runs-per-round", runsPerRound)->capture_default_str();
    app.add_option("--mode", mode, "interleaved or sequential")->capture_default_str()->check(CLI::IsMember({"interleaved", "sequential"}));
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
    std::vector<std::vector<km::ModelReport>> campaigns(2);
    if (mode == "sequential") {
        for (int c = 0; c < 2; ++c) {
            std::cerr << fmt::format("campaign {} of 2 ...\n", c + 1);
            campaigns[c] = km::measureModels(models, *device, o);
        }
    } else {
        // One process per call; A and B alternate; each campaign pools its processes' rounds. The
        // protocol's extra processes for models whose processes disagree alternate the same way.
        km::MeasureModelsOptions one = o;
        one.protocol.instances = 1;
        one.protocol.maxExtraInstances = 0;
        std::vector<std::vector<std::vector<std::vector<double>>>> rounds(2, std::vector<std::vector<std::vector<double>>>(models.size()));
        auto refRounds = rounds;
        auto runOne = [&](int c, const std::vector<size_t>& which) {
            std::vector<std::string> subset;
            for (size_t m : which) subset.push_back(models[m]);
            auto reports = km::measureModels(subset, *device, one);
            for (size_t j = 0; j < which.size(); ++j) {
                const size_t m = which[j];
                if (campaigns[c][m].path.empty() || !reports[j].ok) campaigns[c][m] = reports[j];
                if (!reports[j].ok) continue;
                rounds[c][m].insert(rounds[c][m].end(), reports[j].roundMedians.begin(), reports[j].roundMedians.end());
                refRounds[c][m].insert(refRounds[c][m].end(), reports[j].referenceRounds.begin(), reports[j].referenceRounds.end());
            }
        };
        std::vector<size_t> all(models.size());
        for (size_t m = 0; m < all.size(); ++m) all[m] = m;
        for (int c = 0; c < 2; ++c) campaigns[c].resize(models.size());
        for (int p = 0; p < instances; ++p)
            for (int c = 0; c < 2; ++c) {
                std::cerr << fmt::format("process {} of campaign {} ...\n", p + 1, c == 0 ? 'A' : 'B');
                runOne(c, all);
            }
        for (int extra = 0; extra < o.protocol.maxExtraInstances; ++extra)
            for (int c = 0; c < 2; ++c) {
                std::vector<size_t> noisy;
                for (size_t m = 0; m < models.size(); ++m) {
                    if (!campaigns[c][m].ok) continue;
                    if (km::instancesDisagree(rounds[c][m], refRounds[c][m], o.protocol.maxSpread)) noisy.push_back(m);
                }
                if (noisy.empty()) continue;
                std::cerr << fmt::format("extra process {} of campaign {} for {} noisy model(s) ...\n", extra + 1, c == 0 ? 'A' : 'B',
                                         noisy.size());
                runOne(c, noisy);
            }
        for (int c = 0; c < 2; ++c)
            for (size_t m = 0; m < models.size(); ++m)
                if (campaigns[c][m].ok) {
                    campaigns[c][m].stats = km::summarizeRounds(rounds[c][m], runsPerRound);
                    campaigns[c][m].reference = km::ratioToReference(rounds[c][m], refRounds[c][m]);
                }
    }
    // Raw medians, and ratios to the reference workload (what normalized_ms is made of: both
    // campaigns scaled by one baseline, so their relative difference is the ratios').
    std::vector<double> rawDiffs, refDiffs, refSpreads;
    std::cout << fmt::format("{:<44} {:>9} {:>9} {:>8} {:>8} {:>8} {:>8} {:>6} {:>6}\n", "model", "run1_ms", "run2_ms", "diff_%", "ratio1",
                             "ratio2", "rdiff_%", "cv1", "cv2");
    for (size_t i = 0; i < models.size(); ++i) {
        const auto& a = campaigns[0][i];
        const auto& b = campaigns[1][i];
        if (!a.ok || !b.ok) {
            std::cout << fmt::format("{:<44} failed: {}\n", models[i], a.ok ? b.error : a.error);
            continue;
        }
        const double d = 100.0 * (b.stats.medianMs - a.stats.medianMs) / a.stats.medianMs;
        rawDiffs.push_back(std::fabs(d));
        std::string ratioText = fmt::format("{:>8} {:>8} {:>8}", "-", "-", "-");
        if (a.reference.median > 0 && b.reference.median > 0) {
            const double rd = 100.0 * (b.reference.median - a.reference.median) / a.reference.median;
            refDiffs.push_back(std::fabs(rd));
            refSpreads.push_back(std::max(a.reference.referenceSpread, b.reference.referenceSpread));
            ratioText = fmt::format("{:>8.4f} {:>8.4f} {:>+8.2f}", a.reference.median, b.reference.median, rd);
        }
        std::cout << fmt::format("{:<44} {:>9.3f} {:>9.3f} {:>+8.2f} {} {:>6.3f} {:>6.3f}\n", models[i], a.stats.medianMs, b.stats.medianMs,
                                 d, ratioText, a.stats.cv, b.stats.cv);
    }
    if (rawDiffs.empty()) return 1;
    auto summary = [&](const char* what, std::vector<double> diffs) {
        if (diffs.empty()) return;
        std::sort(diffs.begin(), diffs.end());
        auto share = [&](double bound) {
            return 100.0 * double(std::count_if(diffs.begin(), diffs.end(), [&](double x) { return x <= bound; })) / double(diffs.size());
        };
        std::cout << fmt::format(
            "{:<22} {} models on {} ({}, {} mode): |diff| median {:.2f}%, max {:.2f}%; within 1%: {:.0f}%, "
            "3%: {:.0f}%, 5%: {:.0f}%, 10%: {:.0f}%\n",
            what, diffs.size(), device->id, campaigns[0][0].machine.cpuModel, mode, diffs[diffs.size() / 2], diffs.back(), share(1),
            share(3), share(5), share(10));
    };
    std::cout << "\n";
    summary("raw median_ms:", rawDiffs);
    summary("ratio to reference:", refDiffs);
    if (!refSpreads.empty())
        std::cout << fmt::format("machine speed (reference rounds, (p90-p10)/median, worst per model): max {:.1f}%\n",
                                 100 * *std::max_element(refSpreads.begin(), refSpreads.end()));
    return 0;
}
