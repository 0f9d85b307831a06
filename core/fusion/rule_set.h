// Fusion rules of one device: for ordered pairs of canonical op types, whether the runtime executes
// the second op inside the first one's kernel, with the evidence the verdict rests on; whether a
// producer read by several consumers still fuses into one of them; and which multi-op patterns run
// as one kernel. Stored as JSON (docs/fusion.md), shipped per built-in device in datasets/.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace km {

enum class FusionVerdict { Fused, NotFused, Inconclusive };
const char* verdictName(FusionVerdict v);  // "fused", "not_fused", "inconclusive"
std::optional<FusionVerdict> verdictFromName(const std::string& name);

// What one operating point of a test case showed. Times are per-round paired medians (ms).
struct FusionEvidence {
    std::string point;          // operating point, e.g. "hw56_c32"
    double firstMs = 0;         // op1 alone
    double secondMs = 0;        // op2 alone, fed with op1's output shape
    double blockMs = 0;         // op1 -> op2 in one model
    double overheadMs = 0;      // a model with no work (input to output copy): each model pays it once
    double savingMs = 0;        // firstMs + secondMs - overheadMs - blockMs, median over rounds
    double savingLowMs = 0;     // confidence interval of the saving (bootstrap of rounds)
    double savingHighMs = 0;
    int rounds = 0;
    std::optional<bool> runtimeSaysFused;  // OpenCV's per-layer profile, where the runtime reveals it
};

struct PairRule {
    std::string first, second;  // canonical op types
    FusionVerdict verdict = FusionVerdict::Inconclusive;  // what partitioning uses
    // "timing" (the statistical verdict decided), "runtime" (the runtime reported its grouping at
    // every point, which decides; timingVerdict is kept beside it), or "manual".
    std::string source;
    FusionVerdict timingVerdict = FusionVerdict::Inconclusive;  // from the savings alone
    std::vector<FusionEvidence> evidence;
};

struct RuleSet {
    std::string deviceId;
    std::string runtime, runtimeVersion, cpuModel;  // provenance
    std::string detectedAtUtc;
    std::string command;                             // what produced it
    std::map<std::pair<std::string, std::string>, PairRule> pairs;
    // Producer op type -> fuses into one consumer although others read its output too. Ops not
    // listed do not (the safe default: a shared tensor must be written out).
    std::map<std::string, FusionVerdict> multiOutput;
    // Pattern groups (Node::patternGroup prefixes such as "se") executed, and predicted, as one kernel.
    std::vector<std::string> patterns;

    bool fuses(const std::string& first, const std::string& second) const;
    bool fusesWithOtherConsumers(const std::string& producer) const;
};

// JSON text <-> RuleSet. Errors name `displayName` and the field at fault.
Result<RuleSet> parseRuleSet(const std::string& jsonText, const std::string& displayName);
Result<RuleSet> loadRuleSetFile(const std::string& path);
std::string ruleSetToJson(const RuleSet& rules);

// A rule set that fuses nothing (every op its own kernel, patterns kept): what "op-level sum
// without fusion" means for the baselines.
RuleSet noFusionRuleSet(const std::string& deviceId);

}  // namespace km
