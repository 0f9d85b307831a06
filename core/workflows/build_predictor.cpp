// SPDX-License-Identifier: Apache-2.0
#include "workflows/build_predictor.h"

#include <fmt/format.h>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>

#include "backends/measurement.h"
#include "common/scratch_folder.h"
#include "common/utc_time.h"
#include "predict/features.h"
#include "sampling/kernel_models.h"
#include "workflows/measure_models.h"

namespace km {

namespace fs = std::filesystem;

Result<BuildPredictorReport> buildPredictor(const Device& device, const BuildPredictorOptions& options, Progress* progress,
                                            const std::function<void(const std::string&, const RoundMetrics&)>& onRound) {
    if (options.cacheDir.empty()) return badInput("build-predictor: no folder for kernel models was given.");
    if (options.kernelTypes.empty()) return badInput("build-predictor: no kernel types to build.");
    Result<Prior> prior = loadPrior(options.priorDir);
    if (!prior) return prior.error();
    // The kernel models exist only to be measured: their times are stored as they are taken.
    Result<ScratchFolder> scratch = ScratchFolder::create((fs::path(options.cacheDir) / device.id / "kernels").string(), options.cacheDir);
    if (!scratch) return scratch.error();
    const std::string& dir = scratch.value().path();

    BuildPredictorReport report;
    PredictorSet& set = report.predictor;
    set.deviceId = device.id;
    set.runtime = device.runtime;
    set.command = options.command;
    KernelCampaign campaign;              // overhead models, the reference's rounds and unit, the machine
    FeatureRows allRows, validationRows;  // every type's training and validation kernels (the generic regressor)
    std::vector<double> allMs, validationMs;
    const auto start = std::chrono::steady_clock::now();
    const std::string startedAtUtc = utcNowIso8601();  // the device's measurements before it: its usual speed
    auto minutes = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / 60.0; };

    // What the tail costs per element on this device (kernelMs): tail-only models of ten sizes,
    // measured once (stored and reused like every kernel model).
    double tailMsPerElement = 0;
    {
        Result<std::optional<double>> tail = measureTailCost(device, options.measure, dir, progress);
        if (!tail) return tail.error();
        if (tail.value())
            tailMsPerElement = *tail.value();
        else
            report.warnings.push_back("the tail's cost could not be measured; kernel times are not corrected for it.");
        report.tailMsPerElement = tailMsPerElement;
    }

    // Budget: every type first gets its initial round (in the order given); the time left then goes
    // to refinement rounds, one round per type per pass, the types furthest from the target first,
    // until each is done or the budget is spent. (Splitting the budget evenly in advance starved
    // the large convolution types, whose first round alone took more than their share, while small
    // types finished early and left their time unused.)
    const size_t nTypes = options.kernelTypes.size();
    auto overBudget = [&] { return minutes() > options.budgetMinutes || (progress && progress->isCancelled()); };
    auto reportOverall = [&](size_t typesStarted, const std::string& msg) {
        if (!progress) return;
        const double f = std::max(double(typesStarted) / double(nTypes), minutes() / options.budgetMinutes);
        progress->report(std::min(f, 0.99), msg);
    };
    std::vector<std::unique_ptr<AdaptiveSampler>> samplers(nTypes);
    std::vector<std::unique_ptr<Progress>> inners(nTypes);
    size_t typesStarted = 0;
    // Every type gets its first round within the budget: once the first types have shown how long
    // a kernel takes to measure here, a later type's first round is scaled down to its even share
    // of most of the time left (never below a floor), so that the rarest types, which come last,
    // are built from fewer kernels rather than not at all (a first build of 32 types at 400 kernels
    // each did not fit 45 minutes on the project's VM).
    double firstRoundSeconds = 0;
    size_t firstRoundKernels = 0;
    // A first round under way measures at least this many kernels even past the budget (the
    // scaled-down round's floor), so that a type that started is trained rather than left with
    // nothing: the last type of a 45-minute build on a busy machine once got 0 training kernels.
    // The calibration after the kernels has a fixed end, so the build's total still holds.
    constexpr size_t kFirstRoundFloor = 90;
    bool inFirstRound = false;
    size_t firstRoundMeasured = 0;
    for (size_t t = 0; t < nTypes; ++t) {
        const std::string& type = options.kernelTypes[t];
        if (progress && progress->isCancelled()) break;
        const bool late = overBudget();  // a floor-sized first round within the grace, else not built
        if (late && !(minutes() < options.budgetMinutes + options.firstRoundGraceMinutes)) {
            report.warnings.push_back(
                fmt::format("kernel type {}: not built, the budget of {} minutes was used up.", type, options.budgetMinutes));
            continue;
        }
        inners[t] = std::make_unique<Progress>([&, t](double, const std::string& msg) { reportOverall(std::max(typesStarted, t), msg); });
        Progress* inner = inners[t].get();
        KernelMeasurer measure = [&, inner](const std::vector<KernelSpec>& specs) -> Result<std::vector<std::optional<double>>> {
            const KernelMeasureOptions ko{options.measure, dir, tailMsPerElement, size_t(std::max(1, options.modelsPerRequest / 2))};
            return measureKernels(specs, device, ko, campaign, inner, [&](size_t kernels) {
                if (overBudget() && !(inFirstRound && firstRoundMeasured < kFirstRoundFloor)) return false;
                firstRoundMeasured += inFirstRound ? kernels : 0;
                return true;
            });
        };
        AdaptiveOptions ao = options.adaptive;
        ao.sampler.seed = options.adaptive.sampler.seed + t * 7919;  // per type, fixed: reruns draw the same kernels
        const size_t wanted = ao.initialSamples + ao.probeSamples + ao.validationSamples;
        if (firstRoundKernels > 0 && std::isfinite(options.budgetMinutes) && wanted > 0) {
            constexpr double kFirstRoundsShare = 0.85;  // the rest of the time left is for refinement rounds
            const double secondsPerKernel = firstRoundSeconds / double(firstRoundKernels);
            const double shareSeconds = (options.budgetMinutes - minutes()) * 60 * kFirstRoundsShare / double(nTypes - t);
            const double f = shareSeconds / (secondsPerKernel * double(wanted));
            if (f < 1) {
                auto scaled = [f](size_t n, size_t floor) { return std::max(std::min(n, floor), size_t(double(n) * f)); };
                ao.initialSamples = scaled(ao.initialSamples, 40);
                ao.probeSamples = scaled(ao.probeSamples, 20);
                ao.validationSamples = scaled(ao.validationSamples, 30);
                report.warnings.push_back(fmt::format("kernel type {}: first round from {} kernels instead of {}, to fit the budget.", type,
                                                      ao.initialSamples + ao.probeSamples + ao.validationSamples, wanted));
            }
        }
        if (late) {
            ao.initialSamples = std::min<size_t>(ao.initialSamples, 40);
            ao.probeSamples = std::min<size_t>(ao.probeSamples, 20);
            ao.validationSamples = std::min<size_t>(ao.validationSamples, 30);
            report.warnings.push_back(fmt::format("kernel type {}: started after the budget, from {} kernels (the floor).", type,
                                                  ao.initialSamples + ao.probeSamples + ao.validationSamples));
        }
        const double startedAtMinutes = minutes();
        const size_t planned = ao.initialSamples + ao.probeSamples + ao.validationSamples;
        auto sampler =
            std::make_unique<AdaptiveSampler>(prior.value(), type, std::move(measure), ao, inner, [&onRound, type](const RoundMetrics& m) {
                if (onRound) onRound(type, m);
            });
        typesStarted = t + 1;
        inFirstRound = true;
        firstRoundMeasured = 0;
        const Status started = sampler->start();
        inFirstRound = false;
        firstRoundSeconds += (minutes() - startedAtMinutes) * 60;
        firstRoundKernels += planned;
        if (!started) {
            report.warnings.push_back(fmt::format("kernel type {}: {}", type, started.error().message));
            continue;
        }
        samplers[t] = std::move(sampler);
    }
    {
        std::vector<AdaptiveSampler*> started;
        for (auto& s : samplers) started.push_back(s.get());
        for (std::string& w : refineWorstFirst(started, overBudget)) report.warnings.push_back(std::move(w));
    }

    for (size_t t = 0; t < nTypes; ++t) {
        if (!samplers[t]) continue;
        const std::string& type = options.kernelTypes[t];
        const AdaptiveResult r = samplers[t]->result();
        for (size_t i = 0; i < r.trainSpecs.size(); ++i) {
            Result<KernelFeatures> f = specFeatures(r.trainSpecs[i]);
            if (!f) continue;
            allRows.emplace_back(f.value().begin(), f.value().end());
            allMs.push_back(r.trainMs[i]);
        }
        std::vector<double> predicted;
        for (const auto& spec : r.validationSpecs) {
            Result<KernelFeatures> f = specFeatures(spec);
            predicted.push_back(f ? r.regressor.predictMs(f.value().data(), f.value().size()) : 0.0);
            if (f) {
                validationRows.emplace_back(f.value().begin(), f.value().end());
                validationMs.push_back(r.validationMs[predicted.size() - 1]);
            }
        }
        KernelTypePredictor p{r.regressor, r.rounds, r.trainSpecs.size(), errorBandOf(predicted, r.validationMs), {}};
        for (size_t i = 0; i < r.trainSpecs.size(); ++i) p.training.push_back({r.trainSpecs[i], r.trainMs[i]});
        set.types.emplace(type, std::move(p));
        if (!r.reachedTarget)
            report.warnings.push_back(
                fmt::format("kernel type {}: stopped at {:.1f}% within 10% and {:.1f}% within 5% on validation "
                            "(target {:.0f}% / {:.0f}%).",
                            type, 100 * r.rounds.back().within10, 100 * r.rounds.back().within5, 100 * options.adaptive.targetWithin10,
                            100 * options.adaptive.targetWithin5));
    }
    if (allRows.size() >= 10) {
        RegressorOptions g = RegressorOptions::forKind(RegressorKind::GradientBoosted);
        g.baseColumns = {size_t(Feature::Flops), size_t(Feature::BytesIn), size_t(Feature::BytesOut), size_t(Feature::BytesWeights)};
        Result<Regressor> generic = Regressor::train(allRows, allMs, g);
        if (generic) {
            std::vector<double> predicted;
            for (const auto& row : validationRows) predicted.push_back(generic.value().predictMs(row));
            set.genericBand = errorBandOf(predicted, validationMs);
            set.generic = std::move(generic).value();
        }
    }
    // The fixed cost one model pays (the overhead models' median). Not yet calibrated on whole
    // generated models (docs/predictors.md).
    set.runtimeVersion = campaign.runtimeVersion;
    set.cpuModel = campaign.cpuModel;
    set.logicalCores = campaign.logicalCores;
    set.overheadMs = quantile(campaign.overheadMs, 0.5);
    // Kernel times are at the database's baseline speed, which is whatever speed the machine had
    // during that database's first campaign; predictions are given at the reference's median
    // speed over this build instead (a typical speed of the machine, not one moment of it).
    if (campaign.referenceBaselineMs > 0 && !campaign.referenceRounds.empty()) {
        set.regressorReferenceMs = campaign.referenceBaselineMs;
        set.referenceMs = quantile(campaign.referenceRounds, 0.5);
        set.kernelScale = set.unitScale();
        set.overheadMs *= set.unitScale();
    }
    // The build's machine speed against the device's usual one before it: its milliseconds are
    // the build's (predict carries them to the usual speed; evaluate scores them as they are).
    if (options.measure.store && !options.measure.storedOnly && set.referenceMs > 0)
        if (const std::string w = machinePhaseWarning(
                "the build's kernels were", device.id, set.referenceMs,
                usualSpeed(earlierReferenceTimes(*options.measure.store, device.id, set.cpuModel, set.runtimeVersion, {}, startedAtUtc)));
            !w.empty())
            report.warnings.push_back(w +
                                      "; the predictor's milliseconds are at the build's speed, which predict carries to the usual one");
    set.builtAtUtc = utcNowIso8601();
    if (progress) progress->report(1.0, "building the predictor: done");
    return report;
}

}  // namespace km
