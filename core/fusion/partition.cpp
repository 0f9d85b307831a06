// SPDX-License-Identifier: Apache-2.0
#include "fusion/partition.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>

namespace km {
namespace {

bool isUnknownOp(const std::string& opType) { return opType.rfind("other:", 0) == 0; }

// "se:2" -> "se"
std::string patternName(const std::string& group) { return group.substr(0, group.find(':')); }

// The rule set's verdicts for the op types of one graph, each asked of the rule set once: a graph
// has a dozen distinct op types but hundreds of producer-consumer pairs.
class RuleMemo {
public:
    RuleMemo(const Graph& g, const RuleSet& rules) : m_rules(rules) {
        m_opOfNode.reserve(g.nodes().size());
        std::unordered_map<std::string_view, uint32_t> ids;
        for (const Node& n : g.nodes()) {
            auto [it, fresh] = ids.emplace(n.opType, uint32_t(m_ops.size()));
            if (fresh) m_ops.push_back(&n.opType);
            m_opOfNode.push_back(it->second);
        }
        const size_t n = m_ops.size();
        m_pairs.assign(n * n, kUnknown);
        m_multi.assign(n, kUnknown);
    }
    bool fuses(size_t first, size_t second) {
        const uint32_t a = m_opOfNode[first], b = m_opOfNode[second];
        int8_t& v = m_pairs[a * m_ops.size() + b];
        if (v == kUnknown) v = m_rules.fuses(*m_ops[a], *m_ops[b]);
        return v;
    }
    bool fusesAfter(size_t beforeLast, size_t last, size_t next) {
        const uint64_t n = m_ops.size();
        const uint32_t a = m_opOfNode[beforeLast], b = m_opOfNode[last], c = m_opOfNode[next];
        auto [it, fresh] = m_chains.emplace((uint64_t(a) * n + b) * n + c, int8_t(0));
        if (fresh) it->second = m_rules.fusesAfter(*m_ops[a], *m_ops[b], *m_ops[c]);
        return it->second;
    }
    bool fusesWithOtherConsumers(size_t producer) {
        int8_t& v = m_multi[m_opOfNode[producer]];
        if (v == kUnknown) v = m_rules.fusesWithOtherConsumers(*m_ops[m_opOfNode[producer]]);
        return v;
    }

private:
    static constexpr int8_t kUnknown = -1;
    const RuleSet& m_rules;
    std::vector<const std::string*> m_ops;  // distinct op types, by id
    std::vector<uint32_t> m_opOfNode;
    std::vector<int8_t> m_pairs, m_multi;
    std::unordered_map<uint64_t, int8_t> m_chains;
};

// The kernel that producer `p` ends, if node `n` may be appended to it.
// `readers`: how many nodes read the tensor from `p` that `n` reads.
std::optional<int> joinableKernel(RuleMemo& rules, const KernelPartition& part, const std::vector<size_t>& tails, size_t p, size_t n,
                                  uint32_t readers, FusionAnchor anchor) {
    const int k = part.kernelOfNode[p];
    const Kernel& kernel = part.kernels[size_t(k)];
    if (tails[size_t(k)] != p || kernel.unknown || kernel.pattern) return std::nullopt;
    const bool fuses = anchor == FusionAnchor::RootOp ? rules.fuses(kernel.nodes.front(), n)
                       : kernel.nodes.size() >= 2     ? rules.fusesAfter(kernel.nodes[kernel.nodes.size() - 2], p, n)
                                                      : rules.fuses(p, n);
    if (!fuses) return std::nullopt;
    if (readers > 1 && !rules.fusesWithOtherConsumers(p)) return std::nullopt;
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
    for (size_t i = 1; i < k.nodes.size(); ++i) {
        const std::string& op = nodes[k.nodes[i]].opType;
        if (op == "conv" || op == "dwconv" || op == "gconv") {
            k.config.innerAttrs = nodes[k.nodes[i]].attrs;
            break;
        }
    }
}

}  // namespace

KernelPartition partitionGraph(const Graph& g, const RuleSet& rules, FusionAnchor anchor) {
    const auto& nodes = g.nodes();
    KernelPartition part;
    part.kernelOfNode.assign(nodes.size(), -1);
    part.kernels.reserve(nodes.size());
    RuleMemo memo(g, rules);
    std::vector<size_t> tails;  // per kernel: its last node so far
    tails.reserve(nodes.size());
    std::unordered_map<std::string, int> patternKernel;  // pattern group -> kernel id

    auto startKernel = [&](size_t i) {
        Kernel k;
        k.id = int(part.kernels.size());
        k.nodes.reserve(4);  // most kernels have one to four members: one allocation, not three
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
                if ((target = joinableKernel(memo, part, tails, size_t(p), i, l.inputReaders[j], anchor))) break;
            }
        }
        if (target)
            append(*target, i);
        else
            startKernel(i);
    }
    for (Kernel& k : part.kernels) {
        if (!k.pattern) {
            size_t length = k.nodes.size() - 1;
            for (size_t j : k.nodes) length += nodes[j].opType.size();
            k.type.reserve(length);
            k.type = nodes[k.nodes.front()].opType;
            for (size_t j = 1; j < k.nodes.size(); ++j) (k.type += '-') += nodes[k.nodes[j]].opType;
        }
        fillConfig(g, k);
    }
    return part;
}

}  // namespace km
