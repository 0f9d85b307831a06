// SPDX-License-Identifier: Apache-2.0
// Fusion rules of one device: for ordered pairs of canonical op types, whether the runtime executes
// the second op inside the first one's kernel, with the evidence the verdict rests on; whether a
// producer read by several consumers still fuses into one of them; and which multi-op patterns run
// as one kernel. Stored as JSON (docs/fusion.md), shipped per built-in device in datasets/.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace km {

enum class FusionVerdict { Fused, NotFused, Inconclusive };
const char* verdictName(FusionVerdict v);  // "fused", "not_fused", "inconclusive"
std::optional<FusionVerdict> verdictFromName(const std::string& name);

// What one operating point of a test case showed. Times are per-round paired medians (ms). For a
// pair, "first" is op1 alone and "second" op2 alone; for a chain a -> b -> c, "first" is the
// model a -> b and "second" is c alone; for a multi-output case, "first" and "block" also write
// the producer's output to a second reader.
struct FusionEvidence {
    std::string point;       // operating point, e.g. "hw56_c32"
    double firstMs = 0;      // the head (op1, or a -> b) alone
    double secondMs = 0;     // the last op alone, fed with the head's output shape
    double blockMs = 0;      // the head -> last op in one model
    double overheadMs = 0;   // the common tail alone: each model pays it once
    double savingMs = 0;     // firstMs + secondMs - overheadMs - blockMs, median over rounds
    double savingLowMs = 0;  // distribution-free 95% interval of that median
    double savingHighMs = 0;
    int rounds = 0;
    std::optional<bool> runtimeSaysFused;  // OpenCV's per-layer profile, where the runtime reveals it
};

// One verdict with its evidence. `ops`: a pair {op1, op2} (op2 joins a kernel whose last op is
// op1); a chain {a, b, c} (c joins a kernel ending a -> b: decides where the pair (b, c) alone
// would be wrong, as conv -> bn -> relu in OpenCV); a multi-output rule {producer, consumer} (the
// consumer joins although another node also reads the producer's output).
struct FusionRule {
    std::vector<std::string> ops;
    FusionVerdict verdict = FusionVerdict::Inconclusive;  // what partitioning uses
    // "timing" (the statistical verdict decided), "runtime" (the runtime reported its grouping at
    // every point, which decides; timingVerdict is kept beside it), or "manual".
    std::string source;
    FusionVerdict timingVerdict = FusionVerdict::Inconclusive;  // from the savings alone
    std::vector<FusionEvidence> evidence;
};

// Whether the runtime executes a multi-node spelling of a canonical op (x * HardSigmoid(x) for
// hswish) as that one op. Evidence per point: the spelled and the native op's model times, and how
// many layers of the spelled model did work, where the runtime says.
struct SpellingEvidence {
    std::string point;
    double spelledMs = 0, nativeMs = 0, overheadMs = 0;  // median over rounds
    int rounds = 0;
    std::optional<int> workingLayers;  // layers of the spelling that took time (OpenCV)
};
struct SpellingRule {
    std::string op;                                      // canonical op: hswish, hsigmoid, swish, channelshuffle
    std::string spelling;                                // how the test spelled it, e.g. "x*HardSigmoid(x)"
    FusionVerdict merged = FusionVerdict::Inconclusive;  // fused = runs as one op
    std::string source;                                  // "runtime" or "timing"
    std::vector<SpellingEvidence> evidence;
};

// Orders op-type pairs and sequences as std::less does, and also against string_view keys, so the
// lookups made while partitioning copy no strings.
struct OpPairLess {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
        const std::string_view a1 = a.first, b1 = b.first;
        return a1 != b1 ? a1 < b1 : std::string_view(a.second) < std::string_view(b.second);
    }
};
struct OpSequenceLess {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
        return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                            [](std::string_view x, std::string_view y) { return x < y; });
    }
};

struct RuleSet {
    std::string deviceId;
    std::string runtime, runtimeVersion, cpuModel;  // provenance
    int logicalCores = 0;  // of the machine the tests ran on (0: not recorded)
    std::string detectedAtUtc;
    std::string command;  // what produced it
    std::map<std::pair<std::string, std::string>, FusionRule, OpPairLess> pairs;
    std::map<std::vector<std::string>, FusionRule, OpSequenceLess> chains;  // key: {a, b, c}
    // Producer op type -> fuses into one consumer although others read its output too. Ops not
    // listed do not (the safe default: a shared tensor must be written out).
    std::map<std::string, FusionRule> multiOutput;
    std::map<std::string, SpellingRule> spellings;  // by canonical op
    // Pattern groups (Node::patternGroup prefixes such as "se") executed, and predicted, as one kernel.
    std::vector<std::string> patterns;

    bool fuses(const std::string& first, const std::string& second) const;
    // Whether `next` joins a kernel whose last two ops are `beforeLast` -> `last`: the chain rule
    // where one was measured, else the pair rule (last, next).
    bool fusesAfter(const std::string& beforeLast, const std::string& last, const std::string& next) const;
    bool fusesWithOtherConsumers(const std::string& producer) const;
    // Canonical ops whose spellings the runtime runs node by node: load graphs with these kept
    // literal (LoadOptions::literalSpellings) before partitioning for this device.
    std::vector<std::string> literalSpellings() const;
};

// JSON text <-> RuleSet. Errors name `displayName` and the field at fault.
Result<RuleSet> parseRuleSet(const std::string& jsonText, const std::string& displayName);
Result<RuleSet> loadRuleSetFile(const std::string& path);
std::string ruleSetToJson(const RuleSet& rules);

// A rule set that fuses nothing (every op its own kernel, patterns kept): what "op-level sum
// without fusion" means for the baselines.
RuleSet noFusionRuleSet(const std::string& deviceId);

}  // namespace km
