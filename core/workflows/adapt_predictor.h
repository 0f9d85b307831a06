// SPDX-License-Identifier: Apache-2.0
// adaptPredictor: a predictor for a target device made from another device's predictor (the
// source) and a few networks whose times on the target are known: measured now through the
// target's agent with the normal protocol, or taken from a dataset of imported measurements
// (docs/adapt.md). The product chooses the networks itself: generated ones (never evaluation
// networks) that cover the source's kernel types and the range of network sizes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/progress.h"
#include "predict/transfer.h"
#include "workflows/adapt_networks.h"
#include "workflows/device_analyzer.h"
#include "workflows/measure_models.h"

namespace km {

struct AdaptOptions {
    int networks = 10;  // how many networks the transfer is fitted on (at least 3)
    uint32_t seed = 1;  // of the choice among candidates
    // Generated candidates: the zoo's families x this many seeds from 700001 (never the seeds of
    // benchmark datasets, from 1, or of calibration, from 900001), at most 224 x 224 (or `inputSize`).
    int seedsPerFamily = 6;
    // The side of the generated candidates' square input in pixels; 0: each family's sizes from
    // 96 to 224. A runtime's time for a network over the sum of its kernels' times can depend on
    // the input's size (XNNPACK's does), so networks at the size deployed carry better there.
    int inputSize = 0;
    // Candidates predicted by the source above this (at the source's speed) are not chosen: whole
    // networks take long to measure. 0: no limit.
    double maxSourceMs = 60;
    // Instead of chosen generated networks: these ONNX files (all used, none chosen).
    std::vector<std::string> modelPaths;
    // Instead of measuring: the models of this dataset with a time on the target (the choice picks
    // among up to `datasetCandidates` of them, drawn with the seed).
    std::string dataset;
    size_t datasetCandidates = 400;
    std::string datasetDb;         // the database holding it (empty: workflows/evaluation_data.h, openDatasetStore)
    MeasureModelsOptions measure;  // protocol and store (networks measured are stored and reused)
    std::string cacheDir;          // generated networks and kernels are written under <cacheDir>/<target>/adapt
                                   // and kernels/ while they are measured, then removed
    TransferOptions transfer;
    // When measuring: this many of the source's training kernels per transfer group of the
    // candidates (up to 4x for the groups holding the most of their time) are measured on the
    // target too (workflows/adapt_kernels.h), and fits through them are preferred
    // (TransferOptions::groupAnchor). 0: none (the networks alone).
    int kernelsPerGroup = 6;
    double maxKernelSourceMs = 5;  // kernels predicted longer than this (at the source's speed) are not chosen
    // The source device's threads (0: unknown). A target with the source predictor's runtime and
    // these threads runs the source's kernels as the source measured them: the networks are then
    // fitted only through the kernels measured on it (TransferOptions::throughKernelsOnly).
    int sourceThreads = 0;
    // Where the source's kernels are measured (kernelDeviceFor); unset: the target.
    std::optional<Device> kernelDevice;
    std::string command;  // recorded in the predictor's provenance
    // true (default): the networks' times are taken at the target's usual machine speed, the
    // reference time of its earlier measurements on the same CPU and runtime version (at least
    // kMinEarlierReferenceTimes of them, not of adapt's own networks; usualSpeed: the median of
    // their sessions' medians), so that a session met in a slow or fast phase of the machine does
    // not set the predictor's milliseconds; with fewer, or when the networks' times are raw (the
    // reference unusable), the session's. false: always the session's (the median reference time
    // of the networks' rounds), for a device whose speed changed for good (a board's power mode):
    // its earlier measurements then describe another machine.
    bool atUsualSpeed = true;
    // The caller has already told the user that the source's predictor is of another runtime
    // than the target's (the CLI, before measuring anything): the report then leaves that
    // warning out instead of giving it a second time.
    bool runtimeWarningGiven = false;
};

struct AdaptReport {
    PredictorSet predictor;  // the target's, ready to store
    TransferFit fit;
    std::vector<std::string> uncoveredTypes;       // source kernel types none of the networks has
    std::vector<std::string> warnings;             // networks not built, read or measured; a source of another runtime
    std::vector<AdaptedKernelGroup> kernelGroups;  // the groups' kernel ratios (empty: none measured)
    std::string kernelDevice;                      // the device they were measured on (empty: the target)
};

// Where adapt measures the source's kernels for `target`: the target itself, except when the target
// runs the source's runtime (`sourceRuntime`) at other threads than the source device's
// (`sourceThreads` > 0). Then the target's agent at the source's threads: the one of `known` with the
// target's runtime, transport, agent and settings at those threads, else `target` with those threads
// and the id "<target>@t<threads>" (no device id has an '@'). Kernels timed at the source's threads
// tell how the target's CPU runs them; the networks then fit the threads' effect as one scale
// (docs/adapt.md), where kernels timed at the target's threads on a 2-core machine drowned in noise.
Device kernelDeviceFor(const Device& target, const std::string& sourceRuntime, int sourceThreads, const std::vector<Device>& known);

// When an adapted predictor's networks met the machine more than kPhaseTolerance away from the
// target's usual speed then (Adaptation::earlierReferenceMs, recorded by adapt): a sentence for
// predict and the GUI saying so ("this predictor was adapted while its networks were measured on
// ..."); empty otherwise, for a built predictor, or when adapt had nothing earlier to compare with.
std::string adaptationPhaseNote(const PredictorSet& predictor);

// Whether adapt tries fitting `target` as a runtime that removes the operations whose results
// nobody reads (point 5 of docs/adapt.md): not when its runtime is known to run them
// (RuntimeTraits::runsUnreadOps), where that fit could only be chosen on the networks' noise.
bool mayDropUnreadOps(const Device& target);

// `options` for a fit with kernels of the source's types timed on `kernelDevice` (groupAnchor set
// by the caller). When they ran as the source ran them (its runtime `sourceRuntime` at its
// `sourceThreads`), the source's times are scaled only through their fits, with one scale on top
// (throughKernelsOnly, no group scales: ten networks do not tell a scale per group); for a target at
// other threads whose runtime copies on one thread (RuntimeTraits::copiesOnOneThread), the copies
// apart, up to what the threads gain: `threadsGain`, the reference workload's time beside the
// kernels over its time beside the networks, held between 1 and the threads' ratio (0: not
// measured, the threads' ratio). Otherwise `options` unchanged.
TransferOptions withKernelsTimedOn(TransferOptions options, const Device& target, const Device& kernelDevice,
                                   const std::string& sourceRuntime, int sourceThreads, double threadsGain = 0);

// Fails (BadInput) when the source has no predictor, or fewer than 3 networks end up with a time
// on the target.
Result<AdaptReport> adaptPredictor(const Device& target, const DeviceAnalyzer& source, const AdaptOptions& options,
                                   Progress* progress = nullptr);

}  // namespace km
