// SPDX-License-Identifier: Apache-2.0
// Splitting a graph into kernels: the groups of ops a runtime executes as one unit, found by
// applying a device's fusion rules (docs/fusion.md). Unlike nn-Meter's kernel search, a node joins
// a kernel when the rule (the kernel's LAST op so far, the node's op) holds, so conv -> bn -> relu
// needs conv_bn and bn_relu, not conv_relu.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fusion/rule_set.h"
#include "graph/graph.h"

namespace km {

// What a kernel's predictor needs to know about it.
struct KernelConfig {
    std::vector<std::vector<int64_t>> inputShapes;  // activation tensors entering from outside, in order
    std::vector<int64_t> outputShape;               // the last node's first output
    Attributes attrs;                               // the first (root) op's: kernel, stride, groups, ...
    Attributes innerAttrs;                          // the first conv/dwconv/gconv after the root's, if any
};

struct Kernel {
    int id = 0;                 // kernels are numbered in the order of their first (root) node
    std::string type;           // member op types joined by '-' ("conv-bn-relu"), or a pattern ("se")
    std::vector<size_t> nodes;  // graph node indices in execution order; nodes[0] is the root
    bool unknown = false;       // has an op KernelMeter has no canonical type for (other:*)
    bool pattern = false;       // formed by a multi-op pattern rather than pair rules
    KernelConfig config;
};

struct KernelPartition {
    std::vector<Kernel> kernels;
    std::vector<int> kernelOfNode;  // graph node index -> kernel id; every node is in exactly one
};

// Deterministic and linear in the graph's size. A node N with activation inputs produced by P
// joins P's kernel when P is that kernel's last node, the kernel is neither unknown nor a pattern,
// the rules fuse N's op after P's (rules.fusesAfter with the op before P when the kernel has one:
// a measured chain rule overrides the pair rule), and N is P's output's only reader (or
// rules.fusesWithOtherConsumers for P's op). Load the graph with rules.literalSpellings() kept
// literal. Inputs are tried in order; the first that qualifies wins. Nodes of a pattern group
// listed in rules.patterns form one kernel. Unknown ops (other:*) are kernels of their own.
//
// FusionAnchor::RootOp is nn-Meter's kernel search instead, kept for comparisons (evaluate's
// nn-Meter-faithful variant; docs/fusion.md): N joins when the pair rule (the kernel's FIRST
// op, N's op) holds, and chain rules are not consulted. Everything else as above.
enum class FusionAnchor { LastOp, RootOp };
KernelPartition partitionGraph(const Graph& graph, const RuleSet& rules, FusionAnchor anchor = FusionAnchor::LastOp);

}  // namespace km
