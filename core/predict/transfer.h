// SPDX-License-Identifier: Apache-2.0
// Carrying a predictor to another device from a few measured networks (docs/adapt.md). The source
// predictor's kernel predictions of each network are summed per transfer group; the target's
// network time is fitted as
//     ms = overhead + perKernel x kernels + sum over groups g of scale_g x (source ms of group g)
// minimising the squared relative error (each network's times its weight), with every scale_g
// pulled toward one common scale by a penalty (shrinkage) whose strength, and whether the overhead
// and per-kernel terms are used, are chosen by generalised cross-validation (GCV) over the
// networks. Groups the networks say little about keep the common scale; groups they separate
// clearly (depthwise against dense convolution, a GPU's per-kernel launch cost) get their own. When
// a few kernels of each group were measured on the target (TransferOptions::groupAnchor), the same
// fits are also made with each group's times taken through its kernels' fit, so the networks fit
// only what kernels measured alone miss; those are kept unless a free scaling is clearly better
// (GCV RMSPE at least 20% lower), or always for a target that runs the source's kernels
// (TransferOptions::throughKernelsOnly). A second family of candidates leaves the source's times
// out and fits a cost per kernel of each group instead (shrunk toward one common cost):
//     ms = overhead + sum over groups g of cost_g x (kernels of group g)
// which is what a device whose kernels cost the same whatever their size looks like (a GPU
// bound by launches, or networks that differ only in which operations they use, as the cells of
// NAS-Bench-201 do); groups sharing a root (transferRootOf) share their cost. A third family also
// leaves them out and prices the work instead:
//     ms = overhead + perKernel x kernels + sum over groups g of rate_g x (MFLOPs of group g)
//          + perMb x (MB the kernels move)
// (rates shrunk toward one common rate): a machine on which the source's kernel times are no
// guide but arithmetic and memory traffic are. GCV chooses within each family, and a family that
// leaves the source's times out must beat the best scaling of them by a clear margin (GCV RMSPE
// at least 20% lower).
#pragma once

#include <array>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"
#include "predict/features.h"

namespace km {

// The transfer group of a kernel: its type, with convolution-rooted types split into 1x1 and
// larger kernels ("conv-relu@1x1"), which scale differently across machines (a 1x1 convolution is
// a plain matrix product; larger ones use other algorithms). Coarser groups (by the first op's
// family) predicted left-out networks worse on three of four devices (docs/adapt.md).
std::string transferGroupOf(const std::string& kernelType, int64_t kernelSize);
// The same from a kernel's features (its kernel_h; a missing one counts as 1), with a depthwise
// window of 7 or more apart (kLargeDepthwiseWindow appended: "dwconv-relu6~dw7",
// "conv-relu6-dwconv-relu6@1x1~dw7"): XNNPACK has no specialised path for such windows and ran
// them at 0.24-0.53 ms per MFLOP where 3x3 and 5x5 ran at 0.02-0.05 (docs/adapt.md), which
// neither another runtime's times nor a group's work tell.
inline constexpr const char* kLargeDepthwiseWindow = "~dw7";
std::string transferGroupOf(const std::string& kernelType, const KernelFeatures& features);
// The group without the large-window mark: what predictors adapted before the split call it.
std::string wholeTransferGroupOf(const std::string& group);
// A group's value in a predictor's per-group terms: its own, else its whole group's (a predictor
// adapted before the split); nullptr when neither is there.
const double* groupValueOf(const std::map<std::string, double>& values, const std::string& group);
// A group's root: its first op, with the size class of a convolution and the large-window mark
// ("conv-relu@kxk" -> "conv@kxk", "add-relu" -> "add", "dwconv-relu6~dw7" -> "dwconv~dw7").
// Kernel costs are fitted per root: a fused activation adds little to a kernel's cost, while a
// cost per fusion variant doubled the free terms and 10 networks could no longer pin them down
// (docs/adapt.md).
std::string transferRootOf(const std::string& group);
// Whether a group's kernels only move data (its first op a concat, split, channel shuffle,
// reshape, flatten, transpose, pad, slice, gather, resize or identity).
bool isCopyGroup(const std::string& group);

struct TransferNetwork {
    std::string name;
    std::map<std::string, double> groupMs;       // the source's kernel predictions summed per group (no model-level terms)
    double kernels = 0;                          // kernels predicted
    double measuredMs = 0;                       // on the target (> 0)
    std::map<std::string, double> groupKernels;  // kernels predicted, per group (sums to kernels)
    std::map<std::string, double> groupMflops;   // MFLOPs of the kernels predicted, per group
    double movedMb = 0;                          // MB the kernels predicted read and write (weights included)
    std::map<std::string, double> groupMovedMb;  // the same per group (sums to movedMb; empty: not known)
    // Each predicted kernel's source ms, per group (sums to groupMs). Empty: only the sums are
    // known, and the power form of the kernels' fits (KernelAnchor) is not tried.
    std::map<std::string, std::vector<double>> groupKernelMs;
    // How much the network counts in the fit and in the choice among candidate fits (> 0, relative
    // to the others'): adapt weighs a network it chose by how many of the candidates it stands
    // for (workflows/adapt_predictor.h, representedShares).
    double weight = 1;
};

// A group's kernels on the target against the source: target ms = scale x source ms + fixedMs
// (in the target's kernel unit; only their ratios between groups matter), and the kernels' median
// ratio of the two. Where a kernel's ratio moves with its size, the power form follows it:
// target ms = powerScale x source ms ^ exponent (powerScale 0: not fitted).
// Priced by work instead (byWork): target ms = workMsPerMflop x MFLOPs + workMsPerMb x MB moved +
// workFixedMs per kernel, for another runtime's kernels whose work tells their time better than
// the source's time of them does (the ratio still weighs the group in the typical ratio).
struct KernelAnchor {
    double scale = 0, fixedMs = 0, ratio = 0;
    double powerScale = 0, exponent = 1;
    bool byWork = false;
    double workMsPerMflop = 0, workMsPerMb = 0, workFixedMs = 0;
};

struct TransferOptions {
    // Shrinkage strengths tried (in networks' worth of squared relative error per unit of
    // relative scale difference); "infinite" (one common scale) is always tried too.
    std::vector<double> shrinkage{0.01, 0.03, 0.1, 0.3, 1, 3, 10};
    bool perKernelTerm = true;  // allow the per-kernel cost
    bool overheadTerm = true;   // allow the per-model overhead
    bool kernelCosts = true;    // also try the per-group kernel costs (without the source's times)
    bool workRates = true;      // also try the per-group FLOP rates and memory rate (without them)
    // Per group: how a few of its kernels measured on the target relate to the source's times of
    // them (workflows/adapt_kernels.h). When given, the fits that scale the source's times take
    // each group's times through its kernel fit first, so the networks only fit what a kernel
    // measured alone misses inside a network. Where every network has its kernels' times
    // (TransferNetwork::groupKernelMs) and some group a power fit, the same candidates are also
    // tried with each such group's kernels through it (a x t^b summed over its kernels); GCV
    // chooses between the two forms like between any candidates, a tie keeping the affine one.
    std::map<std::string, KernelAnchor> groupAnchor;
    // With groupAnchor: scale the source's times only through the kernels' fits, never freely.
    // For a target that runs the source's kernels as the source measured them (the same runtime
    // and threads), where a kernel measured alone tells its group's scale and ten networks can
    // only add noise to it. Otherwise a free scaling is taken when clearly better (above).
    bool throughKernelsOnly = false;
    // With groupAnchor: also try one common scale of the kernels' fits with the groups that only
    // copy data (concat, split, channel shuffle, ...: isCopyGroup) under one scale of their own,
    // where some network spends at least 5% of its time copying. For a target at other threads
    // than its kernels were timed at: a runtime may copy on one thread whatever its threads (OpenCV
    // ran ShuffleNet V2 at 2 threads in 0.87-0.90 of its 1-thread time, networks of convolutions in
    // 0.50-0.64; docs/adapt.md).
    bool copiesApart = false;
    // With copiesApart: the copies' scale at most this many times the others' (0: no bound), and
    // exactly this many times is tried too. What the target's threads gain over those the kernels
    // were timed at (the reference workload's speed-up, at most the threads' ratio): copies on one
    // thread, the rest sped up by every thread.
    double copiesRatioCap = 0;
};

struct TransferFit {
    double overheadMs = 0, perKernelMs = 0;
    // The scaled source times: a scale per group seen in the networks and the common one for
    // other groups (0 and empty when they are left out).
    double commonScale = 1;
    std::map<std::string, double> groupScale;
    // Fits through the kernels' fits (TransferOptions::groupAnchor): every group measured has a
    // scale, also those no network has, and its own cost per kernel here (on top of perKernelMs).
    std::map<std::string, double> groupFixedMs;
    // The power form of the kernels' fits chosen: each group fitted so, with its exponent; its
    // groupScale then multiplies the source ms ^ exponent of each kernel (and it has no fixed ms).
    std::map<std::string, double> groupExponent;
    // Kernel costs in the fit: the cost per kernel of every group seen and of every root seen
    // (transferRootOf), in groupKernelMs; perKernelMs is the cost of any other kernel.
    bool kernelCosts = false;
    std::map<std::string, double> groupKernelMs;
    // Work rates in the fit: ms per MFLOP per group (every group seen) and for other groups, and
    // ms per MB moved. A fit through the kernels fills groupMsPerMflop and groupMsPerMb too, for
    // the groups priced by their kernels' work (KernelAnchor::byWork): their groupScale is 0 and
    // their kernels cost these rates on top of groupFixedMs.
    bool workRates = false;
    std::map<std::string, double> groupMsPerMflop, groupMsPerMb;
    double msPerMflop = 0, msPerMb = 0;
    double shrinkage = 0;  // the strength chosen; < 0: one common scale, cost or rate
    std::string terms;     // e.g. "group scales (shrinkage 0.3)+overhead"
    // Per network used (those with a measured time and a prediction, in order): by the fit on
    // all of them, and by the fit on the others.
    std::vector<double> fittedMs, leaveOneOutMs;
    double rmspe = 0, leaveOneOutRmspe = 0;  // relative errors, as fractions
    double within10 = 0, leaveOneOutWithin10 = 0;
    // What the choice was made on: generalised cross-validation, the in-sample RMSPE over
    // (1 - effective parameters / networks), of the candidate chosen and of the best of each
    // family (scaled source times, kernel costs, work rates; -1 where not tried).
    double generalisedCvRmspe = 0;
    std::array<double, 3> familyGeneralisedCvRmspe{-1, -1, -1};
    // The lowest left-out RMSPE of any candidate of each family, for comparison (not chosen on;
    // weighted like the fit). rmspe and leaveOneOutRmspe below weigh every network alike.
    std::array<double, 3> familyLeaveOneOutRmspe{-1, -1, -1};
};

// At least 3 networks with a measured time and some predicted kernel time; else BadInput.
Result<TransferFit> fitTransfer(const std::vector<TransferNetwork>& networks, const TransferOptions& options = {});

}  // namespace km
