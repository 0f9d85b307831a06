// SPDX-License-Identifier: Apache-2.0
#include "graph/metrics.h"

#include <algorithm>
#include <numeric>
#include <unordered_map>

namespace km {
namespace {

int64_t elements(const Tensor* t) {
    if (!t) return 0;
    return t->shape.numElements().value_or(0);
}

// Product of an integer-list attribute (`fallback` when the node has none).
int64_t product(const Attributes& attrs, const char* key, int64_t fallback) {
    const std::vector<int64_t>* v = attrs.ints(key);
    if (!v) return attrs.has(key) ? attrs.getInt(key, fallback) : fallback;
    return std::accumulate(v->begin(), v->end(), int64_t{1}, std::multiplies<>());
}

bool isWeighted(const std::string& op) {
    return op == "conv" || op == "dwconv" || op == "gconv" || op == "convtranspose" || op == "fc" || op == "bn" || op == "layernorm" ||
           op == "matmul";
}

}  // namespace

NodeMetrics& NodeMetrics::operator+=(const NodeMetrics& o) {
    macs += o.macs;
    flops += o.flops;
    params += o.params;
    bytesRead += o.bytesRead;
    bytesWritten += o.bytesWritten;
    return *this;
}

int64_t flopsPerElement(const std::string& op) {
    // Counts of the arithmetic a straightforward implementation does per output element.
    static const std::unordered_map<std::string, int64_t> kTable = {
        {"relu", 1}, {"relu6", 2}, {"hsigmoid", 3}, {"hswish", 4},    {"sigmoid", 4}, {"swish", 5},  {"add", 1},
        {"mul", 1},  {"bn", 2},    {"softmax", 5},  {"layernorm", 8}, {"gelu", 8},    {"resize", 4},
    };
    auto it = kTable.find(op);
    return it == kTable.end() ? 0 : it->second;
}

NodeMetrics computeNodeMetrics(const Graph& g, size_t index) {
    const Node& n = g.nodes()[index];
    const NodeLinks& links = g.links(index);
    NodeMetrics m;
    const bool weighted = isWeighted(n.opType);
    for (const Tensor* t : links.inputs) {
        if (!t) continue;
        const int64_t count = elements(t);
        m.bytesRead += count * dtypeSizeBytes(t->dtype);
        if (weighted && t->isConstant && t->dtype == DType::Float) m.params += count;
    }
    int64_t outElems = 0;  // the first output's (firstOutput), counted once
    for (size_t i = 0; i < links.outputs.size(); ++i)
        if (const Tensor* t = links.outputs[i]) {
            const int64_t count = elements(t);
            if (i == 0) outElems = count;
            m.bytesWritten += count * dtypeSizeBytes(t->dtype);
        }
    const Tensor* in = g.firstActivationInput(index);
    const Tensor* out = g.firstOutput(index);
    const std::string& op = n.opType;
    if (op == "conv" || op == "dwconv" || op == "gconv") {
        const int64_t groups = std::max<int64_t>(n.attrs.getInt("groups", 1), 1);
        const int64_t cin = in && in->shape.rank() >= 2 ? in->shape.dims[1] : 0;
        m.macs = outElems * (cin / groups) * product(n.attrs, "kernel", 1);
    } else if (op == "convtranspose") {
        const int64_t groups = std::max<int64_t>(n.attrs.getInt("groups", 1), 1);
        const int64_t cout = out && out->shape.rank() >= 2 ? out->shape.dims[1] : 0;
        m.macs = elements(in) * (cout / groups) * product(n.attrs, "kernel", 1);
    } else if (op == "fc") {
        m.macs = outElems * n.attrs.getInt("in_features", 0);
    } else if (op == "matmul") {
        const Tensor* a = links.inputs.empty() ? nullptr : links.inputs[0];
        const int64_t k = a && a->shape.rank() >= 1 ? a->shape.dims.back() : 0;
        m.macs = outElems * k;
    }
    if (m.macs > 0) {
        m.flops = 2 * m.macs;
    } else if (op == "maxpool" || op == "avgpool") {
        m.flops = outElems * product(n.attrs, "kernel", 1);
    } else if (op == "gap" || op == "reducemean") {
        m.flops = elements(in);
    } else {
        m.flops = outElems * flopsPerElement(op);
    }
    return m;
}

GraphMetrics computeGraphMetrics(const Graph& g) {
    GraphMetrics gm;
    gm.perNode.reserve(g.nodes().size());
    for (size_t i = 0; i < g.nodes().size(); ++i) {
        gm.perNode.push_back(computeNodeMetrics(g, i));
        gm.total += gm.perNode.back();
    }
    return gm;
}

}  // namespace km
