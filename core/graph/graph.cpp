// SPDX-License-Identifier: Apache-2.0
#include "graph/graph.h"

#include <unordered_set>

#include <algorithm>
#include <queue>

namespace km {

void Graph::setNodes(std::vector<Node> nodes) {
    m_nodes = std::move(nodes);
    reindex();
}

const Tensor* Graph::tensor(const std::string& name) const {
    auto it = m_tensors.find(name);
    return it == m_tensors.end() ? nullptr : &it->second;
}

Tensor* Graph::mutableTensor(const std::string& name) {
    auto it = m_tensors.find(name);
    return it == m_tensors.end() ? nullptr : &it->second;
}

Graph::Graph(const Graph& other)
    : info(other.info),
      inputs(other.inputs),
      outputs(other.outputs),
      warnings(other.warnings),
      m_nodes(other.m_nodes),
      m_tensors(other.m_tensors),
      m_producer(other.m_producer),
      m_consumers(other.m_consumers),
      m_nodeIndex(other.m_nodeIndex) {
    relink();
}

Graph& Graph::operator=(const Graph& other) {
    if (this != &other) {
        Graph copy(other);
        *this = std::move(copy);
    }
    return *this;
}

Tensor& Graph::addTensor(Tensor t) {
    std::string key = t.name;
    auto [it, fresh] = m_tensors.try_emplace(key);
    Tensor* stored = &it->second;
    *stored = std::move(t);
    if (fresh && m_links.size() == m_nodes.size()) {
        // The nodes naming a tensor that did not exist held nullptr for it.
        auto point = [&](const std::vector<std::string>& names, std::vector<const Tensor*>& links) {
            for (size_t j = 0; j < names.size() && j < links.size(); ++j)
                if (names[j] == key) links[j] = stored;
        };
        for (size_t i : consumersOf(key)) point(m_nodes[i].inputs, m_links[i].inputs);
        if (const auto p = producerOf(key)) point(m_nodes[*p].outputs, m_links[*p].outputs);
    }
    return *stored;
}

std::vector<const Tensor*> Graph::activationInputs(const Node& node) const {
    std::vector<const Tensor*> result;
    for (const auto& name : node.inputs) {
        const Tensor* t = tensor(name);
        if (t && !t->isConstant) result.push_back(t);
    }
    return result;
}

const Tensor* Graph::firstActivationInput(const Node& node) const {
    for (const auto& name : node.inputs) {
        const Tensor* t = tensor(name);
        if (t && !t->isConstant) return t;
    }
    return nullptr;
}

const Tensor* Graph::firstOutput(const Node& node) const { return node.outputs.empty() ? nullptr : tensor(node.outputs.front()); }

const Tensor* Graph::firstActivationInput(size_t index) const {
    for (const Tensor* t : m_links[index].inputs)
        if (t && !t->isConstant) return t;
    return nullptr;
}

const Tensor* Graph::firstOutput(size_t index) const {
    const auto& outs = m_links[index].outputs;
    return outs.empty() ? nullptr : outs.front();
}

std::optional<size_t> Graph::producerOf(const std::string& t) const {
    auto it = m_producer.find(t);
    if (it == m_producer.end()) return std::nullopt;
    return it->second;
}

const std::vector<size_t>& Graph::consumersOf(const std::string& t) const {
    static const std::vector<size_t> kNone;
    auto it = m_consumers.find(t);
    return it == m_consumers.end() ? kNone : it->second;
}

std::optional<size_t> Graph::indexOf(const std::string& nodeName) const {
    auto it = m_nodeIndex.find(nodeName);
    if (it == m_nodeIndex.end()) return std::nullopt;
    return it->second;
}

void Graph::reindex() {
    m_producer.clear();
    m_consumers.clear();
    m_nodeIndex.clear();
    for (size_t i = 0; i < m_nodes.size(); ++i) {
        m_nodeIndex[m_nodes[i].name] = i;
        for (const auto& out : m_nodes[i].outputs) m_producer[out] = i;
        for (const auto& in : m_nodes[i].inputs) {
            auto& list = m_consumers[in];
            if (list.empty() || list.back() != i) list.push_back(i);
        }
    }
    relink();
}

void Graph::relink() {
    m_links.assign(m_nodes.size(), NodeLinks{});
    for (size_t i = 0; i < m_nodes.size(); ++i) {
        const Node& n = m_nodes[i];
        NodeLinks& l = m_links[i];
        l.inputs.reserve(n.inputs.size());
        l.producers.reserve(n.inputs.size());
        l.inputReaders.reserve(n.inputs.size());
        for (const auto& name : n.inputs) {
            l.inputs.push_back(tensor(name));
            const auto p = producerOf(name);
            l.producers.push_back(p ? int32_t(*p) : -1);
            l.inputReaders.push_back(uint32_t(consumersOf(name).size()));
        }
        for (const auto& name : n.outputs) l.outputs.push_back(tensor(name));
    }
}

namespace {
// Whether the node multiplies by a constant that holds only zeros: its result is zeros whatever
// the other factor holds (NaN and infinities aside, as simplifying runtimes take it).
bool isZeroProduct(const Graph& graph, const Node& n) {
    if (n.opType != "mul" || n.outputs.size() != 1) return false;
    return std::any_of(n.inputs.begin(), n.inputs.end(), [&](const std::string& in) {
        const Tensor* t = graph.tensor(in);
        return t && t->isConstant && !t->values.empty() && std::all_of(t->values.begin(), t->values.end(), [](double v) { return v == 0; });
    });
}

// One pass of withoutUnreadNodes. `intoConv`: zero products (node indices of `graph`) that are not
// zeros but their convolution's output (the multiply folded into the convolution's weights).
// `survives` receives, per node of `graph`, whether it is in the result; `resultLive`, per node,
// whether its result is read there (for an addition folded into one of its terms: whether that
// term is read in its place); `readers`, per tensor, the nodes that read it once the folded
// additions' readers read their kept term (folded nodes left out).
Graph simplifiedAndPruned(const Graph& graph, const std::unordered_set<size_t>& intoConv, std::vector<bool>& survives,
                          std::vector<bool>& resultLive, std::unordered_map<std::string, std::vector<size_t>>& readers) {
    // First the additions of zeros: x + y * 0 is x, so the addition goes (its readers read x) and
    // y * 0 is read by nobody. Of two zero terms the first stays. Not for a graph output, whose
    // name callers know, nor where the addition broadcasts.
    std::vector<Node> nodes = graph.nodes();
    std::unordered_map<std::string, std::string> sameAs;  // an addition's output -> the term it equals
    std::unordered_set<std::string> zeros;                // tensors that hold only zeros
    const std::unordered_set<std::string> outputs(graph.outputs.begin(), graph.outputs.end());
    std::vector<bool> folded(nodes.size(), false);
    for (size_t i = 0; i < nodes.size(); ++i) {
        Node& n = nodes[i];
        for (std::string& in : n.inputs)
            if (auto it = sameAs.find(in); it != sameAs.end()) in = it->second;
        if (intoConv.count(i)) {
            for (const std::string& in : n.inputs)  // the convolution's output, not the constant
                if (const Tensor* t = graph.tensor(in); t && !t->isConstant) sameAs[n.outputs[0]] = in;
            folded[i] = true;
            continue;
        }
        if (isZeroProduct(graph, n)) zeros.insert(n.outputs[0]);
        if (n.opType != "add" || n.inputs.size() != 2 || n.outputs.size() != 1 || outputs.count(n.outputs[0])) continue;
        const bool firstZero = zeros.count(n.inputs[0]) > 0, secondZero = zeros.count(n.inputs[1]) > 0;
        if (!firstZero && !secondZero) continue;
        const std::string& kept = secondZero ? n.inputs[0] : n.inputs[1];
        const Tensor* keptTensor = graph.tensor(kept);
        const Tensor* sum = graph.tensor(n.outputs[0]);
        if (!keptTensor || !sum || !keptTensor->shape.known || !sum->shape.known || keptTensor->shape.dims != sum->shape.dims) continue;
        sameAs[n.outputs[0]] = kept;
        folded[i] = true;
    }
    readers.clear();
    for (size_t i = 0; i < nodes.size(); ++i)
        if (!folded[i])
            for (const std::string& in : nodes[i].inputs) readers[in].push_back(i);
    Graph simplified(graph);
    std::vector<Node> remaining;
    std::vector<size_t> original;  // per remaining node, its index in `graph`
    for (size_t i = 0; i < nodes.size(); ++i)
        if (!folded[i]) remaining.push_back(std::move(nodes[i])), original.push_back(i);
    simplified.setNodes(std::move(remaining));

    const std::vector<Node>& kept = simplified.nodes();
    std::vector<bool> read(kept.size(), false);
    // Nodes are in topological order: walking backwards, a node's readers are decided before it.
    for (size_t i = kept.size(); i-- > 0;) {
        for (const std::string& out : kept[i].outputs) {
            if (outputs.count(out)) read[i] = true;
            for (size_t reader : simplified.consumersOf(out))
                if (read[reader]) read[i] = true;
        }
    }
    survives.assign(graph.nodes().size(), false);
    resultLive.assign(graph.nodes().size(), false);
    for (size_t k = 0; k < kept.size(); ++k) survives[original[k]] = resultLive[original[k]] = read[k];
    for (size_t i = 0; i < graph.nodes().size(); ++i)
        if (auto it = sameAs.find(graph.nodes()[i].outputs[0]); folded[i] && it != sameAs.end())
            if (const auto term = simplified.producerOf(it->second)) resultLive[i] = read[*term];
    std::vector<Node> live;
    for (size_t i = 0; i < kept.size(); ++i)
        if (read[i]) live.push_back(kept[i]);
    if (live.size() != kept.size()) simplified.setNodes(std::move(live));  // one copy of the graph, not two
    return simplified;
}
}  // namespace

Graph withoutUnreadNodes(const Graph& graph, size_t* removed) {
    std::vector<bool> survives, resultLive;
    std::unordered_map<std::string, std::vector<size_t>> readers;
    Graph pruned = simplifiedAndPruned(graph, {}, survives, resultLive, readers);
    // A convolution whose result nobody reads but multiplies by zero, where such a product is
    // added into a result that is read: a converter folds the multiply into the convolution's
    // weights (TFLite's fusion of a multiply by a constant into the affine operation before it),
    // and the convolution runs, its zeros added in. On the Pixel 3 of the HELP table 11% of the 806
    // NAS-Bench-201 cells with such a convolution were predicted within 10% without it, 68% with
    // it (docs/adapt.md, "Dead code").
    std::unordered_set<size_t> intoConv;
    const std::vector<Node>& all = graph.nodes();
    for (size_t c = 0; c < all.size(); ++c) {
        const Node& conv = all[c];
        if (survives[c] || (conv.opType != "conv" && conv.opType != "gconv" && conv.opType != "dwconv") || conv.outputs.size() != 1)
            continue;
        // Its readers once x + y * 0 is x (a cell's node that sums a convolution and zeros).
        const std::vector<size_t>& products = readers[conv.outputs[0]];
        if (products.empty() || !std::all_of(products.begin(), products.end(), [&](size_t r) { return isZeroProduct(graph, all[r]); }))
            continue;
        const bool addedIntoLive = std::any_of(products.begin(), products.end(), [&](size_t r) {
            const std::vector<size_t>& sums = graph.consumersOf(all[r].outputs[0]);
            return std::any_of(sums.begin(), sums.end(), [&](size_t a) { return all[a].opType == "add" && resultLive[a]; });
        });
        if (addedIntoLive) intoConv.insert(products.begin(), products.end());
    }
    if (!intoConv.empty()) pruned = simplifiedAndPruned(graph, intoConv, survives, resultLive, readers);
    if (removed) *removed = graph.nodes().size() - pruned.nodes().size();
    return pruned;
}

TopoResult topologicalOrder(const std::vector<Node>& nodes) {
    std::unordered_map<std::string, size_t> producer;
    for (size_t i = 0; i < nodes.size(); ++i)
        for (const auto& out : nodes[i].outputs) producer[out] = i;
    std::vector<int> pending(nodes.size(), 0);
    std::vector<std::vector<size_t>> dependents(nodes.size());
    for (size_t i = 0; i < nodes.size(); ++i) {
        for (const auto& in : nodes[i].inputs) {
            auto it = producer.find(in);
            if (it == producer.end()) continue;
            ++pending[i];
            dependents[it->second].push_back(i);
        }
    }
    // Min-heap on the original index keeps the file's order whenever it is valid.
    std::priority_queue<size_t, std::vector<size_t>, std::greater<>> ready;
    for (size_t i = 0; i < nodes.size(); ++i)
        if (pending[i] == 0) ready.push(i);
    TopoResult result;
    result.order.reserve(nodes.size());
    while (!ready.empty()) {
        size_t i = ready.top();
        ready.pop();
        result.order.push_back(i);
        for (size_t d : dependents[i])
            if (--pending[d] == 0) ready.push(d);
    }
    if (result.order.size() != nodes.size()) {
        // Walk upstream through unfinished producers until a node repeats: it lies on the cycle.
        size_t at = 0;
        while (pending[at] == 0) ++at;
        std::vector<bool> seen(nodes.size(), false);
        while (!seen[at]) {
            seen[at] = true;
            for (const auto& in : nodes[at].inputs) {
                auto it = producer.find(in);
                if (it != producer.end() && pending[it->second] > 0) {
                    at = it->second;
                    break;
                }
            }
        }
        result.cycleNode = nodes[at].name;
    }
    return result;
}

}  // namespace km
