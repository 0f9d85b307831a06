// SPDX-License-Identifier: Apache-2.0
// The statistical fusion verdict (docs/fusion.md). All four models of a test case are measured in
// the same rounds of the same processes, so the saving is computed round by round:
//   saving_r = T1_r + T2_r - T0_r - T12_r
// (T0: the overhead model; each model pays its fixed cost once, a fused block pays it once for two
// ops). Its median gets a distribution-free 95% confidence interval from order statistics. With
// W = min(T1 - T0, T2 - T0), the smaller op's own work:
//   fused         when the interval's low end exceeds alpha * W (the block saves a real share of it),
//   not fused     when the interval's high end is below alpha * W,
//   inconclusive  otherwise (measure more rounds, or leave it unfused), and whenever W is below
//                 VerdictOptions::minWorkMs.
#pragma once

#include <vector>

#include "fusion/rule_set.h"

namespace km {

struct VerdictOptions {
    double alpha = 0.5;        // share of the smaller op's work a fused block must save (nn-Meter: 0.5)
    double minWorkMs = 0.002;  // an op cheaper than this (an in-place reshape) has nothing measurable
                               // to save: inconclusive, whatever the saving's sign
};

// Round medians per process for the overhead, op1, op2 and block models; rounds pair by position.
FusionEvidence pairedEvidence(const std::vector<std::vector<double>>& overhead, const std::vector<std::vector<double>>& first,
                              const std::vector<std::vector<double>>& second, const std::vector<std::vector<double>>& block);

FusionVerdict decideVerdict(const FusionEvidence& evidence, const VerdictOptions& options = {});

// Several operating points -> one verdict: the majority of conclusive points; a tie or none
// conclusive is inconclusive.
FusionVerdict combineVerdicts(const std::vector<FusionVerdict>& perPoint);

// A spelled op (x * HardSigmoid(x)) against the runtime's native op, round by round: with
// excess_r = (spelled_r - overhead_r) - 1.5 x (native_r - overhead_r), merged (fused) when the
// interval of its median is below 0 (the spelling costs about one op), literal (not fused) when
// above (the runtime makes a pass per node), else inconclusive; inconclusive too when the native
// op costs under minWorkMs. Fills the evidence's times and rounds.
FusionVerdict spellingTimingVerdict(const std::vector<std::vector<double>>& overhead, const std::vector<std::vector<double>>& spelled,
                                    const std::vector<std::vector<double>>& native, SpellingEvidence& evidence,
                                    const VerdictOptions& options = {});

// Bounds of a distribution-free ~95% confidence interval of the median of `values`.
std::pair<double, double> medianInterval(std::vector<double> values);

}  // namespace km
