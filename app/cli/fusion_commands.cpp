// SPDX-License-Identifier: Apache-2.0
// `kernelmeter-cli detect-rules`, `rules` and `kernels` (docs/cli.md, docs/fusion.md).
#include <fmt/format.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include <unistd.h>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/commands.h"
#include "cli/events.h"
#include "workflows/detect_rules.h"
#include "workflows/device_analyzer.h"

namespace km::cli {
namespace {

using Json = nlohmann::ordered_json;
namespace fs = std::filesystem;

std::string dims(const std::vector<int64_t>& d) {
    std::string s;
    for (int64_t v : d) s += (s.empty() ? "" : "x") + std::to_string(v);
    return s.empty() ? "?" : s;
}

// "k3 s2 g32" from the root op's attributes, what distinguishes kernels of one type.
std::string configText(const KernelConfig& c) {
    std::string s;
    const auto k = c.attrs.getInts("kernel"), st = c.attrs.getInts("stride");
    if (!k.empty()) s += fmt::format("k{}", k[0]);
    if (!st.empty()) s += fmt::format(" s{}", st[0]);
    if (const int64_t g = c.attrs.getInt("groups", 1); g != 1) s += fmt::format(" g{}", g);
    return s.empty() ? "-" : s;
}

std::string provenance(const RuleSet& r) {
    return fmt::format("{} {} on {}, detected {}", r.runtime, r.runtimeVersion, r.cpuModel.empty() ? "?" : r.cpuModel,
                       r.detectedAtUtc.empty() ? "?" : r.detectedAtUtc);
}

}  // namespace

Result<Device> deviceFor(const std::string& id, bool toMeasure, const std::string& db, const std::string& option) {
    Result<Device> d = findDevice(id, db);
    if (!d && !db.empty()) d = findDevice(id);
    // "device 'x': no such device; ..." -> "--from 'x': no such device; ...": the option the user typed.
    if (!d) {
        const std::string& m = d.error().message;
        const std::string_view device = "device ";
        return badInput(m.rfind(device, 0) == 0 ? option + " " + m.substr(device.size()) : option + ": " + m);
    }
    if (toMeasure && !d.value().canMeasure())
        return badInput(fmt::format(
            "{} {}: it has no runtime (its times or its predictor were imported), so nothing can be measured on it.", option, id));
    return d;
}

Progress stderrProgress(bool quiet) {
    // One line per whole percent (or new message); on a terminal, redrawn in place.
    auto lastLine = std::make_shared<std::string>();
    return Progress([quiet, lastLine](double f, const std::string& msg) {
        const std::string line = fmt::format("{:3.0f}% {}", std::floor(f * 100), msg);
        if (quiet || line == *lastLine) return;
        *lastLine = line;
        const bool tty = isatty(STDERR_FILENO);
        std::cerr << (tty ? "\r" : "") << line << (tty ? "\x1b[K" : "\n") << std::flush;
    });
}

int runDetectRules(const DetectRulesArgs& args, const std::string& commandLine) {
    const EventStream events(args.events, args.quiet);
    events.emit("start", {{"command", "detect-rules"}, {"device", args.device}});
    Result<Device> found = deviceFor(args.device, true);
    if (!found) return events.fail(found.error());
    const Device* device = &found.value();
    DetectRulesOptions o;
    o.measure.protocol = detectionProtocol();
    if (args.rounds > 0) o.measure.protocol.rounds = args.rounds;
    if (args.instances > 0) o.measure.protocol.instances = args.instances;
    if (!args.points.empty()) {
        o.points.clear();
        for (const std::string& name : args.points) {
            int hw = 0, channels = 0;
            char tail = 0;
            if (std::sscanf(name.c_str(), "hw%d_c%d%c", &hw, &channels, &tail) != 2 || hw < 1 || hw > 1024 || channels < 1 ||
                channels > 8192)
                return events.fail(
                    badInput(fmt::format("--point '{}': expected hw<H>_c<C> such as hw28_c96 (H 1..1024, C 1..8192).", name)));
            o.points.push_back({name, hw, channels});
        }
    }
    o.budgetMinutes = args.budgetMinutes;
    o.command = commandLine;
    o.cacheDir = args.cacheDir.empty() ? userCacheDir("fusion-tests") : args.cacheDir;
    if (!args.ops.empty()) {
        for (const auto& op : args.ops)
            if (std::find(testableOps().begin(), testableOps().end(), op) == testableOps().end())
                return events.fail(badInput(fmt::format("--ops: '{}' is not an op the detector can test.", op)));
        auto listed = [&](const std::string& op) { return std::count(args.ops.begin(), args.ops.end(), op) > 0; };
        TestPlan plan{{}, {}, {}, {}, ""};
        for (const auto& [a, b] : defaultPairs())
            if (listed(a) && listed(b)) plan.pairs.emplace_back(a, b);
        for (const auto& chain : defaultChains())
            if (std::all_of(chain.begin(), chain.end(), listed)) plan.chains.push_back(chain);
        for (const auto& p : defaultMultiOutputProducers())
            if (listed(p) && listed("relu")) plan.multiOutputProducers.push_back(p);
        for (const auto& op : defaultSpellings())
            if (listed(op)) plan.spellings.push_back(op);
        o.plan = plan;
    }
    std::unique_ptr<MeasurementStore> store;
    if (!args.noDb) {
        auto opened = MeasurementStore::open(args.db.empty() ? defaultDatabasePath() : args.db);
        if (!opened) return events.fail(opened.error());
        store = std::move(opened).value();
        o.measure.store = store.get();
    }
    Progress progress = events.progress();
    Result<DetectReport> report = detectFusionRules(*device, o, &progress);
    if (!args.quiet && !args.events && isatty(STDERR_FILENO)) std::cerr << "\n";
    if (!report) return events.fail(report.error());
    for (const auto& w : report.value().warnings) events.warning(w);
    const fs::path out = args.output.empty() ? fs::path(userRulesPath(device->id)) : fs::path(args.output);
    std::error_code ec;
    if (!out.parent_path().empty()) fs::create_directories(out.parent_path(), ec);
    std::ofstream file(out, std::ios::trunc);
    file << ruleSetToJson(report.value().rules);
    if (!file) return events.fail(ioError(fmt::format("{}: cannot write the rule set.", out.string())));
    const RuleSet& r = report.value().rules;
    auto counts = [](const auto& rules) {
        int n[3] = {0, 0, 0};
        for (const auto& [key, rule] : rules) ++n[int(rule.verdict)];
        return fmt::format("{} fused, {} not fused, {} inconclusive", n[0], n[1], n[2]);
    };
    events.text() << fmt::format(
        "{}: {} pairs ({}), {} chains ({}), {} multi-output producers ({}), {} spellings; {} test "
        "batches measured, {} reused from the database",
        device->id, r.pairs.size(), counts(r.pairs), r.chains.size(), counts(r.chains), r.multiOutput.size(), counts(r.multiOutput),
        r.spellings.size(), report.value().batchesMeasured, report.value().batchesReused);
    if (report.value().retried > 0)
        events.text() << fmt::format("; {} inconclusive points measured again, {} now decided", report.value().retried,
                                     report.value().retriesDecided);
    events.text() << fmt::format("; written to {}\n", out.string());
    if (report.value().batchesSkipped > 0)
        events.text() << fmt::format(
            "incomplete: {} test batches did not fit in --budget-minutes {}; the same command "
            "continues where this one stopped.\n",
            report.value().batchesSkipped, args.budgetMinutes);
    events.emit("done", {{"rules", out.string()},
                         {"pairs", r.pairs.size()},
                         {"batches_measured", report.value().batchesMeasured},
                         {"batches_reused", report.value().batchesReused},
                         {"batches_skipped", report.value().batchesSkipped}});
    return 0;
}

int runRules(const RulesArgs& args) {
    // The device's own rules (detected or shipped), else those its predictor carries (an adapted
    // or imported one's), as predict would split models with them.
    DeviceDataSources sources;
    sources.rulesFile = args.rulesFile;
    sources.rulesOnly = true;
    const DeviceAnalyzer device = DeviceAnalyzer::load(args.device, sources);
    if (!device.rules()) return reportError(*device.error());
    if (args.json) {
        std::cout << ruleSetToJson(*device.rules());
        return 0;
    }
    const RuleSet& r = *device.rules();
    std::cout << fmt::format("device   {}\nrules    {}\n         {}\n\n", args.device, device.rulesSource(), provenance(r));
    auto evidenceText = [](const FusionRule& rule) {
        std::string points;
        for (const auto& e : rule.evidence)
            points += fmt::format("  {} {:+.4f} [{:+.4f}, {:+.4f}]{}", e.point, e.savingMs, e.savingLowMs, e.savingHighMs,
                                  e.runtimeSaysFused ? (*e.runtimeSaysFused ? " (fused)" : " (apart)") : "");
        return points;
    };
    auto opsText = [](const std::vector<std::string>& ops) {
        std::string s;
        for (const auto& op : ops) s += (s.empty() ? "" : " -> ") + op;
        return s;
    };
    if (!r.spellings.empty()) {
        std::cout << "spellings (merged: the runtime runs the spelling as the one op; not_fused: node by node)\n";
        for (const auto& [op, rule] : r.spellings) {
            std::string points;
            for (const auto& e : rule.evidence)
                points += fmt::format("  {} spelled {:.4f} native {:.4f} ms{}", e.point, e.spelledMs, e.nativeMs,
                                      e.workingLayers ? fmt::format(" ({} working layers)", *e.workingLayers) : "");
            std::cout << fmt::format("  {:<15} {:<32} {:<13} {:<8}{}\n", op, rule.spelling, verdictName(rule.merged), rule.source, points);
        }
        std::cout << "\n";
    }
    std::cout << fmt::format("{:<36} {:<13} {:<8} {:<13} {}\n", "rule", "verdict", "source", "timing",
                             "saving ms [95% interval] per point (runtime says)");
    for (const auto& [key, rule] : r.multiOutput)
        std::cout << fmt::format("{:<36} {:<13} {:<8} {:<13}{}\n", key + " with another reader", verdictName(rule.verdict), rule.source,
                                 verdictName(rule.timingVerdict), evidenceText(rule));
    for (const auto& [key, rule] : r.chains)
        std::cout << fmt::format("{:<36} {:<13} {:<8} {:<13}{}\n", opsText(key), verdictName(rule.verdict), rule.source,
                                 verdictName(rule.timingVerdict), evidenceText(rule));
    for (const auto& [key, rule] : r.pairs)
        std::cout << fmt::format("{:<36} {:<13} {:<8} {:<13}{}\n", key.first + " -> " + key.second, verdictName(rule.verdict), rule.source,
                                 verdictName(rule.timingVerdict), evidenceText(rule));
    return 0;
}

int runKernels(const KernelsArgs& args) {
    Result<Device> found = deviceFor(args.device);
    if (!found) return reportError(found.error());
    const Device* device = &found.value();
    DeviceDataSources sources;
    sources.rulesFile = args.rulesFile;
    sources.rulesOnly = true;
    const DeviceAnalyzer analyzer = DeviceAnalyzer::load(device->id, sources);
    if (!analyzer.rules()) return reportError(*analyzer.error());
    const std::string& used = analyzer.rulesSource();
    Result<LoadOptions> options = loadOptionsFrom(args.inputShapes);
    if (!options) return reportError(options.error());
    Result<std::shared_ptr<const ModelFile>> model = ModelFile::read(args.model, options.value());
    if (!model) return reportError(model.error());
    const DeviceAnalysis analysis = analyzer.analyze(*model.value());  // the graph with what this runtime runs node by node
    const Graph& g = *analysis.graph;
    const KernelPartition& part = analysis.partition;
    if (args.json) {
        Json kernels = Json::array();
        for (const auto& k : part.kernels) {
            Json nodes = Json::array();
            for (size_t i : k.nodes)
                for (const auto& name : g.nodes()[i].sourceNodes) nodes.push_back(name);
            Json attrs = Json::object();
            for (const auto& [key, v] : k.config.attrs.all()) attrs[key] = std::visit([](const auto& x) { return Json(x); }, v);
            kernels.push_back({{"id", k.id},
                               {"type", k.type},
                               {"nodes", nodes},
                               {"unknown", k.unknown},
                               {"pattern", k.pattern},
                               {"input_shapes", k.config.inputShapes},
                               {"output_shape", k.config.outputShape},
                               {"attrs", attrs}});
        }
        Json out{{"schema", "kernelmeter.kernels/1"}, {"file", args.model}, {"device", device->id}, {"rules", used}, {"kernels", kernels}};
        std::cout << out.dump(1) << "\n";
        return 0;
    }
    std::cout << fmt::format("model    {}\ndevice   {}\nrules    {} ({})\n\n", args.model, device->id, used, provenance(*analyzer.rules()));
    std::cout << fmt::format("{:>4}  {:<28} {:<34} {:<10} {}\n", "#", "type", "input -> output", "config", "nodes");
    for (const auto& k : part.kernels) {
        std::string names;
        for (size_t i : k.nodes)
            for (const auto& name : g.nodes()[i].sourceNodes) names += (names.empty() ? "" : ", ") + name;
        const std::string in = k.config.inputShapes.empty() ? "-" : dims(k.config.inputShapes[0]);
        std::cout << fmt::format("{:>4}  {:<28} {:<34} {:<10} {}{}\n", k.id, k.type, in + " -> " + dims(k.config.outputShape),
                                 configText(k.config), names, k.unknown ? "  [unknown op: no prediction]" : "");
    }
    std::cout << fmt::format("\n{} nodes in {} kernels\n", g.nodes().size(), part.kernels.size());
    return 0;
}

}  // namespace km::cli
