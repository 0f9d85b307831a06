#include "fusion/partition.h"

#include <algorithm>
#include <unordered_map>

namespace km {
namespace {

bool isUnknownOp(const std::string& opType) { return opType.rfind("other:", 0) == 0; }

// "se:2" -> "se"
std::string patternName(const std::string& group) { return group.substr(0, group.find(':')); }

// The kernel that producer `p` ends, if node `n` may be appended to it.
// `readers`: how many nodes read the tensor from `p` that `n` reads.
std::optional<int> joinableKernel(const Graph& g, const RuleSet& rules, const KernelPartition& part,
                                  const std::vector<size_t>& tails, size_t p, const Node& n, uint32_t readers) {
    const int k = part.kernelOfNode[p];
    const Kernel& kernel = part.kernels[size_t(k)];
    if (tails[size_t(k)] != p || kernel.unknown || kernel.pattern) return std::nullopt;
    const Node& producer = g.nodes()[p];
    const bool fuses = kernel.nodes.size() >= 2
                           ? rules.fusesAfter(g.nodes()[kernel.nodes[kernel.nodes.size() - 2]].opType, producer.opType, n.opType)
                           : rules.fuses(producer.opType, n.opType);
    if (!fuses) return std::nullopt;
    if (readers > 1 && !rules.fusesWithOtherConsumers(producer.opType)) return std::nullopt;
    return k;
}

void fillConfig(const Graph& g, Kernel& k) {
    const auto& nodes = g.nodes();
    // A kernel has a handful of members: linear scans over tensor addresses beat any set.
    auto producedInside = [&](size_t node, size_t input) {
        const int32_t p = g.links(node).producers[input];
        return p >= 0 && std::find(k.nodes.begin(), k.nodes.end(), size_t(p)) != k.nodes.end();
    };
    std::vector<const Tensor*> seen;
    for (size_t i : k.nodes) {
        const NodeLinks& l = g.links(i);
        for (size_t j = 0; j < l.inputs.size(); ++j) {
            const Tensor* t = l.inputs[j];
            if (!t || t->isConstant || producedInside(i, j) || std::find(seen.begin(), seen.end(), t) != seen.end()) continue;
            seen.push_back(t);
            k.config.inputShapes.push_back(t->shape.dims);
        }
    }
    if (const Tensor* out = g.firstOutput(k.nodes.back())) k.config.outputShape = out->shape.dims;
    k.config.attrs = nodes[k.nodes.front()].attrs;
}

}  // namespace

KernelPartition partitionGraph(const Graph& g, const RuleSet& rules) {
    const auto& nodes = g.nodes();
    KernelPartition part;
    part.kernelOfNode.assign(nodes.size(), -1);
    std::vector<size_t> tails;                          // per kernel: its last node so far
    std::unordered_map<std::string, int> patternKernel;  // pattern group -> kernel id

    auto startKernel = [&](size_t i) {
        Kernel k;
        k.id = int(part.kernels.size());
        k.nodes.push_back(i);
        k.unknown = isUnknownOp(nodes[i].opType);
        part.kernels.push_back(std::move(k));
        tails.push_back(i);
        part.kernelOfNode[i] = part.kernels.back().id;
        return part.kernels.back().id;
    };
    auto append = [&](int k, size_t i) {
        part.kernels[size_t(k)].nodes.push_back(i);
        part.kernels[size_t(k)].unknown = part.kernels[size_t(k)].unknown || isUnknownOp(nodes[i].opType);
        tails[size_t(k)] = i;
        part.kernelOfNode[i] = k;
    };

    for (size_t i = 0; i < nodes.size(); ++i) {
        const Node& n = nodes[i];
        if (!n.patternGroup.empty()) {
            const std::string name = patternName(n.patternGroup);
            if (std::find(rules.patterns.begin(), rules.patterns.end(), name) != rules.patterns.end()) {
                auto it = patternKernel.find(n.patternGroup);
                if (it != patternKernel.end()) {
                    append(it->second, i);
                } else {
                    const int k = startKernel(i);
                    part.kernels[size_t(k)].pattern = true;
                    part.kernels[size_t(k)].type = name;
                    patternKernel.emplace(n.patternGroup, k);
                }
                continue;
            }
        }
        std::optional<int> target;
        if (!isUnknownOp(n.opType)) {
            const NodeLinks& l = g.links(i);
            for (size_t j = 0; j < l.inputs.size(); ++j) {
                const int32_t p = l.producers[j];  // graph inputs and initializers have none
                if (p < 0 || !l.inputs[j] || l.inputs[j]->isConstant) continue;
                if ((target = joinableKernel(g, rules, part, tails, size_t(p), n, l.inputReaders[j]))) break;
            }
        }
        if (target) append(*target, i);
        else startKernel(i);
    }
    for (Kernel& k : part.kernels) {
        if (!k.pattern) {
            k.type = nodes[k.nodes.front()].opType;
            for (size_t j = 1; j < k.nodes.size(); ++j) (k.type += '-') += nodes[k.nodes[j]].opType;
        }
        fillConfig(g, k);
    }
    return part;
}

}  // namespace km
