// SPDX-License-Identifier: Apache-2.0
// Cost metrics per node and per model. Conventions (docs/metrics.md):
//   MACs: multiply-accumulates of conv, dwconv, gconv, convtranspose, fc and matmul; 0 elsewhere.
//   FLOPs: 2 x MACs for those ops; for the others a fixed count per output element
//          (flopsPerElement below), or per input element for reductions (gap, reducemean).
//   params: elements of the float weight tensors of weighted ops (conv*, fc, bn, layernorm, matmul
//          with a constant operand); shape tensors and scalar constants are not parameters.
//   bytesRead: every input tensor (activations and weights); bytesWritten: every output tensor.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace km {

struct NodeMetrics {
    int64_t macs = 0;
    int64_t flops = 0;
    int64_t params = 0;
    int64_t bytesRead = 0;
    int64_t bytesWritten = 0;

    NodeMetrics& operator+=(const NodeMetrics& o);
};

// Floating-point operations per output element for element-wise ops (0 for pure data movement).
int64_t flopsPerElement(const std::string& opType);

NodeMetrics computeNodeMetrics(const Graph& graph, size_t nodeIndex);

struct GraphMetrics {
    std::vector<NodeMetrics> perNode;  // same order as graph.nodes()
    NodeMetrics total;
};
GraphMetrics computeGraphMetrics(const Graph& graph);

}  // namespace km
