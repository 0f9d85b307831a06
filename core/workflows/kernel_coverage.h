// SPDX-License-Identifier: Apache-2.0
// Which kernel types a device's fusion rules make of the networks its predictor should know: the
// zoo's families (a few seeded variants each, docs/zoo.md) and the bundled example networks. The
// default type set of build-predictor, and after a build, the families whose kernels would fall
// back to the generic regressor for want of their type.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "fusion/rule_set.h"
#include "zoo/zoo.h"

namespace km {

struct KernelCoverageOptions {
    int seedsPerFamily = 3;  // zoo variants per family (seeds 1..N); different widths and depths
    ZooOptions zoo;          // resolutions and classes of the variants
    bool examples = true;    // also the bundled example networks (share/kernelmeter/examples)
};

struct KernelTypeCoverage {
    // Every kernel type found, the most widely used first (by families, then kernels): a build
    // that runs out of budget leaves out the rarest.
    std::vector<std::string> types;
    // type -> family ("example:<file name>" for a bundled example) -> kernels of that type in it.
    std::map<std::string, std::map<std::string, int>> kernels;
};

Result<KernelTypeCoverage> kernelTypeCoverage(const RuleSet& rules, const KernelCoverageOptions& options = {});

// Families (as in KernelTypeCoverage::kernels) with kernels of a type `built` lacks -> how many.
std::map<std::string, int> familiesFallingBack(const KernelTypeCoverage& coverage, const std::set<std::string>& built);

}  // namespace km
