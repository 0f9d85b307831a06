#include "fusion/rule_set.h"

#include <fmt/format.h>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace km {
namespace {

using Json = nlohmann::ordered_json;

Json evidenceJson(const FusionEvidence& e) {
    Json j{{"point", e.point}, {"first_ms", e.firstMs}, {"second_ms", e.secondMs}, {"block_ms", e.blockMs},
           {"overhead_ms", e.overheadMs}, {"saving_ms", e.savingMs}, {"saving_low_ms", e.savingLowMs},
           {"saving_high_ms", e.savingHighMs}, {"rounds", e.rounds}};
    if (e.runtimeSaysFused) j["runtime_says_fused"] = *e.runtimeSaysFused;
    return j;
}

FusionEvidence evidenceFrom(const Json& j) {
    FusionEvidence e;
    e.point = j.value("point", "");
    e.firstMs = j.value("first_ms", 0.0);
    e.secondMs = j.value("second_ms", 0.0);
    e.blockMs = j.value("block_ms", 0.0);
    e.overheadMs = j.value("overhead_ms", 0.0);
    e.savingMs = j.value("saving_ms", 0.0);
    e.savingLowMs = j.value("saving_low_ms", 0.0);
    e.savingHighMs = j.value("saving_high_ms", 0.0);
    e.rounds = j.value("rounds", 0);
    if (j.contains("runtime_says_fused")) e.runtimeSaysFused = j.at("runtime_says_fused").get<bool>();
    return e;
}

}  // namespace

const char* verdictName(FusionVerdict v) {
    switch (v) {
    case FusionVerdict::Fused: return "fused";
    case FusionVerdict::NotFused: return "not_fused";
    case FusionVerdict::Inconclusive: return "inconclusive";
    }
    return "inconclusive";
}

std::optional<FusionVerdict> verdictFromName(const std::string& name) {
    if (name == "fused") return FusionVerdict::Fused;
    if (name == "not_fused") return FusionVerdict::NotFused;
    if (name == "inconclusive") return FusionVerdict::Inconclusive;
    return std::nullopt;
}

bool RuleSet::fuses(const std::string& first, const std::string& second) const {
    auto it = pairs.find({first, second});
    return it != pairs.end() && it->second.verdict == FusionVerdict::Fused;
}

bool RuleSet::fusesWithOtherConsumers(const std::string& producer) const {
    auto it = multiOutput.find(producer);
    return it != multiOutput.end() && it->second == FusionVerdict::Fused;
}

Result<RuleSet> parseRuleSet(const std::string& text, const std::string& displayName) {
    Json j = Json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return badInput(fmt::format("{}: not a JSON object (a KernelMeter rule set).", displayName));
    if (j.value("schema", "") != "kernelmeter.rules/1")
        return badInput(fmt::format("{}: field 'schema' is not \"kernelmeter.rules/1\".", displayName));
    RuleSet r;
    std::string where = "the top level";
    try {
        r.deviceId = j.value("device", "");
        r.runtime = j.value("runtime", "");
        r.runtimeVersion = j.value("runtime_version", "");
        r.cpuModel = j.value("cpu_model", "");
        r.detectedAtUtc = j.value("detected_at_utc", "");
        r.command = j.value("command", "");
        int index = 0;
        for (const auto& p : j.value("pairs", Json::array())) {
            where = fmt::format("pair #{}", ++index);
            PairRule rule;
            rule.first = p.at("first").get<std::string>();
            rule.second = p.at("second").get<std::string>();
            where = fmt::format("pair {} -> {}", rule.first, rule.second);
            const auto verdict = verdictFromName(p.at("verdict").get<std::string>());
            if (!verdict)
                return badInput(fmt::format("{}: {}: field 'verdict' must be fused, not_fused or inconclusive.", displayName, where));
            rule.verdict = *verdict;
            rule.source = p.value("source", "manual");
            rule.timingVerdict = verdictFromName(p.value("timing_verdict", "inconclusive")).value_or(FusionVerdict::Inconclusive);
            for (const auto& e : p.value("evidence", Json::array())) rule.evidence.push_back(evidenceFrom(e));
            if (!r.pairs.emplace(std::make_pair(rule.first, rule.second), rule).second)
                return badInput(fmt::format("{}: {} is listed twice.", displayName, where));
        }
        where = "multi_output";
        const Json multi = j.value("multi_output", Json::object());  // items() must not outlive it
        for (const auto& [op, v] : multi.items()) {
            const auto verdict = verdictFromName(v.get<std::string>());
            if (!verdict) return badInput(fmt::format("{}: multi_output '{}' must be fused, not_fused or inconclusive.", displayName, op));
            r.multiOutput[op] = *verdict;
        }
        where = "patterns";
        r.patterns = j.value("patterns", std::vector<std::string>{});
    } catch (const std::exception& e) {
        return badInput(fmt::format("{}: {}: {}", displayName, where, e.what()));
    }
    return r;
}

Result<RuleSet> loadRuleSetFile(const std::string& path) {
    std::ifstream in(path);
    if (!in) return ioError(fmt::format("{}: cannot open the rule set.", path));
    std::stringstream text;
    text << in.rdbuf();
    return parseRuleSet(text.str(), path);
}

std::string ruleSetToJson(const RuleSet& r) {
    Json pairs = Json::array();
    for (const auto& [key, rule] : r.pairs) {
        Json evidence = Json::array();
        for (const auto& e : rule.evidence) evidence.push_back(evidenceJson(e));
        pairs.push_back({{"first", rule.first}, {"second", rule.second}, {"verdict", verdictName(rule.verdict)},
                         {"source", rule.source}, {"timing_verdict", verdictName(rule.timingVerdict)},
                         {"evidence", evidence}});
    }
    Json multi = Json::object();
    for (const auto& [op, v] : r.multiOutput) multi[op] = verdictName(v);
    Json j{{"schema", "kernelmeter.rules/1"}, {"device", r.deviceId}, {"runtime", r.runtime},
           {"runtime_version", r.runtimeVersion}, {"cpu_model", r.cpuModel}, {"detected_at_utc", r.detectedAtUtc},
           {"command", r.command}, {"patterns", r.patterns}, {"multi_output", multi}, {"pairs", pairs}};
    return j.dump(1) + "\n";
}

RuleSet noFusionRuleSet(const std::string& deviceId) {
    RuleSet r;
    r.deviceId = deviceId;
    r.patterns = {"se"};
    return r;
}

}  // namespace km
