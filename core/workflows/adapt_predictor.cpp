// SPDX-License-Identifier: Apache-2.0
#include "workflows/adapt_predictor.h"

#include <fmt/format.h>
#include <algorithm>
#include <filesystem>
#include <optional>
#include <random>
#include <set>

#include "common/parallel_for.h"
#include "common/scratch_folder.h"
#include "common/utc_time.h"
#include "workflows/adapt_kernels.h"
#include "workflows/evaluation_data.h"
#include "workflows/measure_kernels.h"
#include "zoo/zoo.h"

namespace km {
namespace {

// The source's training kernels of each group measured on the target (the normal kernel
// protocol, stored and reused like a build's): each group's ratio of target to source time. In
// the reference's units only when the networks found the reference steady (referenceUnits).
Result<std::vector<AdaptedKernelGroup>> measureAnchorKernels(const Device& target, const PredictorSet& bareSource,
                                                             const std::map<std::string, double>& groups, const AdaptOptions& options,
                                                             bool referenceUnits, Progress* progress, std::vector<std::string>& warnings,
                                                             double& referenceMs) {
    const std::vector<AnchorKernel> kernels =
        chooseAnchorKernels(bareSource, groups, size_t(options.kernelsPerGroup), options.maxKernelSourceMs);
    if (kernels.empty()) return std::vector<AdaptedKernelGroup>();
    if (options.cacheDir.empty()) {
        warnings.push_back("no folder for kernel models was given: the group scales are fitted on the networks alone.");
        return std::vector<AdaptedKernelGroup>();
    }
    Result<ScratchFolder> scratch =
        ScratchFolder::create((std::filesystem::path(options.cacheDir) / target.id / "kernels").string(), options.cacheDir);
    if (!scratch) return scratch.error();
    const std::string& dir = scratch.value().path();
    KernelMeasureOptions measure{options.measure, dir};
    measure.measure.protocol = kernelSamplingProtocol();
    measure.referenceUnits = referenceUnits;
    Result<std::optional<double>> tail = measureTailCost(target, measure.measure, dir, progress);
    if (!tail) return tail.error();
    if (!tail.value()) warnings.push_back("the kernel models' tail cost could not be measured; kernel times are not corrected for it.");
    measure.tailMsPerElement = tail.value().value_or(0.0);
    std::vector<KernelSpec> specs;
    for (const AnchorKernel& k : kernels) specs.push_back(k.spec);
    KernelCampaign campaign;
    Result<std::vector<std::optional<double>>> ms = measureKernels(specs, target, measure, campaign, progress);
    if (!ms) return ms.error();
    const size_t missing = size_t(std::count(ms.value().begin(), ms.value().end(), std::nullopt));
    if (missing > 0) warnings.push_back(fmt::format("{} of {} kernels could not be measured.", missing, specs.size()));
    referenceMs = campaign.referenceRounds.empty() ? 0.0 : quantile(campaign.referenceRounds, 0.5);
    return anchorRatios(kernels, ms.value());
}

// `p` (the source's predictor) with the fitted model-level terms in place of its own: group scales
// of the source's times (relative to the new kernel scale), costs per kernel, or work rates.
// `bareSet` is the source as the fit saw it (bareSourceOf): an adapted source's own group terms
// are composed with the fit's.
PredictorSet withFittedTerms(PredictorSet p, const PredictorSet& bareSet, const TransferFit& fit) {
    p.groupScale.clear();
    p.groupKernelMs.clear();
    p.groupMsPerMflop.clear();
    p.groupMsPerMb.clear();
    p.msPerMflop = p.msPerMb = 0;
    if (!fit.groupExponent.empty()) {  // else an adapted source's own stay, scaled like the rest of its times
        p.groupExponent = fit.groupExponent;
        p.exponentUnitScale = bareSet.kernelScale;
    }
    if (fit.kernelCosts) {  // a cost per kernel of each group; the source's times drop out
        p.kernelScale = 0;
        p.groupKernelMs = fit.groupKernelMs;
    } else if (fit.workRates) {  // the work priced per group; the source's times drop out
        p.kernelScale = 0;
        p.groupMsPerMflop = fit.groupMsPerMflop;
        p.msPerMflop = fit.msPerMflop;
        p.msPerMb = fit.msPerMb;
    } else {
        const double common = fit.commonScale > 0 ? fit.commonScale : 1.0;
        p.kernelScale = bareSet.kernelScale * common;
        for (const auto& [g, s] : bareSet.groupScale) p.groupScale[g] = s;  // an adapted source's own
        for (const auto& [g, s] : fit.groupScale) {
            auto it = bareSet.groupScale.find(g);
            p.groupScale[g] = (it == bareSet.groupScale.end() ? 1.0 : it->second) * s / common;
        }
        // Costs per kernel on top of the per-kernel term: the kernels' own (fits through the
        // measured kernels), and an adapted source's, which were part of its kernel times and
        // are scaled with them.
        for (const auto& [g, ms] : fit.groupFixedMs) p.groupKernelMs[g] = fit.perKernelMs + ms;
        // Groups priced by their kernels' work (their group scale 0), in the predictor's unit.
        for (const auto& [g, rate] : fit.groupMsPerMflop) p.groupMsPerMflop[g] = rate;
        for (const auto& [g, rate] : fit.groupMsPerMb) p.groupMsPerMb[g] = rate;
        if (!fit.groupFixedMs.empty())  // the other groups of the fit had no cost of their own (not their root's)
            for (const auto& [g, s] : fit.groupScale) p.groupKernelMs.emplace(g, fit.perKernelMs);
        for (const auto& [g, ms] : bareSet.groupKernelMs) {
            auto scale = fit.groupScale.find(g);
            p.groupKernelMs.emplace(g, fit.perKernelMs).first->second +=
                ms * (scale == fit.groupScale.end() ? fit.commonScale : scale->second);
        }
    }
    p.overheadMs = fit.overheadMs;
    p.perKernelMs = fit.perKernelMs;
    return p;
}

}  // namespace

std::string adaptationPhaseNote(const PredictorSet& predictor) {
    if (!predictor.adaptation || predictor.speedScale != 1) return {};  // carried to the usual speed: no longer that phase's
    const Adaptation& a = *predictor.adaptation;
    const std::string w = machinePhaseWarning("its networks were", predictor.deviceId, predictor.referenceMs, a.earlierReferenceMs,
                                              size_t(std::max(0, a.earlierMeasurements)));
    if (w.empty()) return {};
    return "this predictor was adapted " + w +
           "; it predicts in ms at that speed (its times at the reference speed are not affected); adapt again when the machine is at "
           "its usual speed.";
}

bool mayDropUnreadOps(const Device& target) { return !runtimeTraits(target.runtime).runsUnreadOps; }

Device kernelDeviceFor(const Device& target, const std::string& sourceRuntime, int sourceThreads, const std::vector<Device>& known) {
    if (sourceThreads <= 0 || sourceThreads == target.threads || sourceRuntime != target.runtime) return target;
    for (const Device& d : known)
        if (d.runtime == target.runtime && d.threads == sourceThreads && d.transport == target.transport &&
            d.agentPath == target.agentPath && d.settings == target.settings)
            return d;
    Device d = target;
    d.id = fmt::format("{}@t{}", target.id, sourceThreads);
    d.threads = sourceThreads;
    d.displayName = fmt::format("{} at {} thread{}", target.displayName.empty() ? target.id : target.displayName, sourceThreads,
                                sourceThreads == 1 ? "" : "s");
    d.userDefined = false;  // never stored as a definition: only its measurements are
    return d;
}

TransferOptions withKernelsTimedOn(TransferOptions options, const Device& target, const Device& kernelDevice,
                                   const std::string& sourceRuntime, int sourceThreads, double threadsGain) {
    // Kernels run as the source ran them: free group scales that matched the 10 networks within
    // 0.5% missed the torchvision ones by 30% (docs/adapt.md). Each group's kernels tell its scale,
    // so the networks fit one scale on top (with the overhead and per-kernel terms): what a kernel
    // measured alone misses inside a network, or the threads' effect when the target runs other
    // threads. Ten networks do not tell either per group: group scales on top of the kernels' fits
    // matched the 10 within 0.2% and put 45% of the torchvision networks within 10% at the
    // reference speed on xnnpack-t1 -> xnnpack-t1, seed 3, where one scale put 91%.
    options.throughKernelsOnly = sourceThreads == kernelDevice.threads && sourceRuntime == target.runtime;
    if (!options.throughKernelsOnly) return options;
    options.shrinkage.clear();
    // Timed at other threads than the target's: OpenCV DNN copies (concat, slice, channel shuffle)
    // on one thread whatever its threads, so there the copies may get a scale of their own, up to
    // what the threads gain (opencv-t1 -> opencv-t2 on the 2-core VM: 73% of the torchvision
    // networks within 10% and RMSPE 9% over three draws and two sessions, against 67% and 13%).
    // XNNPACK (this backend's copies run on the threads too) was fitted so on two draws of three
    // and did worse, 50 and 27% against 59 and 45% (docs/adapt.md). The gain is the reference
    // workload's where it was timed at both thread counts, not their ratio: 1.6-1.9 at 2 threads
    // on the 2-core VM, and with the copies at 2 times the rest ShuffleNet V2 came out 18-38% long.
    if (kernelDevice.threads != target.threads) {
        options.copiesApart = runtimeTraits(target.runtime).copiesOnOneThread;
        const double ratio = double(target.threads) / kernelDevice.threads;
        options.copiesRatioCap = threadsGain > 0 ? std::clamp(threadsGain, std::min(1.0, ratio), std::max(1.0, ratio)) : ratio;
    }
    return options;
}

Result<AdaptReport> adaptPredictor(const Device& target, const DeviceAnalyzer& source, const AdaptOptions& options, Progress* progress) {
    if (!source.predictor() || !source.rules())
        return badInput(fmt::format("adapt: the source {} has no predictor to adapt ({}).", source.deviceId(),
                                    source.error() ? source.error()->message : "none found"));
    if (options.networks < 3 && options.modelPaths.empty()) return badInput("adapt: at least 3 networks are needed (--networks).");
    if (!(source.predictor()->kernelScale > 0))
        return badInput(
            fmt::format("adapt: the predictor of {} was adapted without its source's kernel times (kernel costs or "
                        "work rates) and has none to carry over; adapt from a built predictor (or from the one {} was "
                        "adapted from).",
                        source.deviceId(), source.deviceId()));
    const bool mayDropUnread = mayDropUnreadOps(target);
    const DeviceAnalyzer bare = bareSourceOf(source, !mayDropUnread);
    // The same, for a runtime that removes operations whose results are never read.
    auto dcePredictor = std::make_shared<PredictorSet>(*bare.predictor());
    dcePredictor->dropsUnreadOps = true;
    const DeviceAnalyzer bareDce(source.deviceId(), source.rules(), dcePredictor);
    AdaptReport report;
    if (!options.runtimeWarningGiven && target.runtime != kNoRuntime && source.predictor()->runtime != target.runtime)
        report.warnings.push_back(fmt::format(
            "{}'s predictor is for {} and {} runs {}: the source's kernels are not the ones the target runs, and a predictor adapted "
            "across runtimes is much less accurate than one adapted from a device of the target's runtime (docs/adapt.md).",
            source.deviceId(), source.predictor()->runtime, target.id, target.runtime));
    std::vector<TransferCandidate> candidates, candidatesDce;
    auto viewsOf = [&](const ModelFile& file, const std::string& name) {
        std::pair<TransferCandidate, TransferCandidate> views;
        views.first = transferCandidateOf(bare.analyze(file), name);
        // For a runtime that runs everything the two views are one: nothing to tell apart.
        views.second = mayDropUnread ? transferCandidateOf(bareDce.analyze(file), name) : views.first;
        if (mayDropUnread && views.first.sourceMs > 0)
            views.first.unreadShare = std::max(0.0, 1.0 - views.second.sourceMs / views.first.sourceMs);
        return views;
    };
    std::vector<std::string> hashes;          // dataset: per candidate, the model's hash
    std::vector<double> datasetMs;            // dataset: per candidate, its time on the target
    std::vector<std::string> candidateBytes;  // generated: per candidate, the ONNX
    std::vector<std::string> paths;           // given files
    std::vector<std::string> problems;        // why a network offered has no time (for the error below)
    size_t offered = 0;                       // networks given, or a dataset's models with a time on the target
    std::string timesFrom;
    auto report01 = [&](double f, const std::string& what) {
        if (progress) progress->report(f, what);
    };

    if (!options.dataset.empty()) {
        auto store = openDatasetStore(options.datasetDb, options.dataset);
        if (!store) return Error{store.error().code, "adapt: " + store.error().message};
        Result<std::vector<DatasetModel>> rows = store.value()->datasetModels(options.dataset);
        if (!rows) return rows.error();
        if (Status same = checkNb201Generator(rows.value()); !same) return badInput("adapt: " + same.error().message);
        Result<std::vector<StoredMeasurement>> stored = store.value()->forDevice(target.id);
        if (!stored) return stored.error();
        std::map<std::string, double> latest;  // hash -> newest median
        for (const StoredMeasurement& m : stored.value()) latest[m.modelHash] = m.stats.medianMs;
        std::vector<DatasetModel> timed;
        for (const DatasetModel& m : rows.value()) {
            auto it = latest.find(m.modelHash);
            if (it == latest.end() || !(it->second > 0)) continue;
            // A NAS-Bench-201 cell that computes a constant says nothing about kernels: a runtime
            // may fold the whole network away (0.005 ms on the Pixel 3 against 1-35 ms).
            if (m.generator == kNb201Generator)
                if (Result<Nb201Cell> cell = parseNb201Arch(m.description); cell && cell.value().computesZeros()) continue;
            timed.push_back(m);
        }
        offered = timed.size();
        std::mt19937 rng(options.seed);
        std::shuffle(timed.begin(), timed.end(), rng);
        if (timed.size() > options.datasetCandidates) timed.resize(options.datasetCandidates);
        // Every candidate read and viewed on any core into its own slot (their order stays).
        std::vector<std::optional<std::pair<TransferCandidate, TransferCandidate>>> views(timed.size());
        std::vector<std::optional<Error>> errors(timed.size());
        parallelFor(
            timed.size(),
            [&](size_t i) {
                Result<ModelLoader> loader = datasetModelLoader(timed[i]);
                Result<std::shared_ptr<const ModelFile>> file =
                    loader ? loader.value()() : Result<std::shared_ptr<const ModelFile>>(loader.error());
                if (file)
                    views[i] = viewsOf(*file.value(), timed[i].name);
                else
                    errors[i] = file.error();
            },
            [&](size_t item, size_t done) {
                report01(0.5 * double(done) / double(timed.size()), "candidate " + timed[item].name);
                return !(progress && progress->isCancelled());
            },
            // Files on one thread (reading them on two was slower), generated networks on all.
            std::any_of(timed.begin(), timed.end(),
                        [](const DatasetModel& m) {
                            std::error_code ec;
                            return !m.path.empty() && std::filesystem::exists(m.path, ec);
                        })
                ? 1u
                : 0u);
        if (progress && progress->isCancelled()) return Error{ErrorCode::Cancelled, "adapt: cancelled."};
        for (size_t i = 0; i < timed.size(); ++i) {
            if (errors[i] && timed[i].generator == kNb201GeneratorBefore) return *errors[i];  // all its cells are so
            if (!views[i]) {
                problems.push_back(fmt::format("{}: {}", timed[i].name, errors[i]->message));
                report.warnings.push_back(problems.back());
                continue;
            }
            candidates.push_back(std::move(views[i]->first));
            candidatesDce.push_back(std::move(views[i]->second));
            hashes.push_back(timed[i].modelHash);
            datasetMs.push_back(latest.at(timed[i].modelHash));
        }
        timesFrom = "dataset " + options.dataset;
    } else if (!options.modelPaths.empty()) {
        offered = options.modelPaths.size();
        for (const std::string& path : options.modelPaths) {
            Result<std::shared_ptr<const ModelFile>> file = ModelFile::read(path, options.measure.load, ModelFile::Keep::Hash);
            if (!file) {
                problems.push_back(file.error().message);
                report.warnings.push_back(problems.back());
                continue;
            }
            auto [c, dce] = viewsOf(*file.value(), std::filesystem::path(path).filename().string());
            candidates.push_back(std::move(c));
            candidatesDce.push_back(std::move(dce));
            hashes.push_back(file.value()->sha256());
            paths.push_back(path);
        }
    } else {
        const ZooOptions zoo = adaptZooOptions(options.inputSize);
        const std::vector<std::string>& families = zooFamilies();
        // Generated, read and viewed on every core, each into its own slot (the order stays).
        struct Generated {
            std::pair<TransferCandidate, TransferCandidate> views;
            std::string bytes;
        };
        const size_t count = families.size() * size_t(std::max(options.seedsPerFamily, 0));
        std::vector<std::optional<Generated>> generated(count);
        parallelFor(
            count,
            [&](size_t i) {
                const std::string& family = families[i % families.size()];
                Result<ZooModel> z = generateZooModel(family, kAdaptFirstSeed + uint32_t(i / families.size()), zoo);
                if (!z) return;
                Result<std::shared_ptr<const ModelFile>> file = ModelFile::fromBytes(z.value().bytes, z.value().name, options.measure.load);
                if (!file) return;
                generated[i] = Generated{viewsOf(*file.value(), z.value().name + " " + z.value().description), std::move(z.value().bytes)};
            },
            [&](size_t item, size_t done) {
                report01(0.2 * double(done) / double(count), families[item % families.size()]);
                return !(progress && progress->isCancelled());
            });
        if (progress && progress->isCancelled()) return Error{ErrorCode::Cancelled, "adapt: cancelled."};
        for (auto& g : generated) {
            if (!g || (options.maxSourceMs > 0 && g->views.first.sourceMs > options.maxSourceMs)) continue;
            candidates.push_back(std::move(g->views.first));
            candidatesDce.push_back(std::move(g->views.second));
            candidateBytes.push_back(std::move(g->bytes));
        }
        if (candidates.empty())
            return badInput(
                fmt::format("adapt: no generated network{} is predicted under {} ms by the source; {}give your own networks (--models).",
                            options.inputSize > 0 ? fmt::format(" with a {0} x {0} input", options.inputSize) : "", options.maxSourceMs,
                            options.inputSize > 0 ? "choose another input size or " : ""));
    }

    // The networks: all given files, or the chosen candidates.
    std::vector<size_t> chosen;
    if (!options.modelPaths.empty())
        for (size_t i = 0; i < candidates.size(); ++i) chosen.push_back(i);
    else
        chosen = chooseTransferNetworks(candidates, size_t(options.networks), options.seed);
    if (options.modelPaths.empty() && chosen.size() < size_t(options.networks))
        report.warnings.push_back(fmt::format(
            "{} networks were asked for, but only {} {} could be chosen from: all of them were used.", options.networks, chosen.size(),
            options.dataset.empty() ? fmt::format("generated networks predicted under {} ms", options.maxSourceMs)
                                    : fmt::format("models of dataset '{}' with a time on {} (adapt draws at most {} of them)",
                                                  options.dataset, target.id, options.datasetCandidates)));
    {
        std::set<std::string> all, got;
        for (const auto& [type, t] : source.predictor()->types) all.insert(type);
        for (size_t i : chosen) got.insert(candidates[i].kernelTypes.begin(), candidates[i].kernelTypes.end());
        for (const std::string& t : all)
            if (!got.count(t)) report.uncoveredTypes.push_back(t);
    }

    // Their times on the target (and, when measuring, the groups' kernel ratios).
    TransferOptions transfer = options.transfer;
    std::vector<TransferNetwork> networks;
    std::vector<size_t> used;  // candidate index of each network
    std::vector<double> referenceMs;
    UsualSpeed usual;     // the target's, from its earlier measurements (referenceMs 0: too few)
    double unitMs = 0;    // the reference time at which the networks' times are taken (0: raw times)
    std::string timesAt;  // said in the record when that is not the session's
    std::string runtimeVersion, cpuModel;
    if (!options.dataset.empty()) {
        for (size_t i : chosen) {
            const TransferCandidate& c = candidates[i];
            networks.push_back(
                {c.name, c.groupMs, c.kernels, datasetMs[i], c.groupKernels, c.groupMflops, c.movedMb, c.groupMovedMb, c.groupKernelMs});
            used.push_back(i);
        }
        // No CPU: the times come from a table measured elsewhere (the adaptation record names it).
    } else {
        std::vector<std::string> toMeasure;
        std::optional<ScratchFolder> networksFolder;
        if (!options.modelPaths.empty()) {
            for (size_t i : chosen) toMeasure.push_back(paths[i]);
        } else {
            if (options.cacheDir.empty()) return badInput("adapt: no folder for the generated networks was given.");
            // Written only to be measured (their times are stored; evaluate generates them again).
            Result<ScratchFolder> folder =
                ScratchFolder::create((std::filesystem::path(options.cacheDir) / target.id / "adapt").string(), options.cacheDir);
            if (!folder) return folder.error();
            networksFolder.emplace(std::move(folder.value()));
            for (size_t i : chosen) {
                Result<std::string> written = writeGeneratedModel(networksFolder->path(), candidateBytes[i]);
                if (!written) return written.error();
                toMeasure.push_back(written.value());
            }
        }
        const double networksShare = options.kernelsPerGroup > 0 ? 0.45 : 0.75;  // of the progress; kernels get the rest
        const std::string startedAtUtc = utcNowIso8601();                        // what the device had before: its usual speed
        Progress inner([&](double f, const std::string& msg) {
            if (progress && progress->isCancelled()) inner.cancel();
            report01(0.2 + networksShare * f, msg);
        });
        const std::vector<ModelReport> measured = measureModels(toMeasure, target, options.measure, &inner);
        networksFolder.reset();
        std::vector<ModelReport> usable;  // parallel to networks
        std::vector<std::string> usableNames;
        for (size_t k = 0; k < measured.size(); ++k) {
            const ModelReport& m = measured[k];
            if (!m.ok) {
                problems.push_back(fmt::format("{}: not measured: {}", candidates[chosen[k]].name, m.error));
                report.warnings.push_back(problems.back());
                continue;
            }
            if (const std::string w = unsteadyWarning(m, candidates[chosen[k]].name); !w.empty()) report.warnings.push_back(w);
            runtimeVersion = m.runtimeVersion;
            cpuModel = m.machine.cpuModel;
            const TransferCandidate& c = candidates[chosen[k]];
            networks.push_back({c.name, c.groupMs, c.kernels, m.stats.medianMs, c.groupKernels, c.groupMflops, c.movedMb, c.groupMovedMb,
                                c.groupKernelMs});
            usable.push_back(m);
            usableNames.push_back(c.name);
            used.push_back(chosen[k]);
            if (hashes.size() < candidates.size()) hashes.resize(candidates.size());
            hashes[chosen[k]] = m.modelHash;
        }
        // With the reference workload in every round, each network's time at one machine speed
        // (the session's median reference time, or the device's usual one): the machine's drift
        // between networks, and between sessions when stored measurements are reused, drops out.
        // Not when the reference's own rounds were in two modes: XNNPACK at 2 threads on the
        // 2-core VM with a thread pool per model spread them up to 35 times their median beside
        // one network (its batches' medians 0.47 to 5.8 ms), and a ratio to such a reference is
        // worse than the raw time.
        const bool anyReference = std::any_of(usable.begin(), usable.end(),
                                              [](const ModelReport& m) { return m.reference.median > 0 || !m.referenceError.empty(); });
        if (const std::string why = referenceUnusableReason(usable, usableNames); !why.empty()) {
            if (anyReference) report.warnings.push_back(why + ": the networks' raw times are used, not their ratios to it.");
        } else if (!usable.empty()) {
            // This session's speed is that of the networks measured now (a network reused from the
            // store carries its own session's reference time); all of them when none is new.
            for (const ModelReport& m : usable) referenceMs.push_back(m.reference.referenceMs);
            std::vector<double> nowMs = referenceTimesMeasuredNow(usable);
            if (nowMs.empty()) nowMs = referenceMs;
            const double sessionMs = quantile(nowMs, 0.5);
            const auto [lowRef, highRef] = std::minmax_element(nowMs.begin(), nowMs.end());
            if (*highRef > 1.3 * sessionMs || *lowRef < sessionMs / 1.3)
                report.warnings.push_back(
                    fmt::format("the machine's speed moved between the networks' batches (the reference workload took {:.3f} to {:.3f} "
                                "ms): each network's time is taken at the median reference time, {:.3f} ms.",
                                *lowRef, *highRef, sessionMs));
            // The device's usual speed: what was stored before this adapt began. Networks reused
            // from an earlier session count there like any earlier measurement; those measured now
            // do not.
            if (options.measure.store)
                usual = usualSpeed(earlierReferenceTimes(*options.measure.store, target.id, cpuModel, runtimeVersion, {}, startedAtUtc));
            unitMs = sessionMs;
            const std::string phase = machinePhaseWarning("adapt's networks were", target.id, sessionMs, usual);
            if (options.atUsualSpeed && usual.referenceMs > 0) {
                unitMs = usual.referenceMs;
                timesAt = fmt::format(
                    ", taken at the device's usual speed (the reference workload's {:.3f} ms, over {} earlier measurements "
                    "in {} {}; {:.3f} ms during adapt)",
                    usual.referenceMs, usual.measurements, usual.sessions, usual.sessions == 1 ? "session" : "sessions", sessionMs);
                if (!phase.empty())
                    report.warnings.push_back(phase +
                                              ". The adapted predictor predicts in ms at the device's usual speed; if this session's is "
                                              "its speed from now on (a power mode, another host), adapt again with "
                                              "`--at-session-speed`.");
            } else if (!phase.empty()) {
                // Asked for the session's speed: the predictor's milliseconds are this phase's.
                report.warnings.push_back(phase +
                                          ". As asked, the adapted predictor predicts in ms at this session's speed (its times at "
                                          "the reference speed, `evaluate --at-reference-speed`, are not affected).");
            }
            for (size_t k = 0; k < networks.size(); ++k) networks[k].measuredMs = usable[k].reference.median * unitMs;
        }
        timesFrom = "measured by adapt" + (cpuModel.empty() ? std::string() : " on " + cpuModel) + timesAt;
        if (options.kernelsPerGroup > 0 && networks.size() >= 3) {
            std::map<std::string, double> groups;  // source time over the candidates
            for (const TransferCandidate& c : candidates)
                for (const auto& [g, ms] : c.groupMs) groups[g] += ms;
            Progress kernelProgress([&](double f, const std::string& msg) {
                if (progress && progress->isCancelled()) kernelProgress.cancel();
                report01(0.2 + networksShare + 0.3 * f, "kernels: " + msg);
            });
            const Device& kernelDevice = options.kernelDevice ? *options.kernelDevice : target;
            double kernelReferenceMs = 0;  // the reference workload's median round beside the kernels
            Result<std::vector<AdaptedKernelGroup>> ratios =
                measureAnchorKernels(kernelDevice, *bare.predictor(), groups, options, !referenceMs.empty(), &kernelProgress,
                                     report.warnings, kernelReferenceMs);
            if (!ratios) return ratios.error();
            report.kernelGroups = std::move(ratios).value();
            if (!report.kernelGroups.empty() && kernelDevice.id != target.id) report.kernelDevice = kernelDevice.id;
            // The power form of the kernels' fits, for a target of the source's runtime only: across
            // runtimes the kernels' ratios scatter by orders of magnitude and the power form
            // followed the scatter (xnnpack-t1 -> opencv-t1, docs/adapt.md). It prices a kernel
            // from the source's time of it, which a built source's regressors give directly; an
            // adapted source's carry group scales and exponents of its own, which one exponent per
            // group cannot compose.
            const bool powerForm = target.runtime == source.predictor()->runtime && bare.predictor()->groupScale.empty() &&
                                   bare.predictor()->groupExponent.empty();
            // Across runtimes, some groups priced by their kernels' work (priceByWork).
            const bool anotherRuntime = target.runtime != source.predictor()->runtime;
            for (AdaptedKernelGroup& k : report.kernelGroups) {
                k.pricedByWork = priceByWork(k, anotherRuntime);
                transfer.groupAnchor[k.group] = {k.scale,      k.fixedMs,      k.ratio,          powerForm ? k.powerScale : 0.0,
                                                 k.exponent,   k.pricedByWork, k.workMsPerMflop, k.workMsPerMb,
                                                 k.workFixedMs};
            }
            // What the target's threads gain over the kernels' on the reference workload, where
            // both were timed with it.
            const double threadsGain = kernelReferenceMs > 0 && !referenceMs.empty() ? kernelReferenceMs / quantile(referenceMs, 0.5) : 0.0;
            transfer = withKernelsTimedOn(transfer, target, kernelDevice, source.predictor()->runtime, options.sourceThreads, threadsGain);
        }
    }
    if (networks.size() < 3) {
        // What was offered and why the rest have no time, so that the one line says what to mend.
        std::string why;
        for (size_t i = 0; i < problems.size() && i < 3; ++i) {
            std::string p = problems[i];
            if (!p.empty() && p.back() == '.') p.pop_back();  // they are sentences; here, parts of one
            why += (i ? "; " : " (") + p;
        }
        if (!why.empty()) why += problems.size() > 3 ? fmt::format("; and {} more)", problems.size() - 3) : ")";
        const std::string of =
            !options.dataset.empty()
                ? fmt::format("dataset '{}' has {} model{} timed on it{}", options.dataset, offered, offered == 1 ? "" : "s",
                              networks.size() < offered ? fmt::format(", {} usable", networks.size()) : "")
                : fmt::format("{} of {} have one", networks.size(), options.modelPaths.empty() ? chosen.size() : offered);
        return badInput(fmt::format("adapt: {} needs at least 3 networks with a time on it; {}{}.", target.id, of, why));
    }
    // Each chosen network weighs in the fit half by an equal share and half by the share of the
    // candidates it stands for (representedShares): the choice spreads the networks to the edges
    // of what the candidates cover, and with equal weights a network like few others (a cell of
    // four skip connections) pulled the fit as much as one like many (docs/adapt.md, "Weights").
    // Networks the user gave stand for themselves.
    if (options.modelPaths.empty()) {
        const std::vector<double> shares = representedShares(candidates, used);
        for (size_t k = 0; k < networks.size(); ++k) networks[k].weight = 0.5 + 0.5 * shares[k] * double(used.size());
    }
    Result<TransferFit> fit = fitTransfer(networks, transfer);
    if (!fit) return badInput(fmt::format("adapt {} from {}: {}", target.id, source.deviceId(), fit.error().message));
    report.fit = fit.value();
    // Whether the target runs the operations no one reads: when its runtime may not
    // (mayDropUnreadOps) and some network has such operations, the fit on the networks without
    // them is tried too, and kept if its GCV error is lower (a runtime that removes dead code; the
    // benchmark's cells on a Pixel 3). Otherwise the two views are one and nothing differs.
    bool dropsUnread = false;
    {
        std::vector<TransferNetwork> pruned = networks;
        bool differs = false;
        for (size_t k = 0; k < pruned.size(); ++k) {
            const TransferCandidate& d = candidatesDce[used[k]];
            differs = differs || d.kernels != pruned[k].kernels;
            pruned[k].groupMs = d.groupMs;
            pruned[k].groupKernelMs = d.groupKernelMs;
            pruned[k].groupKernels = d.groupKernels;
            pruned[k].groupMflops = d.groupMflops;
            pruned[k].movedMb = d.movedMb;
            pruned[k].groupMovedMb = d.groupMovedMb;
            pruned[k].kernels = d.kernels;
        }
        if (differs)
            if (Result<TransferFit> alt = fitTransfer(pruned, transfer);
                alt && alt.value().generalisedCvRmspe < report.fit.generalisedCvRmspe) {
                report.fit = alt.value();
                dropsUnread = true;
                networks = std::move(pruned);
                for (size_t k = 0; k < used.size(); ++k) candidates[used[k]] = candidatesDce[used[k]];
            }
    }

    // The target's predictor: the source's regressors, its rules, the fitted terms.
    const PredictorSet& src = *source.predictor();
    const PredictorSet& bareSet = *bare.predictor();
    PredictorSet p = src;
    p.deviceId = target.id;
    p.runtime = target.runtime;
    p.runtimeVersion = runtimeVersion;
    p.cpuModel = cpuModel;
    p.logicalCores = 0;
    p.builtAtUtc = utcNowIso8601();
    p.command = options.command;
    p = withFittedTerms(std::move(p), bareSet, report.fit);
    p.dropsUnreadOps = dropsUnread || bareSet.dropsUnreadOps;
    if (dropsUnread) report.fit.terms += "+drops unread operations";
    p.referenceMs = unitMs;
    p.regressorReferenceMs = 0;
    p.calibration = {
        p.overheadMs, p.kernelScale, p.perKernelMs, networks.size(), report.fit.within10, report.fit.rmspe, "adapted: " + report.fit.terms};
    p.rulesJson = ruleSetToJson(*source.rules());
    Adaptation a;
    a.sourceDevice = source.deviceId();
    a.sourceRuntime = src.runtime;
    a.sourceRuntimeVersion = src.runtimeVersion;
    a.sourceCpuModel = src.cpuModel;
    a.sourceBuiltAtUtc = src.builtAtUtc;
    a.timesFrom = timesFrom;
    a.terms = report.fit.terms;
    a.commonScale = report.fit.commonScale;
    a.rmspe = report.fit.rmspe;
    a.leaveOneOutRmspe = report.fit.leaveOneOutRmspe;
    a.within10 = report.fit.within10;
    a.leaveOneOutWithin10 = report.fit.leaveOneOutWithin10;
    for (size_t k = 0; k < networks.size(); ++k)
        a.networks.push_back({networks[k].name, used[k] < hashes.size() ? hashes[used[k]] : std::string(), networks[k].measuredMs,
                              candidates[used[k]].sourceMs * src.kernelScale / bareSet.kernelScale + src.overheadMs +
                                  src.perKernelMs * candidates[used[k]].kernels,
                              report.fit.fittedMs[k], report.fit.leaveOneOutMs[k], networks[k].weight});
    a.kernelGroups = report.kernelGroups;
    a.kernelDevice = report.kernelDevice;
    a.earlierReferenceMs = usual.referenceMs;
    a.earlierMeasurements = usual.referenceMs > 0 ? int(usual.measurements) : 0;
    p.adaptation = std::move(a);
    report.predictor = std::move(p);
    report01(1.0, "fitted");
    return report;
}

}  // namespace km
