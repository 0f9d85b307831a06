// SPDX-License-Identifier: Apache-2.0
#include "workflows/kernel_coverage.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "workflows/data_sources.h"
#include "workflows/device_analyzer.h"

namespace km {

Result<KernelTypeCoverage> kernelTypeCoverage(const RuleSet& rules, const KernelCoverageOptions& options) {
    KernelTypeCoverage c;
    // Exporters spell some ops either way (hswish as HardSwish, or HardSigmoid x Mul as the zoo
    // writes it): count the kernels of both spellings, as the device runs each.
    RuleSet merged = rules;
    merged.spellings.clear();
    const DeviceAnalyzer asWritten("", std::make_shared<const RuleSet>(rules), nullptr);
    const DeviceAnalyzer asOneOp("", std::make_shared<const RuleSet>(std::move(merged)), nullptr);
    auto count = [&](const ModelFile& model, const std::string& family) {
        std::map<std::string, int> most;  // per type, the larger count of the two spellings
        for (const DeviceAnalyzer* analyzer : {&asWritten, &asOneOp}) {
            std::map<std::string, int> n;
            for (const Kernel& k : analyzer->analyze(model).partition.kernels)
                if (!k.unknown) ++n[k.type];
            for (const auto& [type, kernels] : n) most[type] = std::max(most[type], kernels);
        }
        for (const auto& [type, kernels] : most) c.kernels[type][family] += kernels;
    };
    for (const std::string& family : zooFamilies())
        for (int seed = 1; seed <= options.seedsPerFamily; ++seed) {
            Result<ZooModel> z = generateZooModel(family, uint32_t(seed), options.zoo);
            if (!z) return z.error();
            Result<std::shared_ptr<const ModelFile>> model = ModelFile::fromBytes(std::move(z.value().bytes), z.value().name);
            if (!model) return Error{model.error().code, fmt::format("zoo model {}: {}", z.value().name, model.error().message)};
            count(*model.value(), family);
        }
    namespace fs = std::filesystem;
    std::error_code ec;
    if (options.examples)
        if (const auto dir = bundledExamplesDir(); dir && fs::is_directory(*dir, ec))
            for (const auto& entry : fs::directory_iterator(*dir, ec)) {
                if (entry.path().extension() != ".onnx") continue;
                Result<std::shared_ptr<const ModelFile>> model = ModelFile::read(entry.path().string());
                if (model) count(*model.value(), "example:" + entry.path().filename().string());
            }
    for (const auto& [type, families] : c.kernels) c.types.push_back(type);
    auto total = [&](const std::string& type) {
        int n = 0;
        for (const auto& [family, kernels] : c.kernels.at(type)) n += kernels;
        return n;
    };
    std::stable_sort(c.types.begin(), c.types.end(), [&](const std::string& a, const std::string& b) {
        const size_t fa = c.kernels.at(a).size(), fb = c.kernels.at(b).size();
        return fa != fb ? fa > fb : total(a) > total(b);
    });
    return c;
}

std::map<std::string, int> familiesFallingBack(const KernelTypeCoverage& coverage, const std::set<std::string>& built) {
    std::map<std::string, int> out;
    for (const auto& [type, families] : coverage.kernels)
        if (!built.count(type))
            for (const auto& [family, kernels] : families) out[family] += kernels;
    return out;
}

}  // namespace km
