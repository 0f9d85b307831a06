// SPDX-License-Identifier: Apache-2.0
#include "graph/canonical_passes.h"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>

namespace km {
namespace {

struct Rewrite {
    std::vector<size_t> members;  // node indices replaced, in graph order
    std::string opType;
    std::string input;  // the activation the merged node reads
    Attributes attrs;
};

class Matcher {
public:
    explicit Matcher(const Graph& g) : m_g(g) {
        for (const auto& o : g.outputs) m_graphOutputs.push_back(o);
    }

    const Node& node(size_t i) const { return m_g.nodes()[i]; }

    // The only consumer of the node's first output, unless the output is also a model output.
    std::optional<size_t> onlyConsumer(size_t i) const {
        const Node& n = node(i);
        if (n.outputs.size() != 1) return std::nullopt;
        if (std::find(m_graphOutputs.begin(), m_graphOutputs.end(), n.outputs[0]) != m_graphOutputs.end()) return std::nullopt;
        const auto& c = m_g.consumersOf(n.outputs[0]);
        if (c.size() != 1) return std::nullopt;
        return c[0];
    }

    std::optional<double> scalar(const std::string& tensor) const {
        const Tensor* t = m_g.tensor(tensor);
        if (!t || !t->isConstant || t->values.size() != 1) return std::nullopt;
        return t->values[0];
    }

    // For a binary node: the input that is not `known`; nullopt unless `known` is one of two inputs.
    std::optional<std::string> otherInput(const Node& n, const std::string& known) const {
        if (n.inputs.size() != 2) return std::nullopt;
        if (n.inputs[0] == known) return n.inputs[1];
        if (n.inputs[1] == known) return n.inputs[0];
        return std::nullopt;
    }

    // A binary node with one scalar constant input close to `value`; returns the other input.
    std::optional<std::string> withScalar(const Node& n, double value) const {
        if (n.inputs.size() != 2) return std::nullopt;
        for (int k = 0; k < 2; ++k)
            if (auto v = scalar(n.inputs[k]); v && std::fabs(*v - value) < 1e-3) return n.inputs[1 - k];
        return std::nullopt;
    }

    // div by 6 or mul by 1/6
    bool isDivBySix(const Node& n, const std::string& input) const {
        if (n.sourceOp == "Div" && n.inputs.size() == 2 && n.inputs[0] == input)
            if (auto v = scalar(n.inputs[1]); v && std::fabs(*v - 6.0) < 1e-3) return true;
        if (n.opType == "mul")
            if (auto other = withScalar(n, 1.0 / 6.0); other && *other == input) return true;
        return false;
    }

private:
    const Graph& m_g;
    std::vector<std::string> m_graphOutputs;
};

void applyRewrites(Graph& g, std::vector<Rewrite> rewrites, const std::vector<std::string>& keepLiteral) {
    std::erase_if(rewrites,
                  [&](const Rewrite& rw) { return std::find(keepLiteral.begin(), keepLiteral.end(), rw.opType) != keepLiteral.end(); });
    if (rewrites.empty()) return;
    const auto& old = g.nodes();
    std::vector<int> lastOf(old.size(), -1);  // rewrite index whose last member is this node
    std::vector<bool> removed(old.size(), false);
    for (size_t r = 0; r < rewrites.size(); ++r) {
        for (size_t m : rewrites[r].members) removed[m] = true;
        lastOf[rewrites[r].members.back()] = static_cast<int>(r);
    }
    std::vector<Node> nodes;
    nodes.reserve(old.size());
    for (size_t i = 0; i < old.size(); ++i) {
        if (lastOf[i] >= 0) {
            const Rewrite& rw = rewrites[lastOf[i]];
            Node merged;
            const Node& first = old[rw.members.front()];
            merged.name = first.name;
            merged.opType = rw.opType;
            merged.inputs = {rw.input};
            merged.outputs = old[rw.members.back()].outputs;
            merged.attrs = rw.attrs;
            for (size_t m : rw.members) {
                merged.sourceOp += (merged.sourceOp.empty() ? "" : "+") + old[m].sourceOp;
                merged.sourceNodes.insert(merged.sourceNodes.end(), old[m].sourceNodes.begin(), old[m].sourceNodes.end());
                if (merged.patternGroup.empty()) merged.patternGroup = old[m].patternGroup;
            }
            nodes.push_back(std::move(merged));
        } else if (!removed[i]) {
            nodes.push_back(old[i]);
        }
    }
    g.setNodes(std::move(nodes));
}

// Each pass claims nodes so that one node joins at most one rewrite per pass.
struct Claims {
    std::vector<bool> taken;
    bool free(std::initializer_list<size_t> ids) const {
        for (size_t i : ids)
            if (taken[i]) return false;
        return true;
    }
    void take(const std::vector<size_t>& ids) {
        for (size_t i : ids) taken[i] = true;
    }
};

void recogniseHardActivations(Graph& g, const std::vector<std::string>& keepLiteral) {
    Matcher m(g);
    Claims claims{std::vector<bool>(g.nodes().size(), false)};
    std::vector<Rewrite> out;
    for (size_t a = 0; a < g.nodes().size(); ++a) {
        const Node& add = m.node(a);
        if (add.opType != "add") continue;
        auto x = m.withScalar(add, 3.0);
        if (!x) continue;
        auto r = m.onlyConsumer(a);
        if (!r || m.node(*r).opType != "relu6") continue;
        auto d = m.onlyConsumer(*r);
        if (!d) continue;
        const Node& third = m.node(*d);
        if (m.isDivBySix(third, m.node(*r).outputs[0]) && claims.free({a, *r, *d})) {
            Rewrite rw{{a, *r, *d}, "hsigmoid", *x, {}};
            rw.attrs.set("alpha", 1.0 / 6.0);
            rw.attrs.set("beta", 0.5);
            claims.take(rw.members);
            out.push_back(std::move(rw));
            continue;
        }
        // mul(x, relu6(x + 3)) / 6
        if (third.opType == "mul" && m.otherInput(third, m.node(*r).outputs[0]) == x) {
            auto e = m.onlyConsumer(*d);
            if (e && m.isDivBySix(m.node(*e), third.outputs[0]) && claims.free({a, *r, *d, *e})) {
                Rewrite rw{{a, *r, *d, *e}, "hswish", *x, {}};
                claims.take(rw.members);
                out.push_back(std::move(rw));
            }
        }
    }
    applyRewrites(g, std::move(out), keepLiteral);
}

// x * act(x) where act is hsigmoid (-> hswish) or sigmoid (-> swish).
void recogniseGatedActivations(Graph& g, const std::vector<std::string>& keepLiteral) {
    Matcher m(g);
    Claims claims{std::vector<bool>(g.nodes().size(), false)};
    std::vector<Rewrite> out;
    for (size_t s = 0; s < g.nodes().size(); ++s) {
        const Node& act = m.node(s);
        if ((act.opType != "hsigmoid" && act.opType != "sigmoid") || act.inputs.size() != 1) continue;
        auto mu = m.onlyConsumer(s);
        if (!mu || m.node(*mu).opType != "mul") continue;
        if (m.otherInput(m.node(*mu), act.outputs[0]) != act.inputs[0] || !claims.free({s, *mu})) continue;
        Rewrite rw{{s, *mu}, act.opType == "sigmoid" ? "swish" : "hswish", act.inputs[0], {}};
        claims.take(rw.members);
        out.push_back(std::move(rw));
    }
    applyRewrites(g, std::move(out), keepLiteral);
}

void recogniseChannelShuffle(Graph& g, const std::vector<std::string>& keepLiteral) {
    Matcher m(g);
    Claims claims{std::vector<bool>(g.nodes().size(), false)};
    std::vector<Rewrite> out;
    for (size_t r1 = 0; r1 < g.nodes().size(); ++r1) {
        const Node& first = m.node(r1);
        if (first.opType != "reshape") continue;
        const Tensor* in = g.firstActivationInput(first);
        const Tensor* mid = g.firstOutput(first);
        if (!in || !mid || in->shape.rank() != 4 || mid->shape.rank() != 5) continue;
        const auto& d = mid->shape.dims;
        if (d[0] != in->shape.dims[0] || d[1] * d[2] != in->shape.dims[1] || d[3] != in->shape.dims[2] || d[4] != in->shape.dims[3])
            continue;
        auto t = m.onlyConsumer(r1);
        if (!t || m.node(*t).opType != "transpose" || m.node(*t).attrs.getInts("perm") != std::vector<int64_t>{0, 2, 1, 3, 4}) continue;
        auto r2 = m.onlyConsumer(*t);
        if (!r2 || (m.node(*r2).opType != "reshape" && m.node(*r2).opType != "flatten")) continue;
        const Tensor* result = g.firstOutput(m.node(*r2));
        if (!result || result->shape != in->shape || !claims.free({r1, *t, *r2})) continue;
        Rewrite rw{{r1, *t, *r2}, "channelshuffle", in->name, {}};
        rw.attrs.set("groups", d[1]);
        claims.take(rw.members);
        out.push_back(std::move(rw));
    }
    applyRewrites(g, std::move(out), keepLiteral);
}

void markSqueezeExcitation(Graph& g) {
    Matcher m(g);
    auto& nodes = g.mutableNodes();
    int blocks = 0;
    for (size_t mi = 0; mi < nodes.size(); ++mi) {
        if (nodes[mi].opType != "mul" || nodes[mi].inputs.size() != 2) continue;
        for (int k = 0; k < 2; ++k) {
            auto gate = g.producerOf(nodes[mi].inputs[k]);
            if (!gate || (nodes[*gate].opType != "sigmoid" && nodes[*gate].opType != "hsigmoid")) continue;
            const std::string& x = nodes[mi].inputs[1 - k];
            std::vector<size_t> chain{*gate};
            std::optional<size_t> at = *gate;
            bool found = false;
            static const std::vector<std::string> kInner = {"conv",  "fc",  "relu",    "relu6",   "hswish",
                                                            "swish", "add", "reshape", "flatten", "bn"};
            while (at && chain.size() < 12) {
                const Node& cur = nodes[*at];
                const Tensor* in = g.firstActivationInput(cur);
                if (!in) break;
                auto up = g.producerOf(in->name);
                if (!up || m.onlyConsumer(*up) != *at) break;
                const Node& prev = nodes[*up];
                chain.push_back(*up);
                if ((prev.opType == "gap" || prev.opType == "reducemean") && !prev.inputs.empty() && prev.inputs[0] == x) {
                    found = true;
                    break;
                }
                if (std::find(kInner.begin(), kInner.end(), prev.opType) == kInner.end() || g.activationInputs(prev).size() != 1) break;
                at = *up;
            }
            if (!found) continue;
            const std::string group = fmt::format("se:{}", blocks++);
            for (size_t c : chain) nodes[c].patternGroup = group;
            nodes[mi].patternGroup = group;
            break;
        }
    }
}

}  // namespace

void recognisePatterns(Graph& graph, const std::vector<std::string>& keepLiteral) {
    recogniseHardActivations(graph, keepLiteral);
    recogniseGatedActivations(graph, keepLiteral);
    recogniseChannelShuffle(graph, keepLiteral);
    markSqueezeExcitation(graph);
}

}  // namespace km
