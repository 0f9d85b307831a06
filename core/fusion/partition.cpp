#include "fusion/partition.h"

#include <algorithm>
#include <unordered_map>

namespace km {
namespace {

bool isUnknownOp(const std::string& opType) { return opType.rfind("other:", 0) == 0; }

// "se:2" -> "se"
std::string patternName(const std::string& group) { return group.substr(0, group.find(':')); }

// The kernel that producer `p` ends, if node `n` may be appended to it.
std::optional<int> joinableKernel(const Graph& g, const RuleSet& rules, const KernelPartition& part,
                                  const std::vector<size_t>& tails, size_t p, const Node& n, const std::string& tensor) {
    const int k = part.kernelOfNode[p];
    const Kernel& kernel = part.kernels[size_t(k)];
    if (tails[size_t(k)] != p || kernel.unknown || kernel.pattern) return std::nullopt;
    const Node& producer = g.nodes()[p];
    const bool fuses = kernel.nodes.size() >= 2
                           ? rules.fusesAfter(g.nodes()[kernel.nodes[kernel.nodes.size() - 2]].opType, producer.opType, n.opType)
                           : rules.fuses(producer.opType, n.opType);
    if (!fuses) return std::nullopt;
    if (g.consumersOf(tensor).size() > 1 && !rules.fusesWithOtherConsumers(producer.opType)) return std::nullopt;
    return k;
}

void fillConfig(const Graph& g, Kernel& k) {
    const auto& nodes = g.nodes();
    // Tensors by address (names are long; a kernel has a handful of members).
    std::vector<const std::string*> inside, seen;
    for (size_t i : k.nodes)
        for (const auto& out : nodes[i].outputs) inside.push_back(&out);
    auto contains = [](const std::vector<const std::string*>& v, const std::string& name) {
        return std::any_of(v.begin(), v.end(), [&](const std::string* s) { return *s == name; });
    };
    for (size_t i : k.nodes)
        for (const auto& name : nodes[i].inputs) {
            const Tensor* t = g.tensor(name);
            if (!t || t->isConstant || contains(inside, t->name) || contains(seen, t->name)) continue;
            seen.push_back(&t->name);
            k.config.inputShapes.push_back(t->shape.dims);
        }
    if (const Tensor* out = g.firstOutput(nodes[k.nodes.back()])) k.config.outputShape = out->shape.dims;
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
        if (!isUnknownOp(n.opType))
            for (const auto& name : n.inputs) {
                const auto p = g.producerOf(name);  // graph inputs and initializers have none
                if (!p) continue;
                if (const Tensor* t = g.tensor(name); !t || t->isConstant) continue;
                if ((target = joinableKernel(g, rules, part, tails, *p, n, name))) break;
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
