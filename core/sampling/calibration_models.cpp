#include "sampling/calibration_models.h"

#include <algorithm>
#include <fmt/format.h>
#include <random>
#include <vector>

#include "onnx/onnx_builder.h"

namespace km {
namespace {

class NetworkDraft {
public:
    NetworkDraft(uint32_t seed) : m_rng(seed * 2654435761u + 12345u), m_b(fmt::format("calibration {}", seed), seed, /*opset=*/14) {}

    template <typename T>
    T pick(std::initializer_list<T> options) {
        std::uniform_int_distribution<size_t> d(0, options.size() - 1);
        return *(options.begin() + d(m_rng));
    }
    bool coin() { return pick({false, true}); }
    OnnxBuilder& builder() { return m_b; }
    int64_t channels(const std::string& x) const { return m_b.shapeOf(x).at(1); }

    std::string activation(const std::string& act, const std::string& x, const std::string& name) {
        if (act == "relu6") return m_b.clip(x, 0, 6, name);
        if (act == "hswish") return m_b.unary("HardSwish", x, name);
        if (act == "swish") return m_b.swish(x, name);
        return m_b.relu(x, name);
    }
    std::string convAct(const std::string& x, int64_t out, int64_t k, int64_t s, int64_t g, const std::string& act,
                        const std::string& name) {
        return activation(act, m_b.conv(x, out, k, s, g, name + "conv"), name + act);
    }
    std::string shortcut(const std::string& x, int64_t out, int64_t s, const std::string& name) {
        return s == 1 && channels(x) == out ? x : m_b.conv(x, out, 1, s, 1, name + "shortcut");
    }

    // One block: `x` in, `out` channels, stride `s`; node names start with `p`.
    std::string block(const std::string& kind, const std::string& x, int64_t out, int64_t s, const std::string& act, bool se,
                      const std::string& p) {
        OnnxBuilder& b = m_b;
        const int64_t c = channels(x);
        if (kind == "basic") {
            std::string y = convAct(x, out, 3, s, 1, act, p + "a_");
            y = b.conv(y, out, 3, 1, 1, p + "b_conv");
            return activation(act, b.add(y, shortcut(x, out, s, p), p + "add"), p + "out_" + act);
        }
        if (kind == "bottleneck") {
            const int64_t mid = std::max<int64_t>(8, out / 4);
            std::string y = convAct(x, mid, 1, 1, 1, act, p + "a_");
            y = convAct(y, mid, 3, s, 1, act, p + "b_");
            y = b.conv(y, out, 1, 1, 1, p + "c_conv");
            return activation(act, b.add(y, shortcut(x, out, s, p), p + "add"), p + "out_" + act);
        }
        if (kind == "inverted") {
            const int64_t wide = c * pick<int64_t>({3, 4, 6});
            std::string h = convAct(x, wide, 1, 1, 1, act, p + "expand_");
            h = convAct(h, wide, pick<int64_t>({3, 5}), s, wide, act, p + "dw_");
            if (se) {
                std::string g = b.globalAveragePool(h, p + "se_gap");
                g = b.relu(b.conv(g, std::max<int64_t>(8, wide / 4), 1, 1, 1, p + "se_reduce"), p + "se_relu");
                g = b.conv(g, wide, 1, 1, 1, p + "se_expand");
                g = act == "hswish" ? b.unary("HardSigmoid", g, p + "se_hsigmoid") : b.unary("Sigmoid", g, p + "se_sigmoid");
                h = b.mul(h, g, p + "se_mul");
            }
            h = b.conv(h, out, 1, 1, 1, p + "project");
            return s == 1 && c == out ? b.add(h, x, p + "add") : h;
        }
        if (kind == "dense") {  // pre-activation as in DenseNet: bn -> act -> conv, then concatenate
            std::string y = x;
            if (s == 2) y = b.avgPool(b.conv(activation(act, b.batchNorm(y, p + "t_bn"), p + "t_" + act), out, 1, 1, 1, p + "t_conv"),
                                      2, 2, p + "t_pool");
            const int64_t growth = std::max<int64_t>(8, out / 4);
            std::string z = b.conv(activation(act, b.batchNorm(y, p + "a_bn"), p + "a_" + act), 4 * growth, 1, 1, 1, p + "a_conv");
            z = b.conv(activation(act, b.batchNorm(z, p + "b_bn"), p + "b_" + act), growth, 3, 1, 1, p + "b_conv");
            return b.concat({y, z}, p + "concat");
        }
        if (kind == "shuffle") {  // ShuffleNetV2 units
            const int64_t half = out / 2;
            std::string left, right;
            if (s == 1 && c == out) {
                const auto halves = b.split(x, p + "split");
                left = halves[0];
                right = halves[1];
            } else {
                left = convAct(b.conv(x, c, 3, s, c, p + "l_dw"), half, 1, 1, 1, act, p + "l_");
                right = x;
            }
            right = convAct(right, half, 1, 1, 1, act, p + "r_a_");
            right = b.conv(right, half, 3, s, half, p + "r_dw");
            right = convAct(right, half, 1, 1, 1, act, p + "r_b_");
            return b.channelShuffle(b.concat({left, right}, p + "concat"), 2, p + "shuffle");
        }
        // plain (VGG-like): a max-pool where the stage halves the size
        std::string y = s == 2 ? b.maxPool(x, 3, 2, p + "pool") : x;
        return convAct(y, out, 3, 1, 1, act, p);
    }

private:
    std::mt19937 m_rng;
    OnnxBuilder m_b;
};

int64_t roundTo8(double c) { return std::max<int64_t>(8, int64_t(c / 8.0 + 0.5) * 8); }

}  // namespace

Result<CalibrationModel> buildCalibrationModel(uint32_t seed) {
    NetworkDraft d(seed);
    OnnxBuilder& b = d.builder();
    const std::string kind = d.pick<std::string>({"basic", "bottleneck", "inverted", "dense", "shuffle", "plain"});
    const bool light = kind == "inverted" || kind == "shuffle";
    const int64_t resolution = light ? d.pick<int64_t>({96, 128, 160, 192, 224}) : d.pick<int64_t>({96, 128, 160});
    const std::string act = d.pick<std::string>({"relu", "relu", "relu6", "hswish", "swish"});
    const bool se = kind == "inverted" && d.coin();
    const int64_t base = kind == "plain" ? d.pick<int64_t>({16, 24}) : d.pick<int64_t>({16, 24, 32});
    const int stages = d.pick({3, 4});

    std::string x = b.input("x", {1, 3, resolution, resolution});
    x = d.convAct(x, base, 3, 2, 1, act, "stem_");
    int blocks = 0;
    for (int s = 0; s < stages; ++s) {
        const int64_t width = roundTo8(double(base) * double(int64_t(1) << (s + 1)) * d.pick({0.75, 1.0, 1.25}));
        const int depth = light ? d.pick({1, 2, 3}) : d.pick({1, 2});
        for (int i = 0; i < depth; ++i, ++blocks)
            x = d.block(kind, x, width, i == 0 ? 2 : 1, act, se, fmt::format("s{}b{}_", s, i));
    }
    x = b.flatten(b.globalAveragePool(x, "head_gap"), "head_flatten");
    x = b.gemm(x, d.pick<int64_t>({100, 1000}), "head_fc");
    Result<std::string> bytes = b.finish({x});
    if (!bytes) return bytes.error();
    return CalibrationModel{std::move(bytes).value(), fmt::format("r{} w{} {} x{} {}{}", resolution, base, kind, blocks, act, se ? " se" : "")};
}

}  // namespace km
