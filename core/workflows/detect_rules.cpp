#include "workflows/detect_rules.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fmt/format.h>

#include "common/utc_time.h"
#include <fstream>
#include <map>

#include "common/sha256.h"

namespace km {
namespace {

namespace fs = std::filesystem;

// Writes the batch's models (unchanged files are left alone) and returns their paths.
Result<std::vector<std::string>> writeBatch(const TestBatch& batch, const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return ioError(fmt::format("{}: cannot create the test-case folder ({}).", dir.string(), ec.message()));
    std::vector<std::string> paths;
    for (const auto& m : batch.models) {
        const fs::path path = dir / (m.key + ".onnx");
        std::ifstream existing(path, std::ios::binary);
        std::string old((std::istreambuf_iterator<char>(existing)), std::istreambuf_iterator<char>());
        if (old != m.bytes) {
            std::ofstream out(path, std::ios::binary | std::ios::trunc);
            out.write(m.bytes.data(), std::streamsize(m.bytes.size()));
            if (!out) return ioError(fmt::format("{}: cannot write the test case.", path.string()));
        }
        paths.push_back(path.string());
    }
    return paths;
}

// True when every model of the batch is stored for the device: the batch can be reused whole.
// Otherwise the whole batch is measured again, since verdicts pair rounds of one campaign.
bool storedWhole(const TestBatch& batch, const Device& device, MeasurementStore* store) {
    if (!store) return false;
    for (const auto& m : batch.models) {
        auto stored = store->latest(sha256Hex(m.bytes), device.id);
        if (!stored || !stored.value()) return false;
    }
    return true;
}

// What the runtime itself says about the block (OpenCV: op2 ran at zero time inside op1's layer):
// a fusion group holding nodes of both ops ("p_..." and "q_...").
std::optional<bool> runtimeVerdict(const ModelReport& block) {
    if (block.layers.empty()) return std::nullopt;  // the runtime reveals nothing
    for (const auto& group : block.fusionGroups) {
        bool p = false, q = false;
        for (const auto& n : group) {
            p = p || n.rfind("p_", 0) == 0;
            q = q || n.rfind("q_", 0) == 0;
        }
        if (p && q) return true;
    }
    return false;
}

}  // namespace

MeasureOptions detectionProtocol() {
    MeasureOptions o;
    o.warmupRuns = 5;
    o.warmupMinMs = 20;
    o.rounds = 20;
    o.runsPerRound = 3;
    o.instances = 2;
    o.maxExtraInstances = 0;
    return o;
}

Result<DetectReport> detectFusionRules(const Device& device, const DetectRulesOptions& options, Progress* progress) {
    if (options.cacheDir.empty()) return badInput("detect-rules: no folder for the test-case models was given.");
    Result<std::vector<TestBatch>> made = makeTestBatches(options.pairs, options.points);
    if (!made) return made.error();
    const std::vector<TestBatch>& batches = made.value();
    const auto start = std::chrono::steady_clock::now();
    auto elapsedMinutes = [&] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / 60.0;
    };

    DetectReport report;
    RuleSet& rules = report.rules;
    rules.deviceId = device.id;
    rules.runtime = device.runtime;
    rules.command = options.command;
    std::map<std::pair<std::string, std::string>, std::vector<FusionVerdict>> verdicts;

    for (size_t b = 0; b < batches.size(); ++b) {
        const TestBatch& batch = batches[b];
        if ((progress && progress->isCancelled()) || elapsedMinutes() > options.budgetMinutes) {
            ++report.batchesSkipped;
            continue;
        }
        Result<std::vector<std::string>> paths = writeBatch(batch, fs::path(options.cacheDir) / device.id / batch.id);
        if (!paths) return paths.error();
        MeasureModelsOptions mo = options.measure;
        mo.batchSize = int(paths.value().size());
        mo.reference = false;  // savings pair rounds within the batch; no normalisation needed
        const bool reuse = storedWhole(batch, device, mo.store);
        mo.remeasure = !reuse;
        Progress inner([&](double f, const std::string&) {
            if (progress) progress->report((double(b) + f) / double(batches.size()), "detecting fusion rules: " + batch.id);
        });
        const std::vector<ModelReport> reports = measureModels(paths.value(), device, mo, &inner);
        reuse ? ++report.batchesReused : ++report.batchesMeasured;

        std::map<std::string, const ModelReport*> byKey;
        for (size_t i = 0; i < batch.models.size(); ++i) byKey[batch.models[i].key] = &reports[i];
        for (const auto& c : batch.cases) {
            const ModelReport* parts[] = {byKey[c.overheadKey], byKey[c.firstKey], byKey[c.secondKey], byKey[c.blockKey]};
            const ModelReport* failed = nullptr;
            for (const ModelReport* r : parts)
                if (!r->ok && !failed) failed = r;
            if (failed) {
                report.warnings.push_back(fmt::format("{} -> {} at {}: {}", c.first, c.second, batch.point.name, failed->error));
                continue;
            }
            FusionEvidence e = pairedEvidence(parts[0]->roundMedians, parts[1]->roundMedians, parts[2]->roundMedians,
                                              parts[3]->roundMedians);
            e.point = batch.point.name;
            e.runtimeSaysFused = runtimeVerdict(*parts[3]);
            PairRule& rule = rules.pairs[{c.first, c.second}];
            rule.first = c.first;
            rule.second = c.second;
            rule.source = "timing";
            rule.evidence.push_back(e);
            verdicts[{c.first, c.second}].push_back(decideVerdict(e, options.verdict));
            if (rules.runtimeVersion.empty()) {
                rules.runtimeVersion = parts[3]->runtimeVersion;
                rules.cpuModel = parts[3]->machine.cpuModel;
            }
        }
    }
    for (auto& entry : rules.pairs) {
        PairRule& rule = entry.second;
        rule.timingVerdict = combineVerdicts(verdicts[entry.first]);
        rule.verdict = rule.timingVerdict;
        rule.source = "timing";
        // Where the runtime reports its grouping at every point (OpenCV), its word decides what runs
        // as one kernel: it groups some pairs whose block saves nothing measurable (add -> relu).
        std::vector<FusionVerdict> says;
        for (const auto& e : rule.evidence)
            if (e.runtimeSaysFused) says.push_back(*e.runtimeSaysFused ? FusionVerdict::Fused : FusionVerdict::NotFused);
        if (!says.empty() && says.size() == rule.evidence.size()) {
            rule.verdict = combineVerdicts(says);
            rule.source = "runtime";
        }
    }
    rules.detectedAtUtc = utcNowIso8601();
    if (progress) progress->report(1.0, "detecting fusion rules: done");
    return report;
}

}  // namespace km
