// SPDX-License-Identifier: Apache-2.0
// detectFusionRules: fusion test cases -> kernelmeter-agent -> paired savings -> verdicts -> RuleSet
// (docs/fusion.md). Test-case models are written to a cache folder and measured through
// measureModels, so with a store every batch is saved as measured and a rerun reuses it.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/progress.h"
#include "fusion/rule_set.h"
#include "fusion/test_cases.h"
#include "fusion/verdict.h"
#include "workflows/measure_models.h"

namespace km {

struct DetectRulesOptions {
    MeasureModelsOptions measure;  // agent, store, ...; protocol defaults below suit tiny models
    std::string cacheDir;          // where test-case ONNX files are written (required)
    double budgetMinutes = 15;     // no new batch starts after this; untested pairs stay absent
    TestPlan plan;                 // pairs, chains, multi-output cases, spellings
    std::vector<OperatingPoint> points = defaultOperatingPoints();
    VerdictOptions verdict;
    // Points left inconclusive by timing (where the runtime does not say) are measured again, with
    // twice the rounds, while the budget lasts.
    bool retryInconclusive = true;
    std::string command;  // recorded in the rule set's provenance
};

// The protocol detection uses unless the caller changes it: 2 processes x 20 rounds x 3 runs,
// a short warm-up (test cases take microseconds to milliseconds), no extra processes.
MeasureOptions detectionProtocol();

struct DetectReport {
    RuleSet rules;
    int batchesMeasured = 0, batchesReused = 0, batchesSkipped = 0;  // skipped: budget or errors
    int retried = 0, retriesDecided = 0;                             // inconclusive points measured again; of those, now decided
    // Cases that failed, grouped by cause: "128 test cases could not run: ... (e.g. transpose -> relu
    // at hw56_c24)". A model the runtime refused is remembered in the cache folder and not tried again.
    std::vector<std::string> warnings;
};

Result<DetectReport> detectFusionRules(const Device& device, const DetectRulesOptions& options, Progress* progress = nullptr);

}  // namespace km
