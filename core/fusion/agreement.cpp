// SPDX-License-Identifier: Apache-2.0
#include "fusion/agreement.h"

#include <set>
#include <unordered_map>

namespace km {

Agreement compareWithRuntime(const Graph& g, const KernelPartition& part, const std::vector<std::vector<std::string>>& runtimeGroups) {
    const auto& nodes = g.nodes();
    std::unordered_map<std::string, size_t> indexOf;  // the file's node names, merged ones included
    for (size_t i = 0; i < nodes.size(); ++i) {
        indexOf.emplace(nodes[i].name, i);
        for (const auto& s : nodes[i].sourceNodes) indexOf.emplace(s, i);
    }
    std::vector<std::set<size_t>> runtimeOf(nodes.size());
    for (size_t i = 0; i < nodes.size(); ++i) runtimeOf[i] = {i};
    for (const auto& group : runtimeGroups) {
        std::set<size_t> members;
        for (const auto& name : group)
            if (auto it = indexOf.find(name); it != indexOf.end()) members.insert(it->second);
        for (size_t i : members) runtimeOf[i] = members;
    }
    Agreement a;
    for (size_t i = 0; i < nodes.size(); ++i) {
        const auto& k = part.kernels[size_t(part.kernelOfNode[i])].nodes;
        const std::set<size_t> ours(k.begin(), k.end());
        ++a.nodes;
        if (ours == runtimeOf[i])
            ++a.agreeing;
        else
            a.differing.push_back(nodes[i].name);
    }
    return a;
}

}  // namespace km
