// SPDX-License-Identifier: Apache-2.0
#include "workflows/detect_rules.h"

#include <fmt/format.h>
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>

#include "common/sha256.h"
#include "common/utc_time.h"

namespace km {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

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

// Models the runtime refused, by content hash -> its message; kept beside the batch's models so a
// rerun neither measures them again nor measures the whole batch again for want of them.
std::map<std::string, std::string> readRefused(const fs::path& dir) {
    std::map<std::string, std::string> refused;
    std::ifstream in(dir / "refused.json");
    Json j = Json::parse(in, nullptr, false);
    if (j.is_object())
        for (const auto& [hash, why] : j.items())
            if (why.is_string()) refused[hash] = why.get<std::string>();
    return refused;
}

void writeRefused(const fs::path& dir, const std::map<std::string, std::string>& refused) {
    if (refused.empty()) return;
    std::ofstream out(dir / "refused.json", std::ios::trunc);
    out << Json(refused).dump(1) << "\n";
}

// The runtime's own word (OpenCV: the last op ran at zero time inside the layer before it): a
// fusion group holding nodes of both roles, e.g. "p_" and "q_" for a pair.
std::optional<bool> runtimeVerdict(const Device& device, const ModelReport& block, char beforeLast, char last) {
    // XNNPACK times its steps (subgraphs, copies) as layers but does not say which ops a subgraph
    // fused: only a runtime that reports fusion groups has a word on fusion.
    if (block.layers.empty() || !runtimeTraits(device.runtime).reportsFusionGroups) return std::nullopt;
    for (const auto& group : block.fusionGroups) {
        bool a = false, b = false;
        for (const auto& n : group) {
            a = a || (n.size() > 1 && n[0] == beforeLast && n[1] == '_');
            b = b || (n.size() > 1 && n[0] == last && n[1] == '_');
        }
        if (a && b) return true;
    }
    return false;
}

// Layers of a spelled model (its nodes are named "s_...") that did a real share (>= 10%) of the
// spelling's work. OpenCV runs a channel shuffle's reshapes in about a microsecond and its transpose
// in most of a millisecond: one working layer, so the spelling costs one op, as a merged node says.
std::optional<int> workingLayers(const ModelReport& r) {
    if (r.layers.empty()) return std::nullopt;
    double total = 0;
    for (const auto& l : r.layers)
        if (l.node.rfind("s_", 0) == 0) total += l.ms;
    int n = 0;
    for (const auto& l : r.layers)
        if (l.node.rfind("s_", 0) == 0 && l.ms > 0 && l.ms >= 0.1 * total) ++n;
    return n;
}

// A case's rule in the set, created on first use.
FusionRule& ruleFor(RuleSet& rules, const FusionCase& c) {
    FusionRule* rule = nullptr;
    if (c.kind == CaseKind::Pair)
        rule = &rules.pairs[{c.ops[0], c.ops[1]}];
    else if (c.kind == CaseKind::Chain)
        rule = &rules.chains[c.ops];
    else
        rule = &rules.multiOutput[c.ops[0]];
    rule->ops = c.ops;
    return *rule;
}

std::string caseText(const FusionCase& c) {
    std::string s;
    for (const auto& op : c.ops) s += (s.empty() ? "" : " -> ") + op;
    return c.kind == CaseKind::MultiOutput ? s + " (output also read elsewhere)" : s;
}

// Failure messages grouped by cause; quoted names (of test-case nodes and files) do not split a group.
class WarningGroups {
public:
    void add(const std::string& what, const std::string& error) {
        // "<file>: XNNPACK cannot express ... 'p_transpose' (transpose: ...)": the cause without
        // the file and the quoted node names.
        static const std::regex file("^[^ ]*\\.onnx: "), quoted("'[^']*'");
        const std::string cause = std::regex_replace(std::regex_replace(error, file, ""), quoted, "'...'");
        auto& g = m_groups[cause];
        if (g.count++ == 0) g.example = what + ": " + error;
    }
    std::vector<std::string> lines() const {
        std::vector<std::string> out;
        for (const auto& [cause, g] : m_groups)
            out.push_back(g.count == 1 ? g.example : fmt::format("{} test cases could not run: {} (e.g. {})", g.count, cause, g.example));
        return out;
    }

private:
    struct Group {
        int count = 0;
        std::string example;
    };
    std::map<std::string, Group> m_groups;
};

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

namespace {

class Detection {
public:
    Detection(const Device& device, const DetectRulesOptions& options, Progress* progress)
        : m_device(device), m_options(options), m_progress(progress), m_start(std::chrono::steady_clock::now()) {
        RuleSet& rules = m_report.rules;
        rules.deviceId = device.id;
        rules.runtime = device.runtime;
        rules.command = options.command;
    }

    double elapsedMinutes() const { return std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count() / 60.0; }
    bool stopping() const { return (m_progress && m_progress->isCancelled()) || elapsedMinutes() > m_options.budgetMinutes; }

    // Measures (or reuses) one batch and records what its cases show. `progressFrom`/`progressTo`:
    // the share of the whole run this batch stands for.
    Status runBatch(const TestBatch& batch, const MeasureOptions& protocol, double progressFrom, double progressTo) {
        const fs::path dir = fs::path(m_options.cacheDir) / m_device.id / batch.id;
        Result<std::vector<std::string>> paths = writeBatch(batch, dir);
        if (!paths) return paths.error();
        std::map<std::string, std::string> refused = readRefused(dir);
        std::vector<std::string> hashes, toMeasure;
        std::vector<size_t> measuredIndex;
        for (size_t i = 0; i < batch.models.size(); ++i) {
            hashes.push_back(sha256Hex(batch.models[i].bytes));
            if (!refused.count(hashes.back())) {
                toMeasure.push_back(paths.value()[i]);
                measuredIndex.push_back(i);
            }
        }
        MeasureModelsOptions mo = m_options.measure;
        mo.protocol = protocol;
        mo.batchSize = std::max<int>(1, int(toMeasure.size()));
        mo.reference = false;  // savings pair rounds within the batch; no normalisation needed
        // Reuse only a batch stored whole: verdicts pair rounds of one campaign.
        bool reuse = mo.store != nullptr;
        for (size_t i : measuredIndex) {
            auto stored = mo.store ? mo.store->latest(hashes[i], m_device.id) : Result<std::optional<StoredMeasurement>>(std::nullopt);
            if (!stored || !stored.value()) reuse = false;
        }
        mo.remeasure = !reuse;
        Progress inner([&](double f, const std::string&) {
            if (m_progress) m_progress->report(progressFrom + f * (progressTo - progressFrom), "detecting fusion rules: " + batch.id);
        });
        const std::vector<ModelReport> measured =
            toMeasure.empty() ? std::vector<ModelReport>{} : measureModels(toMeasure, m_device, mo, &inner);
        // A batch stored on another machine or runtime version is measured again (whole: its
        // models were stored together).
        reuse = reuse && std::all_of(measured.begin(), measured.end(), [](const ModelReport& r) { return r.fromStore; });
        reuse ? ++m_report.batchesReused : ++m_report.batchesMeasured;

        std::vector<ModelReport> reports(batch.models.size());
        for (size_t k = 0; k < measuredIndex.size(); ++k) reports[measuredIndex[k]] = measured[k];
        bool newlyRefused = false;
        for (size_t i = 0; i < batch.models.size(); ++i) {
            if (auto it = refused.find(hashes[i]); it != refused.end()) {
                reports[i].error = it->second;
            } else if (!reports[i].ok && reports[i].refusedByRuntime) {
                refused[hashes[i]] = reports[i].error;
                newlyRefused = true;
            }
        }
        if (newlyRefused) writeRefused(dir, refused);

        std::map<std::string, const ModelReport*> byKey;
        for (size_t i = 0; i < batch.models.size(); ++i) byKey[batch.models[i].key] = &reports[i];
        for (const auto& c : batch.cases) recordCase(batch, c, byKey);
        for (const auto& c : batch.spellings) recordSpelling(batch, c, byKey);
        return Ok{};
    }

    // Points that timing left inconclusive, the runtime not having said, with measurable work:
    // a plan per point holding just those cases.
    std::map<std::string, TestPlan> retryPlans() const {
        std::map<std::string, TestPlan> plans;
        for (const auto& [key, entry] : m_timing) {
            const auto& [c, perPoint] = entry;
            for (const auto& [point, e] : perPoint) {
                if (e.runtimeSaysFused || decideVerdict(e, m_options.verdict) != FusionVerdict::Inconclusive) continue;
                if (std::max(0.0, std::min(e.firstMs, e.secondMs) - e.overheadMs) < m_options.verdict.minWorkMs) continue;
                TestPlan& plan = plans.try_emplace(point, TestPlan{{}, {}, {}, {}, "__retry"}).first->second;
                if (c.kind == CaseKind::Pair)
                    plan.pairs.emplace_back(c.ops[0], c.ops[1]);
                else if (c.kind == CaseKind::Chain)
                    plan.chains.push_back(c.ops);
                else
                    plan.multiOutputProducers.push_back(c.ops[0]);
            }
        }
        return plans;
    }

    DetectReport finish() {
        RuleSet& rules = m_report.rules;
        for (auto& [key, entry] : m_timing) {
            auto& [c, perPoint] = entry;
            FusionRule& rule = ruleFor(rules, c);
            rule.evidence.clear();
            std::vector<FusionVerdict> timing, says;
            for (const auto& [point, e] : perPoint) {
                rule.evidence.push_back(e);
                timing.push_back(decideVerdict(e, m_options.verdict));
                if (e.runtimeSaysFused) says.push_back(*e.runtimeSaysFused ? FusionVerdict::Fused : FusionVerdict::NotFused);
            }
            rule.timingVerdict = combineVerdicts(timing);
            rule.verdict = rule.timingVerdict;
            rule.source = "timing";
            // Where the runtime reports its grouping at every point (OpenCV), its word decides what
            // runs as one kernel: it groups some pairs whose block saves nothing measurable (add -> relu).
            if (!says.empty() && says.size() == rule.evidence.size()) {
                rule.verdict = combineVerdicts(says);
                rule.source = "runtime";
            }
        }
        for (auto& [op, entry] : m_spellings) {
            auto& [rule, timing] = entry;
            std::vector<FusionVerdict> says;
            for (const auto& e : rule.evidence)
                if (e.workingLayers) says.push_back(*e.workingLayers <= 1 ? FusionVerdict::Fused : FusionVerdict::NotFused);
            if (!says.empty() && says.size() == rule.evidence.size()) {
                rule.merged = combineVerdicts(says);
                rule.source = "runtime";
            } else {
                rule.merged = combineVerdicts(timing);
                rule.source = "timing";
            }
            rules.spellings[op] = rule;
        }
        rules.detectedAtUtc = utcNowIso8601();
        m_report.warnings = m_warnings.lines();
        return std::move(m_report);
    }

    DetectReport& report() { return m_report; }

    // How many of the given retried points are decided now.
    int decided(const std::map<std::string, TestPlan>& plans) const {
        int n = 0;
        for (const auto& [key, entry] : m_timing) {
            const auto& [c, perPoint] = entry;
            for (const auto& [point, e] : perPoint) {
                if (!plans.count(point) || e.rounds <= m_firstRounds.at(key + "@" + point)) continue;
                if (decideVerdict(e, m_options.verdict) != FusionVerdict::Inconclusive) ++n;
            }
        }
        return n;
    }

private:
    void recordCase(const TestBatch& batch, const FusionCase& c, std::map<std::string, const ModelReport*>& byKey) {
        const ModelReport* parts[] = {byKey[c.overheadKey], byKey[c.headKey], byKey[c.lastKey], byKey[c.blockKey]};
        for (const ModelReport* r : parts)
            if (!r->ok) {
                m_warnings.add(fmt::format("{} at {}", caseText(c), batch.point.name), r->error);
                return;
            }
        FusionEvidence e = pairedEvidence(parts[0]->roundMedians, parts[1]->roundMedians, parts[2]->roundMedians, parts[3]->roundMedians);
        e.point = batch.point.name;
        const char last = char('p' + c.ops.size() - 1);
        e.runtimeSaysFused = runtimeVerdict(m_device, *parts[3], char(last - 1), last);
        const std::string key = fmt::format("{}:{}", int(c.kind), caseText(c));
        auto& entry = m_timing[key];
        entry.first = c;
        if (!entry.second.count(e.point)) m_firstRounds[key + "@" + e.point] = e.rounds;
        // A retry with more rounds replaces the point's evidence.
        if (!entry.second.count(e.point) || e.rounds > entry.second[e.point].rounds) entry.second[e.point] = e;
        RuleSet& rules = m_report.rules;
        if (rules.runtimeVersion.empty()) {
            rules.runtimeVersion = parts[3]->runtimeVersion;
            rules.cpuModel = parts[3]->machine.cpuModel;
            rules.logicalCores = parts[3]->machine.logicalCores;
        }
    }

    void recordSpelling(const TestBatch& batch, const SpellingCase& c, std::map<std::string, const ModelReport*>& byKey) {
        const ModelReport* spelled = byKey[c.spelledKey];
        const ModelReport* overhead = byKey[c.overheadKey];
        const ModelReport* native = c.nativeKey.empty() ? nullptr : byKey[c.nativeKey];
        for (const ModelReport* r : {spelled, overhead, native})
            if (r && !r->ok) {
                m_warnings.add(fmt::format("spelling {} ({}) at {}", c.op, c.spelling, batch.point.name), r->error);
                return;
            }
        auto& [rule, timing] = m_spellings[c.op];
        rule.op = c.op;
        rule.spelling = c.spelling;
        SpellingEvidence e;
        e.point = batch.point.name;
        e.workingLayers = workingLayers(*spelled);
        if (native) {
            timing.push_back(
                spellingTimingVerdict(overhead->roundMedians, spelled->roundMedians, native->roundMedians, e, m_options.verdict));
        } else {
            SpellingEvidence alone;
            spellingTimingVerdict(overhead->roundMedians, spelled->roundMedians, spelled->roundMedians, alone, m_options.verdict);
            e.spelledMs = alone.spelledMs;
            e.overheadMs = alone.overheadMs;
            e.rounds = alone.rounds;
            timing.push_back(FusionVerdict::Inconclusive);  // nothing native to compare with
        }
        rule.evidence.push_back(e);
    }

    const Device& m_device;
    const DetectRulesOptions& m_options;
    Progress* m_progress;
    std::chrono::steady_clock::time_point m_start;
    DetectReport m_report;
    WarningGroups m_warnings;
    // Per case: the case and its evidence per point (ordered by point name for stable output).
    std::map<std::string, std::pair<FusionCase, std::map<std::string, FusionEvidence>>> m_timing;
    std::map<std::string, int> m_firstRounds;
    std::map<std::string, std::pair<SpellingRule, std::vector<FusionVerdict>>> m_spellings;
};

}  // namespace

Result<DetectReport> detectFusionRules(const Device& device, const DetectRulesOptions& options, Progress* progress) {
    if (options.cacheDir.empty()) return badInput("detect-rules: no folder for the test-case models was given.");
    Result<std::vector<TestBatch>> made = makeTestBatches(options.plan, options.points);
    if (!made) return made.error();
    const std::vector<TestBatch>& batches = made.value();
    Detection d(device, options, progress);
    // The first pass takes 90% of the progress bar; retries the rest.
    for (size_t b = 0; b < batches.size(); ++b) {
        if (d.stopping()) {
            ++d.report().batchesSkipped;
            continue;
        }
        const double n = double(batches.size());
        if (Status s = d.runBatch(batches[b], options.measure.protocol, 0.9 * double(b) / n, 0.9 * double(b + 1) / n); !s) return s.error();
    }
    if (options.retryInconclusive && !d.stopping()) {
        const auto plans = d.retryPlans();
        MeasureOptions twice = options.measure.protocol;
        twice.rounds *= 2;
        size_t done = 0;
        for (const auto& [name, plan] : plans) {
            const std::string& pointName = name;
            auto point =
                std::find_if(options.points.begin(), options.points.end(), [&](const OperatingPoint& p) { return p.name == pointName; });
            if (point == options.points.end() || d.stopping()) continue;
            Result<std::vector<TestBatch>> again = makeTestBatches(plan, {*point});
            if (!again) return again.error();
            for (const auto& batch : again.value()) {
                if (d.stopping()) break;
                d.report().retried += int(batch.cases.size());
                if (Status s = d.runBatch(batch, twice, 0.9 + 0.1 * double(done) / double(plans.size()),
                                          0.9 + 0.1 * double(done + 1) / double(plans.size()));
                    !s)
                    return s.error();
            }
            ++done;
        }
        d.report().retriesDecided = d.decided(plans);
    }
    DetectReport report = d.finish();
    if (progress) progress->report(1.0, "detecting fusion rules: done");
    return report;
}

}  // namespace km
