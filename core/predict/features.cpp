// SPDX-License-Identifier: Apache-2.0
#include "predict/features.h"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <optional>
#include <sstream>
#include <string_view>
#include <variant>

#include "onnx/onnx_loader.h"
#include "sampling/kernel_models.h"

namespace km {
namespace {

constexpr float kMissing = std::numeric_limits<float>::quiet_NaN();

float at(const std::vector<int64_t>& v, size_t i) { return i < v.size() ? float(v[i]) : kMissing; }

double elementsOf(const std::vector<int64_t>& shape) {
    double n = 1;
    for (int64_t d : shape) n *= double(std::max<int64_t>(d, 0));
    return n;
}

// The input whose shape the in_* features describe: the first, except for a kernel rooted at a
// commutative binary op (add, mul), where it is the largest. Exporters put a squeeze-and-excitation
// gate (N x C x 1 x 1) first or second as they please (torchvision: gate * x; our zoo: x * gate),
// and the sampled kernels, with two inputs of one shape, cannot tell the two apart; with the first
// input, torchvision's EfficientNet gates read as 1 x 1 maps and were predicted 1.7x slower than
// the same multiplication spelled x * gate.
const std::vector<int64_t>& primaryInput(const Kernel& k) {
    const auto& shapes = k.config.inputShapes;
    const std::string_view type = k.type;
    const std::string_view root = type.substr(0, type.find('-'));
    if (root != "add" && root != "mul") return shapes.front();
    size_t best = 0;
    for (size_t i = 1; i < shapes.size(); ++i)
        if (elementsOf(shapes[i]) > elementsOf(shapes[best])) best = i;
    return shapes[best];
}

}  // namespace

const std::array<const char*, kFeatureCount>& featureNames() {
    static const std::array<const char*, kFeatureCount> names{
        "batch",     "in_h",          "in_w",      "in_c",           "out_h",           "out_w",        "out_c",
        "kernel_h",  "kernel_w",      "stride_h",  "stride_w",       "groups",          "dilation_h",   "dilation_w",
        "pads_sum",  "inputs",        "nodes",     "macs",           "flops",           "params",       "bytes_in",
        "bytes_out", "bytes_weights", "intensity", "in_c_per_group", "out_c_per_group", "inner_kernel", "inner_stride"};
    return names;
}

KernelFeatures kernelFeatures(const Kernel& k, const std::vector<NodeMetrics>& metrics) {
    KernelFeatures f;
    f.fill(kMissing);
    auto set = [&](Feature which, float v) { f[size_t(which)] = v; };
    const KernelConfig& c = k.config;
    // Activations are NCHW (2-D for fc): N, C, H, W.
    if (!c.inputShapes.empty()) {
        const auto& in = primaryInput(k);
        set(Feature::Batch, at(in, 0));
        set(Feature::InC, at(in, 1));
        set(Feature::InH, at(in, 2));
        set(Feature::InW, at(in, 3));
    }
    set(Feature::OutC, at(c.outputShape, 1));
    set(Feature::OutH, at(c.outputShape, 2));
    set(Feature::OutW, at(c.outputShape, 3));
    // One pass over the root's attributes (a handful), instead of a map lookup per feature.
    std::optional<int64_t> groups;
    for (const auto& entry : c.attrs.all()) {
        const std::string_view k = entry.first;
        const AttrValue& value = entry.second;
        const auto* list = std::get_if<std::vector<int64_t>>(&value);
        const auto* one = std::get_if<int64_t>(&value);
        // Element i of an integer list; a single integer reads as a list of one.
        auto elem = [&](size_t i) { return list ? at(*list, i) : one && i == 0 ? float(*one) : kMissing; };
        auto integer = [&](int64_t fallback) {
            if (one) return *one;
            if (const auto* d = std::get_if<double>(&value)) return int64_t(*d);
            return fallback;
        };
        if (k == "kernel") {
            set(Feature::KernelH, elem(0));
            set(Feature::KernelW, elem(1));
        } else if (k == "stride") {
            set(Feature::StrideH, elem(0));
            set(Feature::StrideW, elem(1));
        } else if (k == "dilation") {
            set(Feature::DilationH, elem(0));
            set(Feature::DilationW, elem(1));
        } else if (k == "groups") {
            groups = std::max<int64_t>(integer(1), 1);
        } else if (k == "pads") {
            set(Feature::PadsSum, float(list ? std::accumulate(list->begin(), list->end(), int64_t{0}) : integer(0)));
        }
    }
    if (groups) {
        set(Feature::Groups, float(*groups));
        set(Feature::InCPerGroup, f[size_t(Feature::InC)] / float(*groups));
        set(Feature::OutCPerGroup, f[size_t(Feature::OutC)] / float(*groups));
    }
    if (const auto* inner = c.innerAttrs.ints("kernel")) set(Feature::InnerKernel, at(*inner, 0));
    if (const auto* inner = c.innerAttrs.ints("stride")) set(Feature::InnerStride, at(*inner, 0));
    set(Feature::Inputs, float(c.inputShapes.size()));
    set(Feature::Nodes, float(k.nodes.size()));
    // Summed over members; bytes counted at the kernel's boundary: what enters from outside and
    // what its last node writes (a fused kernel keeps its intermediates in registers or cache).
    NodeMetrics sum;
    for (size_t i : k.nodes) sum += metrics.at(i);
    double bytesIn = 0;
    for (const auto& shape : c.inputShapes) bytesIn += 4 * elementsOf(shape);
    const double bytesOut = 4 * elementsOf(c.outputShape);
    const double weights = 4.0 * double(sum.params);
    set(Feature::Macs, float(sum.macs));
    set(Feature::Flops, float(sum.flops));
    set(Feature::Params, float(sum.params));
    set(Feature::BytesIn, float(bytesIn));
    set(Feature::BytesOut, float(bytesOut));
    set(Feature::BytesWeights, float(weights));
    const double bytes = bytesIn + bytesOut + weights;
    set(Feature::Intensity, bytes > 0 ? float(double(sum.flops) / bytes) : 0.0f);
    return f;
}

Result<SpecKernel> specKernel(const KernelSpec& spec) {
    Result<std::string> bytes = buildKernelModelForAnalysis(spec);
    if (!bytes) return bytes.error();
    Result<Graph> g = loadOnnxBytes(bytes.value().data(), bytes.value().size(), spec.key(), "");
    if (!g) return g.error();
    RuleSet fuseType;
    std::vector<std::string> ops;
    std::stringstream ss(spec.type);
    for (std::string op; std::getline(ss, op, '-');) ops.push_back(op);
    for (size_t i = 0; i + 1 < ops.size(); ++i)
        fuseType.pairs[{ops[i], ops[i + 1]}] = FusionRule{{ops[i], ops[i + 1]}, FusionVerdict::Fused, "manual", FusionVerdict::Fused, {}};
    KernelPartition part = partitionGraph(g.value(), fuseType);
    for (Kernel& k : part.kernels)
        if (k.type == spec.type) return SpecKernel{std::move(k), computeGraphMetrics(g.value()).perNode};
    return internalError(fmt::format("kernel spec {}: its model does not partition into a {} kernel.", spec.key(), spec.type));
}

Result<KernelFeatures> specFeatures(const KernelSpec& spec) {
    Result<SpecKernel> k = specKernel(spec);
    if (!k) return k.error();
    return kernelFeatures(k.value().kernel, k.value().metrics);
}

double kernelMflops(const KernelFeatures& f) {
    const float flops = f[size_t(Feature::Flops)];
    return std::isfinite(flops) ? double(flops) / 1e6 : 0.0;
}

double kernelMovedMb(const KernelFeatures& f) {
    double bytes = 0;
    for (Feature x : {Feature::BytesIn, Feature::BytesOut, Feature::BytesWeights})
        if (const float v = f[size_t(x)]; std::isfinite(v)) bytes += double(v);
    return bytes / 1e6;
}

}  // namespace km
