// SPDX-License-Identifier: Apache-2.0
#include "workflows/evaluate.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <optional>
#include <set>

#include "common/parallel_for.h"
#include "fusion/partition.h"
#include "graph/metrics.h"
#include "predict/nnmeter_method.h"

namespace km {
namespace {

struct Loaded {
    EvaluationModel model;
    double flops = 0, bytes = 0;
    double ours = 0, opSum = 0, nnMeter = 0;
    double oursLow = 0, oursHigh = 0;  // our prediction's interval
    bool test = false;
};

using Row = std::vector<double>;
Row flopsRow(const Loaded& m) { return {m.flops, 1.0}; }
Row memoryRow(const Loaded& m) { return {m.flops, m.bytes, 1.0}; }

double linear(const std::vector<double>& b, const Row& x) {
    double y = 0;
    for (size_t i = 0; i < b.size(); ++i) y += b[i] * x[i];
    return y;
}

// Fits on the models `train` selects and predicts every model; 0 where the fit failed.
std::vector<double> fitted(const std::vector<Loaded>& all, Row (*row)(const Loaded&), const std::vector<bool>& train) {
    std::vector<Row> x;
    std::vector<double> y;
    for (size_t i = 0; i < all.size(); ++i)
        if (train[i]) {
            x.push_back(row(all[i]));
            y.push_back(all[i].model.measuredMs);
        }
    const std::vector<double> b = relativeLeastSquares(x, y);
    std::vector<double> out(all.size(), 0.0);
    if (!b.empty())
        for (size_t i = 0; i < all.size(); ++i) out[i] = linear(b, row(all[i]));
    return out;
}

MethodScores score(const std::string& method, const std::vector<Loaded>& all, const std::vector<double>& predicted,
                   const std::vector<bool>& scored) {
    MethodScores s{method, {}, {}};
    std::vector<double> p, m;
    std::map<std::string, std::pair<std::vector<double>, std::vector<double>>> byFamily;
    for (size_t i = 0; i < all.size(); ++i) {
        if (!scored[i]) continue;
        p.push_back(predicted[i]);
        m.push_back(all[i].model.measuredMs);
        byFamily[all[i].model.family].first.push_back(predicted[i]);
        byFamily[all[i].model.family].second.push_back(all[i].model.measuredMs);
    }
    s.overall = accuracyOf(p, m);
    for (const auto& [family, pm] : byFamily) s.perFamily[family] = accuracyOf(pm.first, pm.second);
    return s;
}

}  // namespace

// What a prediction's warning says without its numbers (a count, a share, a time): one kind of
// warning for every model it concerns. Digits inside a name (relu6, conv2d) are kept.
static std::string warningKind(const std::string& w) {
    std::string kind;
    for (size_t i = 0; i < w.size();) {
        const bool startsNumber = std::isdigit(static_cast<unsigned char>(w[i])) &&
                                  (i == 0 || !(std::isalnum(static_cast<unsigned char>(w[i - 1])) || w[i - 1] == '-' || w[i - 1] == '_'));
        if (!startsNumber) {
            kind += w[i++];
            continue;
        }
        while (i < w.size() && (std::isdigit(static_cast<unsigned char>(w[i])) || w[i] == '.' || w[i] == ',')) ++i;
        kind += '#';
    }
    return kind;
}

void ModelWarnings::add(const std::string& model, const std::string& warning) {
    const auto [at, added] = m_index.emplace(warningKind(warning), m_kinds.size());
    if (added)
        m_kinds.push_back({model + ": " + warning, {}});
    else
        m_kinds[at->second].others.push_back(model);
}

std::vector<std::string> ModelWarnings::lines() const {
    std::vector<std::string> out;
    for (const Kind& k : m_kinds) {
        const size_t n = k.others.size(), named = std::min<size_t>(n, 3);
        if (n == 0)
            out.push_back(k.first);
        else
            out.push_back(fmt::format("{} The same for {} more model{}: {}{}.", k.first, n, n == 1 ? "" : "s",
                                      fmt::join(k.others.begin(), k.others.begin() + long(named), ", "),
                                      n > named ? fmt::format(" and {} other{}", n - named, n - named == 1 ? "" : "s") : ""));
    }
    return out;
}

unsigned loadingThreads(const std::vector<EvaluationModel>& models) {
    std::error_code ec;
    for (const EvaluationModel& m : models)
        if (!m.load || (!m.path.empty() && std::filesystem::exists(m.path, ec))) return 1;
    return 0;
}

Result<EvaluationReport> evaluatePredictor(const std::vector<EvaluationModel>& models, const DeviceAnalyzer& device) {
    if (device.error()) return *device.error();
    const RuleSet& rules = *device.rules();
    const PredictorSet& predictor = *device.predictor();
    EvaluationReport report;
    std::vector<std::string> nnMeterWarnings;
    const Result<NnMeterMethod> nnMeter = NnMeterMethod::train(predictor, &nnMeterWarnings);
    report.methods = {"kernelmeter", "op-sum", "flops", "flops+memory"};
    if (nnMeter)
        report.methods.push_back("nn-meter");
    else
        report.nnMeterNote = "nn-meter: not evaluated: " + nnMeter.error().message;
    report.methods.push_back("repeat");
    size_t nnMeterKernels = 0, nnMeterUnpredicted = 0;
    std::set<std::string> nnMeterMissingTypes;
    const RuleSet noFusion;  // every op its own kernel
    // Each model is loaded and predicted on any core into its own slot; what they report is
    // gathered in the models' order afterwards, so the report does not depend on the thread count.
    struct Slot {
        std::optional<Loaded> loaded;
        std::string error;                  // why the model is left out
        std::vector<std::string> warnings;  // our prediction's
        size_t nnMeterKernels = 0, nnMeterUnpredicted = 0;
        std::set<std::string> nnMeterMissingTypes;
    };
    std::vector<Slot> slots(models.size());
    parallelFor(
        models.size(),
        [&](size_t i) {
            const EvaluationModel& m = models[i];
            Slot& slot = slots[i];
            if (!(m.measuredMs > 0)) {
                slot.error = "no measurement on the device";
                return;
            }
            Result<std::shared_ptr<const ModelFile>> file = m.load ? m.load() : ModelFile::read(m.path);
            if (!file) {
                slot.error = file.error().message;
                return;
            }
            const DeviceAnalysis a = device.analyze(*file.value());
            const Graph& g = *a.graph;
            const GraphMetrics& metrics = *a.metrics;
            Loaded l{m};
            l.flops = double(metrics.total.flops);
            l.bytes = double(metrics.total.bytesRead + metrics.total.bytesWritten);
            const ModelPrediction& ours = a.prediction;
            l.ours = ours.totalMs;
            l.oursLow = ours.lowMs;
            l.oursHigh = ours.highMs;
            l.opSum = predictModel(partitionGraph(g, noFusion), metrics.perNode, predictor).totalMs;
            if (nnMeter) {
                const NnMeterPrediction p = nnMeter.value().predict(g, rules, metrics.perNode);
                // A model none of whose kernels has a forest sums to 0 ms: scored as a miss by -100%,
                // not left out as "no prediction".
                l.nnMeter = std::max(p.totalMs, 1e-9);
                slot.nnMeterKernels = p.kernels;
                slot.nnMeterUnpredicted = p.unpredicted;
                slot.nnMeterMissingTypes.insert(p.unpredictedTypes.begin(), p.unpredictedTypes.end());
            }
            slot.warnings = ours.warnings;
            slot.loaded = std::move(l);
        },
        {}, loadingThreads(models));
    std::vector<Loaded> all;
    ModelWarnings warned;
    for (size_t i = 0; i < models.size(); ++i) {
        Slot& slot = slots[i];
        if (slot.loaded) {
            nnMeterKernels += slot.nnMeterKernels;
            nnMeterUnpredicted += slot.nnMeterUnpredicted;
            nnMeterMissingTypes.insert(slot.nnMeterMissingTypes.begin(), slot.nnMeterMissingTypes.end());
            all.push_back(std::move(*slot.loaded));
        } else {
            slot.warnings = {slot.error + "; left out."};
        }
        for (const std::string& w : slot.warnings) warned.add(models[i].name, w);
    }
    report.warnings = warned.lines();
    if (all.size() < 4) return badInput(fmt::format("evaluate: {} usable models; at least 4 are needed.", all.size()));
    if (nnMeter)
        report.nnMeterNote = fmt::format(
            "nn-meter: {} forests on {} of the predictor's training kernels; {} of {} kernels had a type "
            "without one and counted 0 ms{}{}.",
            nnMeter.value().typeCount(), nnMeter.value().sampleCount(), nnMeterUnpredicted, nnMeterKernels,
            nnMeterMissingTypes.empty() ? "" : ": ", fmt::join(nnMeterMissingTypes, ", "));
    report.warnings.insert(report.warnings.end(), nnMeterWarnings.begin(), nnMeterWarnings.end());
    // The split: within each family (in name order) every second model trains the fitted baselines.
    std::sort(all.begin(), all.end(), [](const Loaded& a, const Loaded& b) {
        return a.model.family != b.model.family ? a.model.family < b.model.family : a.model.name < b.model.name;
    });
    std::map<std::string, int> seen;
    std::vector<bool> train(all.size()), test(all.size());
    for (size_t i = 0; i < all.size(); ++i) {
        all[i].test = seen[all[i].model.family]++ % 2 == 1;
        test[i] = all[i].test;
        train[i] = !all[i].test;
    }
    std::vector<double> ours, oursLow, oursHigh, opSum, nnMeterMs, repeat, measured;
    for (const Loaded& l : all) {
        ours.push_back(l.ours);
        oursLow.push_back(l.oursLow);
        oursHigh.push_back(l.oursHigh);
        measured.push_back(l.model.measuredMs);
        opSum.push_back(l.opSum);
        nnMeterMs.push_back(l.nnMeter);
        repeat.push_back(l.model.earlierMs);
    }
    const std::vector<double> flops = fitted(all, flopsRow, train), memory = fitted(all, memoryRow, train);
    // In report.methods' order.
    auto inOrder = [&](const std::vector<double>& flopsFit, const std::vector<double>& memoryFit) {
        std::vector<std::vector<double>> out{ours, opSum, flopsFit, memoryFit};
        if (nnMeter) out.push_back(nnMeterMs);
        out.push_back(repeat);
        return out;
    };
    const std::vector<std::vector<double>> splitPredictions = inOrder(flops, memory);
    for (size_t k = 0; k < report.methods.size(); ++k) report.split.push_back(score(report.methods[k], all, splitPredictions[k], test));

    // Leave one family out: the fitted baselines of family F's models come from all other families.
    std::vector<double> flopsLofo(all.size()), memoryLofo(all.size());
    for (const auto& [family, count] : seen) {
        std::vector<bool> others(all.size());
        for (size_t i = 0; i < all.size(); ++i) others[i] = all[i].model.family != family;
        const std::vector<double> f = fitted(all, flopsRow, others), m = fitted(all, memoryRow, others);
        for (size_t i = 0; i < all.size(); ++i)
            if (!others[i]) {
                flopsLofo[i] = f[i];
                memoryLofo[i] = m[i];
            }
    }
    const std::vector<bool> everyModel(all.size(), true);
    const std::vector<std::vector<double>> lofoPredictions = inOrder(flopsLofo, memoryLofo);
    for (size_t k = 0; k < report.methods.size(); ++k)
        report.leaveOneFamilyOut.push_back(score(report.methods[k], all, lofoPredictions[k], everyModel));

    for (size_t i = 0; i < all.size(); ++i) {
        EvaluatedModel e{all[i].model.name, all[i].model.family, all[i].test, all[i].model.measuredMs, {}, all[i].oursLow, all[i].oursHigh};
        for (size_t k = 0; k < report.methods.size(); ++k)
            if (splitPredictions[k][i] > 0) e.predicted[report.methods[k]] = splitPredictions[k][i];
        report.models.push_back(std::move(e));
    }
    report.interval = intervalCoverageOf(ours, oursLow, oursHigh, measured);
    return report;
}

}  // namespace km
