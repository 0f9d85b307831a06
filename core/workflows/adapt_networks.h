// SPDX-License-Identifier: Apache-2.0
// The networks adapt fits a transfer on (docs/adapt.md, points 1 and 2): the source's view of a
// candidate network (its kernel times per transfer group), the deterministic choice of N among the
// candidates, and the weight of each chosen one by the candidates it stands for.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "workflows/device_analyzer.h"
#include "zoo/zoo.h"

namespace km {

// What the choice of networks knows about one candidate: the source's view of it.
struct TransferCandidate {
    std::string name;
    std::map<std::string, double> groupMs;  // source kernel predictions per transfer group
    std::vector<std::string> kernelTypes;   // predicted by the source's own regressors (sorted, unique)
    double kernels = 0;
    double sourceMs = 0;                                       // sum of groupMs
    std::map<std::string, double> groupKernels;                // kernels predicted per transfer group
    std::map<std::string, double> groupMflops;                 // their MFLOPs per transfer group
    double movedMb = 0;                                        // MB they read and write
    std::map<std::string, double> groupMovedMb;                // the same per transfer group
    std::map<std::string, std::vector<double>> groupKernelMs;  // each kernel's source prediction, per transfer group
    // Share of sourceMs a runtime that simplifies arithmetic and removes dead code would not run
    // (graph.h, withoutUnreadNodes); set only when the target's runtime may be such a runtime
    // (mayDropUnreadOps: a table's device), whose networks must then also tell. 0 otherwise.
    double unreadShare = 0;
};

// Picks `count` candidates (indices, in choice order): first, greedily, those that add the most
// kernel types not yet covered (ties broken by a seeded order), then the one farthest from every
// chosen one in (log size, group shares, and the unread share when some candidate has one) until
// `count`. Deterministic in (candidates, count, seed).
std::vector<size_t> chooseTransferNetworks(const std::vector<TransferCandidate>& candidates, size_t count, uint32_t seed);

// How many of the candidates each of `chosen` stands for: the share of all candidates nearer to
// it than to any other of `chosen`, in the space the choice spreads over (a tie goes to the one
// earlier in `chosen`); in the order of `chosen`, summing to 1. adapt weighs each chosen network
// in the fit by half this share (times the networks) and half an equal share (docs/adapt.md).
std::vector<double> representedShares(const std::vector<TransferCandidate>& candidates, const std::vector<size_t>& chosen);

// The source's view of a model: its kernel predictions without the source's model-level terms
// (scale, per-kernel cost, overhead), in the source's reference unit, summed per transfer group.
TransferCandidate transferCandidateOf(const DeviceAnalysis& bareSource, const std::string& name);
// The source predictor with its model-level terms removed (what transferCandidateOf expects).
// `keepUnreadOps`: for a target that runs every operation, the view keeps those nobody reads
// even where the source's predictor drops them (one adapted to a phone's table).
DeviceAnalyzer bareSourceOf(const DeviceAnalyzer& source, bool keepUnreadOps = false);

// The square input sizes (pixels) adapt generates networks at with AdaptOptions::inputSize.
inline const std::vector<int> kAdaptInputSizes{96, 128, 160, 192, 224, 256, 288, 320};
// adapt's generated networks: each zoo family's seeds from kAdaptFirstSeed (never those of
// benchmark or calibration datasets), with adaptZooOptions' input sizes: at most 224 x 224, or
// all at `inputSize` pixels when it is one of kAdaptInputSizes.
inline constexpr uint32_t kAdaptFirstSeed = 700001;
ZooOptions adaptZooOptions(int inputSize = 0);
// The side of `graph`'s image input when it is square and one of kAdaptInputSizes (the size to
// give adapt for networks like this one); 0 otherwise, or when the model has several inputs.
int adaptInputSizeOf(const Graph& graph);

}  // namespace km
