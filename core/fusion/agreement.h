// SPDX-License-Identifier: Apache-2.0
// How well a partition matches the fusion a runtime reports about itself (OpenCV DNN's zero-time
// layers grouped with the layer that executes them). docs/fusion.md reports it per network.
#pragma once

#include <string>
#include <vector>

#include "fusion/partition.h"

namespace km {

struct Agreement {
    int nodes = 0;                       // graph nodes compared
    int agreeing = 0;                    // nodes whose kernel has exactly the members of their runtime group
    std::vector<std::string> differing;  // names of the others, in graph order
    double share() const { return nodes ? double(agreeing) / nodes : 0; }
};

// `runtimeGroups`: groups of graph node names the runtime executes together (a node in no group
// runs alone). Node names the graph does not have are ignored.
Agreement compareWithRuntime(const Graph& graph, const KernelPartition& partition,
                             const std::vector<std::vector<std::string>>& runtimeGroups);

}  // namespace km
