// SPDX-License-Identifier: Apache-2.0
#include "workflows/evaluate_transfer.h"

#include <fmt/format.h>
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "common/parallel_for.h"
#include "common/sha256.h"
#include "predict/accuracy.h"
#include "predict/graph_network.h"
#include "workflows/adapt_networks.h"

namespace km {

Result<TransferEvaluation> evaluateTransfer(const std::vector<EvaluationModel>& models, const DeviceAnalyzer& adapted,
                                            const DeviceAnalyzer& source, Progress* progress) {
    if (adapted.error()) return *adapted.error();
    if (source.error()) return *source.error();
    const PredictorSet& target = *adapted.predictor();
    if (!target.adaptation)
        return badInput(fmt::format("the predictor of {} was not adapted: no transfer to evaluate.", adapted.deviceId()));
    // The adaptation's networks with the times its fit used (at the adapt session's reference
    // speed) and the weights it gave them: the baselines are fitted on exactly what the adapted
    // predictor saw, each network counting as much as in its fit.
    std::map<std::string, std::pair<double, double>> fittedMs;  // hash -> (ms, weight)
    for (const AdaptedNetwork& n : target.adaptation->networks)
        if (!n.modelHash.empty()) fittedMs[n.modelHash] = {n.measuredMs, n.weight > 0 ? n.weight : 1.0};

    struct Row {
        std::string name, family;
        bool fitted = false;
        double measured = 0, adapted = 0, source = 0, flops = 0, bytes = 0, weight = 1;
        double low = 0, high = 0;  // the adapted prediction's interval
        bool beyond = false;       // ModelPrediction::beyondAdaptation
        KernelGraph graph;         // the adapted predictor's kernels, for the graph network
    };
    TransferEvaluation out;
    // Models are loaded and predicted on every core, each into its own slot, so the rows keep the
    // models' order whatever the thread count.
    std::vector<std::optional<Row>> slots(models.size());
    std::vector<std::vector<std::string>> warnings(models.size());  // why a model is left out, or its prediction's
    parallelFor(
        models.size(),
        [&](size_t i) {
            const EvaluationModel& m = models[i];
            const auto fitted = fittedMs.find(m.modelHash);
            const double measured = fitted != fittedMs.end() ? fitted->second.first : m.measuredMs;
            if (!(measured > 0)) return;
            Result<std::shared_ptr<const ModelFile>> file = m.load ? m.load() : ModelFile::read(m.path);
            if (!file) {
                warnings[i] = {file.error().message + "; left out."};
                return;
            }
            const DeviceAnalysis a = adapted.analyze(*file.value());
            const DeviceAnalysis s = source.analyze(*file.value());
            Row r{m.name, m.family, fitted != fittedMs.end(), measured, a.prediction.totalMs, s.prediction.totalMs, 0, 0, 1, 0, 0,
                  false,  {}};
            if (r.fitted) r.weight = fitted->second.second;
            r.low = a.prediction.lowMs;
            r.high = a.prediction.highMs;
            r.beyond = a.prediction.beyondAdaptation;
            r.flops = double(a.metrics->total.flops);
            r.bytes = double(a.metrics->total.bytesRead + a.metrics->total.bytesWritten);
            r.graph = kernelGraphOf(*a.graph, a.partition, a.metrics->perNode);
            if (!r.fitted) warnings[i] = a.prediction.warnings;  // an adaptation's own networks are in its range
            slots[i] = std::move(r);
        },
        [&, reported = size_t(0)](size_t item, size_t done) mutable {
            if (progress && done >= reported + 64) progress->report(double(reported = done) / double(models.size()), models[item].name);
            return !(progress && progress->isCancelled());
        },
        loadingThreads(models));
    if (progress && progress->isCancelled()) return Error{ErrorCode::Cancelled, "evaluate: cancelled."};
    std::vector<Row> rows;
    ModelWarnings warned;
    for (size_t i = 0; i < models.size(); ++i) {
        if (slots[i])
            rows.push_back(std::move(*slots[i]));
        else if (!warnings[i].empty())
            ++out.leftOut;
        for (const std::string& w : warnings[i]) warned.add(models[i].name, w);
    }
    out.warnings = warned.lines();
    std::vector<size_t> fit, test;
    for (size_t i = 0; i < rows.size(); ++i) (rows[i].fitted ? fit : test).push_back(i);
    out.fittedOn = fit.size();
    if (fit.size() < 3)
        return badInput(
            fmt::format("only {} of the adaptation's {} networks are among the measured models: the baselines cannot be fitted.",
                        fit.size(), target.adaptation->networks.size()));
    if (test.empty()) return badInput("no measured model is left to score besides the adaptation's networks.");

    // The baselines' fits on the adaptation's networks.
    std::vector<std::vector<double>> scaleRows, memoryRows;
    std::vector<double> fitMeasured, fitWeights;
    for (size_t i : fit) {
        scaleRows.push_back({rows[i].source});
        memoryRows.push_back({rows[i].flops, rows[i].bytes, 1.0});
        fitMeasured.push_back(rows[i].measured);
        fitWeights.push_back(rows[i].weight);
    }
    constexpr size_t kNone = std::numeric_limits<size_t>::max();
    const std::vector<double> scale = relativeLeastSquares(scaleRows, fitMeasured, kNone, fitWeights);
    const std::vector<double> memory = relativeLeastSquares(memoryRows, fitMeasured, kNone, fitWeights);
    if (memory.empty()) out.warnings.push_back("flops+memory: singular on the adaptation's networks; scored as missing.");

    // BRP-NAS-style graph networks: on the same networks, and on 900 others where the data allow
    // (as BRP-NAS trains; those 900 are then not scored for it).
    std::vector<KernelGraph> fitGraphs;
    for (size_t i : fit) fitGraphs.push_back(rows[i].graph);
    const GraphNetwork fewShot = GraphNetwork::train(fitGraphs, fitMeasured, {}, fitWeights);
    std::optional<GraphNetwork> large;
    std::set<size_t> largeTrain;
    constexpr size_t kLarge = 900;
    if (test.size() >= 2 * kLarge) {
        std::vector<size_t> shuffled = test;
        std::mt19937 rng(1);
        std::shuffle(shuffled.begin(), shuffled.end(), rng);
        std::vector<KernelGraph> graphs;
        std::vector<double> ms;
        for (size_t k = 0; k < kLarge; ++k) {
            largeTrain.insert(shuffled[k]);
            graphs.push_back(rows[shuffled[k]].graph);
            ms.push_back(rows[shuffled[k]].measured);
        }
        GraphNetworkOptions o;
        o.epochs = 150;  // 900 graphs: fewer passes suffice (and keep evaluate to minutes)
        large = GraphNetwork::train(graphs, ms, o);
    }

    out.methods = {"adapted", "source", "source x 1 scale", "flops+memory", fmt::format("gnn ({} networks)", fit.size())};
    if (large) out.methods.push_back(fmt::format("gnn ({} networks)", kLarge));
    // The source at the reference speed: its milliseconds carried over by the ratio of the two
    // devices' reference workload times (what a single speed correction does without any
    // network measured), when both predictors record one.
    const double sourceRef = source.predictor()->referenceMs, targetRef = target.speedReferenceMs();
    const bool atReference = sourceRef > 0 && targetRef > 0;
    if (atReference) out.methods.push_back("source at reference speed");
    std::vector<std::vector<double>> predicted(out.methods.size());
    std::vector<double> measured;
    std::map<std::string, std::vector<size_t>> byFamily;  // family -> positions in `measured`
    for (size_t i : test) {
        const Row& r = rows[i];
        byFamily[r.family].push_back(measured.size());
        measured.push_back(r.measured);
        predicted[0].push_back(r.adapted);
        predicted[1].push_back(r.source);
        predicted[2].push_back(scale.empty() ? 0.0 : scale[0] * r.source);
        predicted[3].push_back(memory.empty() ? 0.0 : memory[0] * r.flops + memory[1] * r.bytes + memory[2]);
        predicted[4].push_back(fewShot.predictMs(r.graph));
        if (large) predicted[5].push_back(largeTrain.count(i) ? 0.0 : large->predictMs(r.graph));  // 0: not scored
        if (atReference) predicted.back().push_back(r.source * targetRef / sourceRef);
    }
    std::vector<double> lows, highs;
    for (size_t j = 0; j < test.size(); ++j) {
        const Row& r = rows[test[j]];
        TransferModelRow row{r.name, r.family, measured[j], {}, r.low, r.high, r.beyond};
        for (const std::vector<double>& p : predicted) row.predictedMs.push_back(p[j]);
        out.models.push_back(std::move(row));
        lows.push_back(r.low);
        highs.push_back(r.high);
    }
    out.interval = intervalCoverageOf(predicted[0], lows, highs, measured);
    std::vector<double> beyondPredicted, beyondMeasured, withinPredicted, withinMeasured;
    for (size_t j = 0; j < test.size(); ++j) {
        const bool beyond = rows[test[j]].beyond;
        (beyond ? beyondPredicted : withinPredicted).push_back(predicted[0][j]);
        (beyond ? beyondMeasured : withinMeasured).push_back(measured[j]);
    }
    out.beyond = accuracyOf(beyondPredicted, beyondMeasured);
    out.within = accuracyOf(withinPredicted, withinMeasured);
    for (size_t k = 0; k < out.methods.size(); ++k) {
        MethodScores s{out.methods[k], accuracyOf(predicted[k], measured), {}};
        for (const auto& [family, at] : byFamily) {
            std::vector<double> p, m;
            for (size_t j : at) p.push_back(predicted[k][j]), m.push_back(measured[j]);
            s.perFamily[family] = accuracyOf(p, m);
        }
        out.scores.push_back(std::move(s));
    }
    return out;
}

AdaptationNetworks adaptationNetworks(const Adaptation& adaptation, const std::set<std::string>& present) {
    AdaptationNetworks out;
    for (const AdaptedNetwork& n : adaptation.networks) {
        if (n.modelHash.size() < 24 || present.count(n.modelHash)) continue;
        EvaluationModel m{n.name, "adapt", "", n.modelHash, 0, 0, {}};
        // "FAMILY-SEED rRES ...": one of adapt's generated networks.
        const std::string first = n.name.substr(0, n.name.find(' '));
        const size_t dash = first.rfind('-');
        const std::string family = dash == std::string::npos ? "" : first.substr(0, dash);
        const std::string digits = dash == std::string::npos ? "" : first.substr(dash + 1);
        const bool known = std::find(zooFamilies().begin(), zooFamilies().end(), family) != zooFamilies().end();
        if (!known || digits.empty() || digits.size() > 9 ||
            !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isdigit(c); }) ||
            std::stoul(digits) < kAdaptFirstSeed) {
            out.missing.push_back(n.name);
            continue;
        }
        int size = 0;  // the input size, the token after the first ("r96")
        if (first.size() + 2 < n.name.size() && n.name[first.size() + 1] == 'r') size = std::atoi(n.name.c_str() + first.size() + 2);
        const auto seed = uint32_t(std::stoul(digits));
        m.load = [family, seed, size, hash = n.modelHash, name = n.name]() -> Result<std::shared_ptr<const ModelFile>> {
            // The default pool first, then the one at the network's own size (adapt --input-size).
            std::vector<int> sizes{0};
            if (std::find(kAdaptInputSizes.begin(), kAdaptInputSizes.end(), size) != kAdaptInputSizes.end()) sizes.push_back(size);
            for (int pool : sizes) {
                Result<ZooModel> z = generateZooModel(family, seed, adaptZooOptions(pool));
                if (!z) return z.error();
                if (sha256Hex(z.value().bytes) == hash)
                    return ModelFile::fromBytes(std::move(z.value().bytes), name + " (generated again)", {}, ModelFile::Keep::Graph);
            }
            return badInput(fmt::format("{}: adapt's network cannot be generated again: this version's zoo generates another one.", name));
        };
        out.models.push_back(std::move(m));
    }
    return out;
}

}  // namespace km
