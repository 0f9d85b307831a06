// SPDX-License-Identifier: Apache-2.0
#include "sampling/kernel_spec.h"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>
#include <string_view>

namespace km {
namespace {

const std::vector<int64_t> kConvKernels{1, 3, 5, 7}, kDwKernels{3, 5, 7}, kPoolKernels{2, 3, 5, 7}, kStrides{1, 2};
const std::vector<int64_t> kGroups{2, 3, 4, 8, 16, 32, 64};
const std::vector<int64_t> kGroupWidths{4, 8, 16, 24, 32, 48, 64};  // channels per group

// Moves `v` by `steps` positions in `values` (clamped).
int64_t step(const std::vector<int64_t>& values, int64_t v, int steps) {
    auto it = std::lower_bound(values.begin(), values.end(), v);
    long i = std::clamp<long>(long(it - values.begin()) + steps, 0, long(values.size()) - 1);
    return values[size_t(i)];
}

std::vector<std::string> splitCsvLine(const std::string& line) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string cell;
    while (std::getline(ss, cell, ',')) cells.push_back(cell);
    return cells;
}

// Columns of a prior CSV by header name; missing optional columns read as `fallback`.
Result<std::vector<PriorLayer>> readPriorCsv(const std::string& path, bool twoD) {
    std::ifstream in(path);
    if (!in) return ioError(fmt::format("{}: cannot open the prior.", path));
    std::string line;
    if (!std::getline(in, line)) return badInput(fmt::format("{}: empty; a header line is expected.", path));
    const auto header = splitCsvLine(line);
    auto column = [&](const std::string& name) -> int {
        auto it = std::find(header.begin(), header.end(), name);
        return it == header.end() ? -1 : int(it - header.begin());
    };
    const std::vector<std::string> required =
        twoD ? std::vector<std::string>{"cin", "cout"} : std::vector<std::string>{"input_h", "input_w", "cin", "cout", "ks", "stride"};
    for (const auto& r : required)
        if (column(r) < 0) return badInput(fmt::format("{}: the header has no column '{}'.", path, r));
    std::vector<PriorLayer> layers;
    int lineNo = 1;
    while (std::getline(in, line)) {
        ++lineNo;
        if (line.empty()) continue;
        const auto cells = splitCsvLine(line);
        auto number = [&](const std::string& name, int64_t fallback, int64_t& out) -> Status {
            const int c = column(name);
            if (c < 0) {
                out = fallback;
                return Ok{};
            }
            if (size_t(c) >= cells.size()) return badInput(fmt::format("{}:{}: field '{}' is missing.", path, lineNo, name));
            try {
                size_t used = 0;
                out = std::stoll(cells[size_t(c)], &used);
                if (used != cells[size_t(c)].size() || out < 1) throw std::invalid_argument("x");
            } catch (const std::exception&) {
                return badInput(fmt::format("{}:{}: field '{}' is '{}', not a positive integer.", path, lineNo, name, cells[size_t(c)]));
            }
            return Ok{};
        };
        PriorLayer l;
        l.model = column("model") >= 0 && size_t(column("model")) < cells.size() ? cells[size_t(column("model"))] : "";
        for (auto [name, fallback, field] : {std::tuple{"input_h", int64_t(1), &l.h},
                                             {"input_w", int64_t(1), &l.w},
                                             {"cin", int64_t(1), &l.cin},
                                             {"cout", int64_t(1), &l.cout},
                                             {"ks", int64_t(1), &l.kernel},
                                             {"stride", int64_t(1), &l.stride},
                                             {"groups", int64_t(1), &l.groups}})
            if (Status s = number(name, fallback, *field); !s) return s.error();
        layers.push_back(l);
    }
    if (layers.empty()) return badInput(fmt::format("{}: no layers.", path));
    return layers;
}

}  // namespace

std::string rootOf(const std::string& kernelType) { return kernelType.substr(0, kernelType.find('-')); }

KernelFamily familyOf(const std::string& kernelType) {
    const std::string root = rootOf(kernelType);
    if (root == "conv") return KernelFamily::Conv;
    if (root == "dwconv") return KernelFamily::DwConv;
    if (root == "gconv") return KernelFamily::GConv;
    if (root == "convtranspose") return KernelFamily::ConvTranspose;
    if (root == "fc") return KernelFamily::Fc;
    if (root == "maxpool" || root == "avgpool") return KernelFamily::Pool;
    if (root == "gap") return KernelFamily::GlobalPool;
    if (root == "concat") return KernelFamily::Concat;
    return KernelFamily::Elementwise;
}

std::string KernelSpec::key() const {
    std::string k = fmt::format("{} h{} w{} c{}-{} k{} s{} g{}", type, h, w, cin, cout, kernel, stride, groups);
    if (innerKernel > 0) k += fmt::format(" ik{} is{}", innerKernel, innerStride);
    return k;
}

Result<KernelSpec> KernelSpec::fromKey(const std::string& key) {
    KernelSpec s;
    std::istringstream in(key);
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    // Reads "<tag><number>" (or "<tag><number>-<number>" when `second` is given).
    auto field = [&](size_t i, std::string_view tag, int64_t& value, int64_t* second = nullptr) {
        if (i >= words.size() || words[i].rfind(tag, 0) != 0) return false;
        std::istringstream v(words[i].substr(tag.size()));
        if (!(v >> value)) return false;
        if (second) {
            char dash = 0;
            if (!(v >> dash) || dash != '-' || !(v >> *second)) return false;
        }
        return v.peek() == std::char_traits<char>::eof();
    };
    bool ok = (words.size() == 7 || words.size() == 9) && field(1, "h", s.h) && field(2, "w", s.w) && field(3, "c", s.cin, &s.cout) &&
              field(4, "k", s.kernel) && field(5, "s", s.stride) && field(6, "g", s.groups);
    if (ok && words.size() == 9) ok = field(7, "ik", s.innerKernel) && field(8, "is", s.innerStride);
    if (!ok) return badInput(fmt::format("kernel spec \"{}\": expected \"TYPE hH wW cIN-OUT kK sS gG [ikK isS]\".", key));
    s.type = words[0];
    return s;
}

bool hasInnerWindow(const std::string& kernelType) {
    for (size_t start = kernelType.find('-'); start != std::string::npos;) {
        const size_t end = kernelType.find('-', start + 1);
        const std::string op = kernelType.substr(start + 1, end == std::string::npos ? std::string::npos : end - start - 1);
        if (op == "conv" || op == "dwconv" || op == "gconv") return true;
        start = end;
    }
    return false;
}

Result<Prior> loadPrior(const std::string& dir) {
    Prior p;
    for (auto [file, twoD, target] : {std::tuple{"conv.csv", false, &p.conv},
                                      {"dwconv.csv", false, &p.dwconv},
                                      {"fc.csv", true, &p.fc},
                                      {"pooling.csv", false, &p.pooling}}) {
        Result<std::vector<PriorLayer>> layers = readPriorCsv(dir + "/" + file, twoD);
        if (!layers) return layers.error();
        *target = std::move(layers).value();
    }
    return p;
}

const std::vector<int64_t>& spatialSizes() {
    static const std::vector<int64_t> v{1,  2,  3,  4,  5,  6,  7,  8,  10,  12,  14,  15,  16,  20,  24,  28,  30,  32,  38,
                                        40, 48, 56, 60, 64, 75, 80, 96, 112, 120, 128, 150, 160, 192, 224, 240, 256, 300, 320};
    return v;
}

const std::vector<int64_t>& channelCounts() {
    static const std::vector<int64_t> v{3,   8,   12,  16,  24,  32,  40,  48,  56,  64,   72,   80,   96,   112,
                                        116, 120, 128, 144, 160, 176, 192, 224, 232, 240,  256,  288,  320,  384,
                                        448, 464, 480, 512, 576, 640, 672, 768, 960, 1024, 1152, 1280, 1536, 2048};
    return v;
}

const std::vector<int64_t>& fcWidths() {
    static const std::vector<int64_t> v = [] {
        std::vector<int64_t> w = channelCounts();
        w.insert(w.end(), {2560, 3072, 4096, 4608, 6272, 6912, 8192, 9216, 11520, 12544, 25088});
        return w;
    }();
    return v;
}

namespace {
// The channel counts a family's input and output widths snap to and step along.
const std::vector<int64_t>& widthsFor(KernelFamily f) { return f == KernelFamily::Fc ? fcWidths() : channelCounts(); }
}  // namespace

int64_t snapTo(const std::vector<int64_t>& values, double v) {
    return *std::min_element(values.begin(), values.end(), [&](int64_t a, int64_t b) {
        return std::fabs(std::log(double(a)) - std::log(v)) < std::fabs(std::log(double(b)) - std::log(v));
    });
}

bool validSpec(const KernelSpec& s, std::string* why) {
    auto fail = [&](std::string text) {
        if (why) *why = std::move(text);
        return false;
    };
    if (s.h < 1 || s.w < 1 || s.cin < 1 || s.cout < 1 || s.kernel < 1 || s.stride < 1 || s.groups < 1)
        return fail("every dimension must be at least 1");
    const KernelFamily f = familyOf(s.type);
    if (s.groups > 1 && (s.cin % s.groups != 0 || s.cout % s.groups != 0)) return fail("channels must divide by the groups");
    if (f == KernelFamily::DwConv && (s.cin != s.cout || s.groups != s.cin))
        return fail("a depthwise convolution has one group per channel");
    const std::string root = rootOf(s.type);
    if ((root == "split" || root == "channelshuffle") && s.cin % 2 != 0) return fail("splitting in halves needs an even channel count");
    if (f == KernelFamily::Pool && s.kernel > s.h + 2 * (s.kernel / 2)) return fail("the pooling window is larger than the padded input");
    if ((f == KernelFamily::Pool || f == KernelFamily::Conv || f == KernelFamily::GConv || f == KernelFamily::DwConv) &&
        (s.h + 2 * (s.kernel / 2) - s.kernel) / s.stride + 1 < 1)
        return fail("the output would be empty");
    if (s.innerKernel < 0 || s.innerStride < 1) return fail("the inner window must be at least 1");
    if (s.innerKernel > 0 && !hasInnerWindow(s.type)) return fail("the type has no convolution after its root");
    // Keep single models small enough to build and measure quickly: at most about 64 MB of
    // activations and of convolution weights, and 192 MB of fc weights, so that AlexNet's head
    // (9216 x 4096 floats, 151 MB; 189 MB at width 1.25) is measured, not extrapolated. VGG's
    // 25088 x 4096 layer (411 MB) stays out: it alone took the whole time share of its kernel type.
    if (double(s.h) * double(s.w) * double(std::max(s.cin, s.cout)) * 4.0 > 64e6) return fail("the activations exceed 64 MB");
    const double weights = f == KernelFamily::Fc
                               ? double(s.cin) * double(s.cout)
                               : double(s.cin / std::max<int64_t>(s.groups, 1)) * double(s.cout) * double(s.kernel * s.kernel);
    if (f == KernelFamily::Fc && weights * 4.0 > 192e6) return fail("the weights exceed 192 MB");
    if (f != KernelFamily::Fc && weights * 4.0 > 64e6) return fail("the weights exceed 64 MB");
    return true;
}

namespace {

// A spec of `type` from a prior layer, before perturbation.
KernelSpec fromLayer(const std::string& type, const PriorLayer& l, KernelFamily f) {
    KernelSpec s;
    s.type = type;
    switch (f) {
    case KernelFamily::Conv:
    case KernelFamily::ConvTranspose:
    case KernelFamily::GConv:
        s = {type, l.h, l.w, l.cin, l.cout, l.kernel, l.stride, f == KernelFamily::GConv ? std::max<int64_t>(l.groups, 4) : 1};
        break;
    case KernelFamily::DwConv: s = {type, l.h, l.w, l.cin, l.cin, std::max<int64_t>(l.kernel, 3), l.stride, l.cin}; break;
    case KernelFamily::Fc: s = {type, 1, 1, l.cin, l.cout, 1, 1, 1}; break;
    case KernelFamily::Pool: s = {type, l.h, l.w, l.cin, l.cin, l.kernel, l.stride, 1}; break;
    default: {
        // Activations between layers: a conv layer's output.
        const int64_t h = std::max<int64_t>(1, l.h / l.stride), w = std::max<int64_t>(1, l.w / l.stride);
        s = {type, h, w, l.cout, l.cout, 1, 1, 1};
        if (f == KernelFamily::Concat) s.cout = l.cin;  // second input's channels
    }
    }
    return s;
}

void perturb(KernelSpec& s, KernelFamily f, std::mt19937_64& rng, const SamplerOptions& o) {
    std::uniform_real_distribution<double> u(0, 1);
    std::uniform_int_distribution<int> steps(1, std::max(1, o.maxSteps));
    auto move = [&](const std::vector<int64_t>& values, int64_t& v) {
        v = snapTo(values, double(v));
        if (u(rng) < o.perturb) v = step(values, v, (u(rng) < 0.5 ? -1 : 1) * steps(rng));
    };
    const bool spatial = f != KernelFamily::Fc;
    if (spatial) {
        const bool square = s.h == s.w;
        move(spatialSizes(), s.h);
        if (square && u(rng) < 0.9)
            s.w = s.h;  // most real inputs are square; some are not
        else
            move(spatialSizes(), s.w);
    }
    const std::vector<int64_t>& widths = widthsFor(f);
    move(widths, s.cin);
    switch (f) {
    case KernelFamily::Conv:
    case KernelFamily::ConvTranspose:
    case KernelFamily::GConv:
    case KernelFamily::Fc:
    case KernelFamily::Concat: move(widths, s.cout); break;
    default: s.cout = s.cin;
    }
    if (f == KernelFamily::Conv || f == KernelFamily::GConv) move(kConvKernels, s.kernel);
    if (f == KernelFamily::DwConv) move(kDwKernels, s.kernel);
    if (f == KernelFamily::Pool) move(kPoolKernels, s.kernel);
    if (f == KernelFamily::ConvTranspose) s.kernel = s.stride == 2 ? 2 : 3;
    if (f == KernelFamily::Conv || f == KernelFamily::GConv || f == KernelFamily::DwConv || f == KernelFamily::Pool ||
        f == KernelFamily::ConvTranspose)
        move(kStrides, s.stride);
    if (f == KernelFamily::DwConv) s.groups = s.cin;
    if (f == KernelFamily::GConv) {
        // Real grouped convolutions mostly keep their channel count and fix either the number of
        // groups (ResNeXt: 32, ShuffleNetV1: 3 to 8) or the channels per group (RegNet: 8 to
        // 64), so both are drawn; then the nearest group count that divides both channel counts.
        if (u(rng) < 0.75) s.cout = s.cin;
        int64_t g = s.groups;
        if (u(rng) < 0.5)
            g = kGroups[std::uniform_int_distribution<size_t>(0, kGroups.size() - 1)(rng)];
        else
            g = s.cin / kGroupWidths[std::uniform_int_distribution<size_t>(0, kGroupWidths.size() - 1)(rng)];
        g = std::clamp<int64_t>(g, 2, std::max<int64_t>(2, s.cin / 2));
        while (g > 2 && (s.cin % g != 0 || s.cout % g != 0)) --g;
        s.groups = g;
    }
}

int64_t perturbedWindow(int64_t kernel, std::mt19937_64& rng, const SamplerOptions& o) {
    std::uniform_real_distribution<double> u(0, 1);
    const int64_t k = snapTo(kDwKernels, double(kernel));
    return u(rng) < o.perturb / 2 ? step(kDwKernels, k, u(rng) < 0.5 ? -1 : 1) : k;
}

const std::vector<PriorLayer>& layersFor(const Prior& p, KernelFamily f) {
    switch (f) {
    case KernelFamily::DwConv: return p.dwconv;
    case KernelFamily::Fc: return p.fc;
    case KernelFamily::Pool: return p.pooling;
    default: return p.conv;
    }
}

}  // namespace

std::vector<KernelSpec> sampleSpecs(const Prior& prior, const std::string& kernelType, size_t count, const SamplerOptions& options,
                                    const std::vector<KernelSpec>& exclude) {
    const KernelFamily f = familyOf(kernelType);
    const auto& layers = layersFor(prior, f);
    std::vector<KernelSpec> out;
    if (layers.empty()) return out;
    std::set<std::string> seen;
    for (const auto& e : exclude) seen.insert(e.key());
    std::mt19937_64 rng(options.seed);
    std::uniform_int_distribution<size_t> pick(0, layers.size() - 1);
    const bool inner = hasInnerWindow(kernelType) && !prior.dwconv.empty();
    std::uniform_int_distribution<size_t> pickInner(0, inner ? prior.dwconv.size() - 1 : 0);
    // A convolution and a depthwise one fused into one kernel are, in real networks, nearly always
    // an inverted residual's 1 x 1 expansion (2 to 6 x the channels) and its depthwise layer. The
    // conv prior is mostly other layers (3 x 3, projections narrowing the channels), so sampled
    // chains had a small depthwise share and the regressors under-predicted real ones with 7 x 7
    // windows 2-3x (ProxylessNAS networks -45% on xnnpack-t1): three roots in four are drawn from
    // the prior's expansion layers instead.
    std::vector<size_t> expansions;
    if (inner && f == KernelFamily::Conv)
        for (size_t i = 0; i < layers.size(); ++i) {
            const PriorLayer& l = layers[i];
            if (l.kernel == 1 && l.stride == 1 && l.groups == 1 && l.h >= 7 && l.cout >= 2 * l.cin && l.cout <= 6 * l.cin)
                expansions.push_back(i);
        }
    std::uniform_int_distribution<size_t> pickExpansion(0, expansions.empty() ? 0 : expansions.size() - 1);
    std::uniform_real_distribution<double> unit(0, 1);
    for (size_t tries = 0; out.size() < count && tries < count * 50 + 100; ++tries) {
        const bool expansion = !expansions.empty() && unit(rng) < 0.75;
        KernelSpec s = fromLayer(kernelType, layers[expansion ? expansions[pickExpansion(rng)] : pick(rng)], f);
        perturb(s, f, rng, options);
        if (inner) {  // the window and stride of a depthwise layer of a real network, perturbed the same way
            const PriorLayer& l = prior.dwconv[pickInner(rng)];
            s.innerKernel = perturbedWindow(std::max<int64_t>(l.kernel, 3), rng, options);
            s.innerStride = l.stride;
        }
        if (!validSpec(s) || !seen.insert(s.key()).second) continue;
        out.push_back(s);
    }
    return out;
}

std::vector<KernelSpec> neighbours(const KernelSpec& spec) {
    const KernelFamily f = familyOf(spec.type);
    const std::vector<int64_t>& widths = widthsFor(f);
    std::vector<KernelSpec> out;
    std::set<std::string> seen{spec.key()};
    auto add = [&](KernelSpec s) {
        if (f == KernelFamily::DwConv) s.groups = s.cout = s.cin;
        if (f == KernelFamily::Elementwise || f == KernelFamily::GlobalPool || f == KernelFamily::Pool) s.cout = s.cin;
        if (validSpec(s) && seen.insert(s.key()).second) out.push_back(s);
    };
    for (int d : {-2, -1, 1, 2}) {
        if (f != KernelFamily::Fc) {
            KernelSpec s = spec;
            s.h = step(spatialSizes(), spec.h, d);
            s.w = spec.h == spec.w ? s.h : step(spatialSizes(), spec.w, d);
            add(s);
        }
        KernelSpec c = spec;
        c.cin = step(widths, spec.cin, d);
        add(c);
        if (f == KernelFamily::Conv || f == KernelFamily::GConv || f == KernelFamily::Fc || f == KernelFamily::Concat ||
            f == KernelFamily::ConvTranspose) {
            KernelSpec o = spec;
            o.cout = step(widths, spec.cout, d);
            add(o);
        }
    }
    if (f == KernelFamily::Conv || f == KernelFamily::GConv || f == KernelFamily::DwConv || f == KernelFamily::Pool) {
        for (int d : {-1, 1}) {
            KernelSpec k = spec;
            k.kernel = step(f == KernelFamily::Pool ? kPoolKernels : f == KernelFamily::DwConv ? kDwKernels : kConvKernels, spec.kernel, d);
            add(k);
        }
        KernelSpec s = spec;
        s.stride = spec.stride == 1 ? 2 : 1;
        add(s);
    }
    if (spec.innerKernel > 0) {
        for (int d : {-1, 1}) {
            KernelSpec k = spec;
            k.innerKernel = step(kDwKernels, spec.innerKernel, d);
            add(k);
        }
        KernelSpec s = spec;
        s.innerStride = spec.innerStride == 1 ? 2 : 1;
        add(s);
    }
    if (f == KernelFamily::GConv)
        for (int64_t g : {spec.groups / 2, spec.groups * 2}) {
            KernelSpec s = spec;
            s.groups = g;
            if (g >= 2) add(s);
        }
    return out;
}

}  // namespace km
