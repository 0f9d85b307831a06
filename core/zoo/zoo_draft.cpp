// SPDX-License-Identifier: Apache-2.0
#include "zoo/zoo_draft.h"

#include <fmt/format.h>
#include <algorithm>

namespace km::zoo {
namespace {

// FNV-1a: a family's stream of choices must not depend on the standard library's std::hash.
uint32_t familyHash(const std::string& family) {
    uint32_t h = 2166136261u;
    for (unsigned char c : family) h = (h ^ c) * 16777619u;
    return h;
}

}  // namespace

Draft::Draft(const std::string& family, uint32_t seed, const ZooOptions& options)
    : m_options(options), m_b(fmt::format("{}-{}", family, seed), seed, /*opset=*/13) {
    std::seed_seq sequence{seed, familyHash(family)};
    m_rng.seed(sequence);
}

int64_t Draft::resolution(std::initializer_list<int64_t> candidates) {
    std::vector<int64_t> fit;
    for (int64_t r : candidates)
        if (r >= m_options.minResolution && r <= m_options.maxResolution) fit.push_back(r);
    if (fit.empty()) {
        m_error = fmt::format("no input resolution of this family ({}) lies in {}..{}", fmt::join(candidates, ", "),
                              m_options.minResolution, m_options.maxResolution);
        return *std::min_element(candidates.begin(), candidates.end());
    }
    return pickFrom(fit);
}

std::string Draft::act(const std::string& kind, const std::string& x, const std::string& name) {
    if (kind.empty()) return x;
    if (kind == "relu") return m_b.relu(x, name + "relu");
    if (kind == "relu6") return m_b.clip(x, 0, 6, name + "relu6");
    if (kind == "hswish") return m_b.mul(x, m_b.unary("HardSigmoid", x, name + "hsigmoid"), name + "hswish");
    return m_b.swish(x, name + "swish");
}

std::string Draft::convAct(const std::string& x, int64_t out, int64_t k, int64_t s, int64_t groups, const std::string& kind,
                           const std::string& name) {
    return act(kind, m_b.conv(x, out, k, s, groups, name + "conv"), name);
}

std::string Draft::squeezeExcite(const std::string& x, int64_t squeeze, const std::string& inner, const std::string& gate,
                                 const std::string& name) {
    std::string g = m_b.globalAveragePool(x, name + "gap");
    g = convAct(g, squeeze, 1, 1, 1, inner, name + "reduce_");
    g = m_b.conv(g, channels(x), 1, 1, 1, name + "expand_conv");
    g = gate == "hsigmoid" ? m_b.unary("HardSigmoid", g, name + "hsigmoid") : m_b.unary("Sigmoid", g, name + "sigmoid");
    return m_b.mul(x, g, name + "scale");
}

std::string Draft::invertedResidual(const std::string& x, int64_t expand, int64_t out, int64_t k, int64_t s, const std::string& kind,
                                    int64_t seSqueeze, const std::string& seInner, const std::string& seGate, const std::string& name) {
    const int64_t in = channels(x);
    std::string h = expand == in ? x : convAct(x, expand, 1, 1, 1, kind, name + "expand_");
    h = convAct(h, expand, k, s, expand, kind, name + "dw_");
    if (seSqueeze > 0) h = squeezeExcite(h, seSqueeze, seInner, seGate, name + "se_");
    h = m_b.conv(h, out, 1, 1, 1, name + "project_conv");
    return s == 1 && in == out ? m_b.add(h, x, name + "add") : h;
}

std::string Draft::classifier(const std::string& x, const std::string& name) {
    return m_b.gemm(m_b.flatten(m_b.globalAveragePool(x, name + "gap"), name + "flatten"), m_options.classes, name + "fc");
}

int64_t Draft::divisible(double v, int64_t divisor) {
    int64_t r = std::max<int64_t>(divisor, int64_t(v + double(divisor) / 2) / divisor * divisor);
    if (double(r) < 0.9 * v) r += divisor;
    return r;
}

}  // namespace km::zoo
