// SPDX-License-Identifier: Apache-2.0
#include "workflows/measure_kernels.h"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "backends/measurement.h"
#include "common/scratch_folder.h"
#include "common/sha256.h"
#include "predict/features.h"
#include "sampling/kernel_models.h"

namespace km {
namespace {

namespace fs = std::filesystem;

// Elements of the tensor a spec's kernel model passes to its tail (the last op's output).
std::optional<double> outputElements(const KernelSpec& spec) {
    Result<KernelFeatures> f = specFeatures(spec);
    if (!f) return std::nullopt;
    double n = 1;
    for (Feature which : {Feature::OutC, Feature::OutH, Feature::OutW})
        if (const float v = f.value()[size_t(which)]; std::isfinite(v)) n *= double(v);
    return n;
}

double inputElements(const KernelSpec& spec) {
    return familyOf(spec.type) == KernelFamily::Fc ? double(spec.cin) : double(spec.cin * spec.h * spec.w);
}

}  // namespace

double kernelMs(const ModelReport& kernel, const ModelReport& overhead, double tailCorrectionMs) {
    // Each round's difference is scaled to the reference's baseline speed when the reference ran in
    // that round: the machine's speed moves by 20-50% between the batches of a build, and the same
    // kernel measured in two builds agreed within 10% only half the time without this.
    const bool byReference = kernel.referenceBaselineMs > 0 && kernel.referenceRounds.size() == kernel.roundMedians.size();
    std::vector<double> diffs;
    if (kernel.roundMedians.size() == overhead.roundMedians.size())
        for (size_t p = 0; p < kernel.roundMedians.size(); ++p) {
            const auto& k = kernel.roundMedians[p];
            const auto& o = overhead.roundMedians[p];
            if (k.size() != o.size()) continue;
            const std::vector<double>* ref = byReference ? &kernel.referenceRounds[p] : nullptr;
            if (ref && ref->size() != k.size()) ref = nullptr;
            for (size_t r = 0; r < k.size(); ++r) {
                if (ref && (*ref)[r] <= 0) continue;
                diffs.push_back((k[r] - o[r]) * (ref ? kernel.referenceBaselineMs / (*ref)[r] : 1.0));
            }
        }
    double whole = kernel.stats.medianMs - overhead.stats.medianMs;
    if (kernel.normalizedMs > 0 && overhead.normalizedMs > 0) whole = kernel.normalizedMs - overhead.normalizedMs;
    const double d = (diffs.empty() ? whole : quantile(diffs, 0.5)) + tailCorrectionMs;
    return std::max(d, 0.01 * (kernel.normalizedMs > 0 ? kernel.normalizedMs : kernel.stats.medianMs));
}

namespace {

// Tail-only models on tensors from 64 to 1.6 M elements.
std::vector<KernelSpec> tailLadder() {
    std::vector<KernelSpec> out;
    for (auto [c, hw] : std::initializer_list<std::pair<int64_t, int64_t>>{
             {4, 4}, {8, 8}, {16, 16}, {16, 32}, {32, 32}, {32, 56}, {64, 56}, {32, 112}, {64, 112}, {128, 112}})
        out.push_back(KernelSpec{"relu", hw, hw, c, c, 1, 1, 1});
    return out;
}

}  // namespace

double perElementCost(const std::vector<double>& elements, const std::vector<double>& ms) {
    std::vector<double> slopes;
    for (size_t i = 0; i < std::min(elements.size(), ms.size()); ++i)
        for (size_t j = i + 1; j < std::min(elements.size(), ms.size()); ++j)
            if (elements[j] != elements[i]) slopes.push_back((ms[j] - ms[i]) / (elements[j] - elements[i]));
    return slopes.empty() ? 0.0 : std::max(0.0, quantile(slopes, 0.5));
}

Result<std::string> writeGeneratedModel(const std::string& dir, const std::string& bytes) {
    const fs::path path = fs::path(dir) / (sha256Hex(bytes).substr(0, 24) + ".onnx");
    std::error_code ec;
    if (fs::exists(path, ec)) return path.string();
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
    if (!out) return ioError(fmt::format("{}: cannot write a generated model.", path.string()));
    return path.string();
}

MeasureOptions kernelSamplingProtocol() {
    MeasureOptions o;
    o.warmupRuns = 3;
    o.warmupMinMs = 10;
    o.rounds = 8;
    o.runsPerRound = 3;
    o.instances = 2;
    o.maxExtraInstances = 0;
    return o;
}

Result<std::optional<double>> measureTailCost(const Device& device, const MeasureModelsOptions& options, const std::string& dir,
                                              Progress* progress) {
    std::vector<std::string> paths;
    std::vector<double> elements;
    for (const KernelSpec& spec : tailLadder()) {
        Result<std::string> bytes = buildKernelOverheadModel(spec, 1);
        if (!bytes) return bytes.error();
        Result<std::string> path = writeGeneratedModel(dir, bytes.value());
        if (!path) return path.error();
        paths.push_back(path.value());
        elements.push_back(inputElements(spec));
    }
    MeasureModelsOptions mo = options;
    mo.batchSize = int(paths.size());
    mo.reference = true;  // kernel times are at the reference's baseline speed (kernelMs)
    Progress inner([&](double, const std::string& msg) {
        if (progress) progress->report(0, "tail cost: " + msg);
    });
    const std::vector<ModelReport> reports = measureModels(paths, device, mo, &inner);
    removeFiles(paths);  // measured (the times are stored); generated again when needed
    std::vector<double> n, ms;
    for (size_t i = 0; i < reports.size() && i < elements.size(); ++i)
        if (reports[i].ok) {
            n.push_back(elements[i]);
            ms.push_back(reports[i].normalizedMs > 0 ? reports[i].normalizedMs : reports[i].stats.medianMs);
        }
    if (n.size() < 3) return std::optional<double>();
    return std::optional<double>(perElementCost(n, ms));
}

Result<std::vector<std::optional<double>>> measureKernels(const std::vector<KernelSpec>& specs, const Device& device,
                                                          const KernelMeasureOptions& options, KernelCampaign& campaign, Progress* progress,
                                                          const std::function<bool(size_t)>& beforeRequest) {
    std::vector<std::optional<double>> out(specs.size());
    const size_t chunk = std::max<size_t>(1, options.perRequest);
    const std::string& dir = options.dir;
    for (size_t first = 0; first < specs.size(); first += chunk) {
        const size_t last = std::min(specs.size(), first + chunk);
        if (beforeRequest && !beforeRequest(last - first)) break;  // nothing more measured
        std::vector<std::string> paths;
        std::map<std::string, size_t> overheadIndex;   // by overhead model path
        std::vector<std::pair<size_t, size_t>> pairs;  // spec index -> (kernel path index, overhead path index)
        std::vector<size_t> specOf;
        for (size_t i = first; i < last; ++i) {
            Result<std::string> k = buildKernelModel(specs[i], 1);
            Result<std::string> o = buildKernelOverheadModel(specs[i], 1);
            if (!k || !o) continue;
            Result<std::string> kp = writeGeneratedModel(dir, k.value());
            if (!kp) return kp.error();
            Result<std::string> op = writeGeneratedModel(dir, o.value());
            if (!op) return op.error();
            auto [it, fresh] = overheadIndex.emplace(op.value(), paths.size());
            if (fresh) paths.push_back(op.value());
            pairs.emplace_back(paths.size(), it->second);
            paths.push_back(kp.value());
            specOf.push_back(i);
        }
        if (paths.empty()) continue;
        MeasureModelsOptions mo = options.measure;
        mo.batchSize = int(paths.size());
        mo.reference = true;
        std::vector<ModelReport> reports = measureModels(paths, device, mo, progress);
        removeFiles(paths);  // measured (the times are stored); a resumed campaign generates them again
        if (!options.referenceUnits)
            for (ModelReport& r : reports) r.normalizedMs = r.referenceBaselineMs = 0;  // kernelMs then takes raw differences
        for (size_t j = 0; j < pairs.size(); ++j) {
            const ModelReport& kr = reports[pairs[j].first];
            const ModelReport& orr = reports[pairs[j].second];
            if (!kr.ok || !orr.ok) continue;
            const std::optional<double> nOut = outputElements(specs[specOf[j]]);
            const double correction = nOut ? options.tailMsPerElement * (inputElements(specs[specOf[j]]) - *nOut) : 0.0;
            out[specOf[j]] = kernelMs(kr, orr, correction);
            campaign.overheadMs.push_back(orr.normalizedMs > 0 ? orr.normalizedMs : orr.stats.medianMs);
            if (kr.referenceBaselineMs > 0) {  // stored ones too: a resumed campaign gets the same unit
                campaign.referenceBaselineMs = kr.referenceBaselineMs;
                for (const auto& rounds : kr.referenceRounds)
                    campaign.referenceRounds.insert(campaign.referenceRounds.end(), rounds.begin(), rounds.end());
            }
            if (campaign.runtimeVersion.empty()) {
                campaign.runtimeVersion = kr.runtimeVersion;
                campaign.cpuModel = kr.machine.cpuModel;
                campaign.logicalCores = kr.machine.logicalCores;
            }
        }
    }
    return out;
}

}  // namespace km
