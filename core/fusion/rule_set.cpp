// SPDX-License-Identifier: Apache-2.0
#include "fusion/rule_set.h"

#include <fmt/format.h>
#include <array>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace km {
namespace {

using Json = nlohmann::ordered_json;

Json evidenceJson(const FusionEvidence& e) {
    Json j{{"point", e.point},
           {"first_ms", e.firstMs},
           {"second_ms", e.secondMs},
           {"block_ms", e.blockMs},
           {"overhead_ms", e.overheadMs},
           {"saving_ms", e.savingMs},
           {"saving_low_ms", e.savingLowMs},
           {"saving_high_ms", e.savingHighMs},
           {"rounds", e.rounds}};
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

Json ruleJson(Json head, const FusionRule& rule) {
    Json evidence = Json::array();
    for (const auto& e : rule.evidence) evidence.push_back(evidenceJson(e));
    head["verdict"] = verdictName(rule.verdict);
    head["source"] = rule.source;
    head["timing_verdict"] = verdictName(rule.timingVerdict);
    head["evidence"] = evidence;
    return head;
}

// The fields every rule has; `where` names it in errors.
Result<FusionRule> ruleFrom(const Json& j, std::vector<std::string> ops, const std::string& displayName, const std::string& where) {
    FusionRule rule;
    rule.ops = std::move(ops);
    const auto verdict = verdictFromName(j.at("verdict").get<std::string>());
    if (!verdict) return badInput(fmt::format("{}: {}: field 'verdict' must be fused, not_fused or inconclusive.", displayName, where));
    rule.verdict = *verdict;
    rule.source = j.value("source", "manual");
    rule.timingVerdict = verdictFromName(j.value("timing_verdict", "inconclusive")).value_or(FusionVerdict::Inconclusive);
    for (const auto& e : j.value("evidence", Json::array())) rule.evidence.push_back(evidenceFrom(e));
    return rule;
}

std::string joined(const std::vector<std::string>& ops) {
    std::string s;
    for (const auto& op : ops) s += (s.empty() ? "" : " -> ") + op;
    return s;
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
    auto it = pairs.find(std::pair<std::string_view, std::string_view>(first, second));
    return it != pairs.end() && it->second.verdict == FusionVerdict::Fused;
}

bool RuleSet::fusesAfter(const std::string& beforeLast, const std::string& last, const std::string& next) const {
    auto it = chains.find(std::array<std::string_view, 3>{beforeLast, last, next});
    if (it != chains.end() && it->second.verdict != FusionVerdict::Inconclusive) return it->second.verdict == FusionVerdict::Fused;
    return fuses(last, next);
}

bool RuleSet::fusesWithOtherConsumers(const std::string& producer) const {
    auto it = multiOutput.find(producer);
    return it != multiOutput.end() && it->second.verdict == FusionVerdict::Fused;
}

std::vector<std::string> RuleSet::literalSpellings() const {
    std::vector<std::string> ops;
    for (const auto& [op, rule] : spellings)
        if (rule.merged == FusionVerdict::NotFused) ops.push_back(op);
    return ops;
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
        r.logicalCores = j.value("logical_cores", 0);
        r.detectedAtUtc = j.value("detected_at_utc", "");
        r.command = j.value("command", "");
        int index = 0;
        for (const auto& p : j.value("pairs", Json::array())) {
            where = fmt::format("pair #{}", ++index);
            std::vector<std::string> ops{p.at("first").get<std::string>(), p.at("second").get<std::string>()};
            where = "pair " + joined(ops);
            Result<FusionRule> rule = ruleFrom(p, ops, displayName, where);
            if (!rule) return rule.error();
            if (!r.pairs.emplace(std::make_pair(ops[0], ops[1]), std::move(rule).value()).second)
                return badInput(fmt::format("{}: {} is listed twice.", displayName, where));
        }
        index = 0;
        for (const auto& c : j.value("chains", Json::array())) {
            where = fmt::format("chain #{}", ++index);
            const auto ops = c.at("ops").get<std::vector<std::string>>();
            if (ops.size() != 3) return badInput(fmt::format("{}: {}: field 'ops' must name three ops.", displayName, where));
            where = "chain " + joined(ops);
            Result<FusionRule> rule = ruleFrom(c, ops, displayName, where);
            if (!rule) return rule.error();
            if (!r.chains.emplace(ops, std::move(rule).value()).second)
                return badInput(fmt::format("{}: {} is listed twice.", displayName, where));
        }
        where = "multi_output";
        const Json multi = j.value("multi_output", Json::array());  // items() must not outlive it
        if (multi.is_object()) {                                    // the short form: {"conv": "fused", ...}
            for (const auto& [op, v] : multi.items()) {
                const auto verdict = verdictFromName(v.get<std::string>());
                if (!verdict)
                    return badInput(fmt::format("{}: multi_output '{}' must be fused, not_fused or inconclusive.", displayName, op));
                r.multiOutput[op] = FusionRule{{op}, *verdict, "manual", FusionVerdict::Inconclusive, {}};
            }
        } else {
            for (const auto& m : multi) {
                std::vector<std::string> ops{m.at("producer").get<std::string>(), m.value("consumer", "")};
                where = "multi_output " + ops[0];
                Result<FusionRule> rule = ruleFrom(m, ops, displayName, where);
                if (!rule) return rule.error();
                r.multiOutput[ops[0]] = std::move(rule).value();
            }
        }
        for (const auto& sp : j.value("spellings", Json::array())) {
            SpellingRule rule;
            rule.op = sp.at("op").get<std::string>();
            where = "spelling " + rule.op;
            rule.spelling = sp.value("spelling", "");
            const auto merged = verdictFromName(sp.at("merged").get<std::string>());
            if (!merged)
                return badInput(fmt::format("{}: {}: field 'merged' must be fused, not_fused or inconclusive.", displayName, where));
            rule.merged = *merged;
            rule.source = sp.value("source", "manual");
            for (const auto& e : sp.value("evidence", Json::array())) {
                SpellingEvidence ev{e.value("point", ""),        e.value("spelled_ms", 0.0), e.value("native_ms", 0.0),
                                    e.value("overhead_ms", 0.0), e.value("rounds", 0),       std::nullopt};
                if (e.contains("working_layers")) ev.workingLayers = e.at("working_layers").get<int>();
                rule.evidence.push_back(ev);
            }
            r.spellings[rule.op] = std::move(rule);
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
    Json pairs = Json::array(), chains = Json::array(), multi = Json::array(), spellings = Json::array();
    for (const auto& [key, rule] : r.pairs) pairs.push_back(ruleJson({{"first", key.first}, {"second", key.second}}, rule));
    for (const auto& [ops, rule] : r.chains) chains.push_back(ruleJson({{"ops", ops}}, rule));
    for (const auto& [op, rule] : r.multiOutput)
        multi.push_back(ruleJson({{"producer", op}, {"consumer", rule.ops.size() > 1 ? rule.ops[1] : ""}}, rule));
    for (const auto& [op, rule] : r.spellings) {
        Json evidence = Json::array();
        for (const auto& e : rule.evidence) {
            Json ej{{"point", e.point},
                    {"spelled_ms", e.spelledMs},
                    {"native_ms", e.nativeMs},
                    {"overhead_ms", e.overheadMs},
                    {"rounds", e.rounds}};
            if (e.workingLayers) ej["working_layers"] = *e.workingLayers;
            evidence.push_back(ej);
        }
        spellings.push_back({{"op", op},
                             {"spelling", rule.spelling},
                             {"merged", verdictName(rule.merged)},
                             {"source", rule.source},
                             {"evidence", evidence}});
    }
    Json j{{"schema", "kernelmeter.rules/1"},
           {"device", r.deviceId},
           {"runtime", r.runtime},
           {"runtime_version", r.runtimeVersion},
           {"cpu_model", r.cpuModel},
           {"logical_cores", r.logicalCores},
           {"detected_at_utc", r.detectedAtUtc},
           {"command", r.command},
           {"patterns", r.patterns},
           {"spellings", spellings},
           {"multi_output", multi},
           {"chains", chains},
           {"pairs", pairs}};
    return j.dump(1) + "\n";
}

RuleSet noFusionRuleSet(const std::string& deviceId) {
    RuleSet r;
    r.deviceId = deviceId;
    r.patterns = {"se"};
    return r;
}

}  // namespace km
