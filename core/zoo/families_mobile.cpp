// SPDX-License-Identifier: Apache-2.0
// The mobile families: MobileNet v1/v2/v3, ShuffleNetV2, MnasNet, ProxylessNAS and EfficientNet.
// Each follows torchvision's (or the paper's) definition, with the variant's random choices
// recorded in its description.
#include <fmt/format.h>
#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <vector>

#include "zoo/zoo_draft.h"

namespace km::zoo {
namespace {

// One stage of inverted residuals: expansion t, output channels c, repeats n, first stride s, kernel k.
struct Stage {
    int64_t t, c;
    int n;
    int64_t s, k;
};

// The stages of inverted residuals of MobileNetV2, MnasNet and EfficientNet: block i of stage s
// (prefix "s<s>b<i>_") expands its input t times, outputs c x width channels, strides s in its
// first block; `squeeze(input channels, expanded channels, stage)` is its squeeze-excite width (0:
// none), with activation `seAct` and gate `gate`.
std::string invertedStages(Draft& d, std::string x, const std::vector<Stage>& stages, double width, const std::string& act,
                           const std::function<int64_t(int64_t, int64_t, const Stage&)>& squeeze, const std::string& seAct,
                           const std::string& gate) {
    for (size_t s = 0; s < stages.size(); ++s)
        for (int i = 0; i < stages[s].n; ++i) {
            const int64_t in = d.channels(x), wide = in * stages[s].t;
            x = d.invertedResidual(x, wide, Draft::divisible(double(stages[s].c) * width), stages[s].k, i == 0 ? stages[s].s : 1, act,
                                   squeeze(in, wide, stages[s]), seAct, gate, fmt::format("s{}b{}_", s, i));
        }
    return x;
}

// Head of the MobileNetV2-style families: 1x1 convolution to `last` channels, then the classifier.
std::string convHead(Draft& d, const std::string& x, int64_t last, const std::string& act) {
    return d.classifier(d.convAct(x, last, 1, 1, 1, act, "head_"), "head_");
}

}  // namespace

std::string mobilenetV1(Draft& d, std::string& description) {
    const int64_t r = d.resolution({128, 160, 192, 224, 256});
    const double alpha = d.pick({0.25, 0.5, 0.75, 1.0});
    const int middle = d.uniform(2, 5);  // the 512-channel stride-1 blocks (5 in the paper)
    const std::string act = d.pick<std::string>({"relu", "relu6"});
    description = fmt::format("r{} x{} middle {} {}", r, alpha, middle, act);
    std::vector<std::pair<int64_t, int64_t>> blocks{{64, 1}, {128, 2}, {128, 1}, {256, 2}, {256, 1}, {512, 2}};
    for (int i = 0; i < middle; ++i) blocks.push_back({512, 1});
    blocks.push_back({1024, 2});
    blocks.push_back({1024, 1});
    std::string x = d.b().input("input", {1, 3, r, r});
    x = d.convAct(x, Draft::divisible(32 * alpha), 3, 2, 1, act, "stem_");
    for (size_t i = 0; i < blocks.size(); ++i) {
        const std::string p = fmt::format("b{}_", i);
        x = d.convAct(x, d.channels(x), 3, blocks[i].second, d.channels(x), act, p + "dw_");
        x = d.convAct(x, Draft::divisible(double(blocks[i].first) * alpha), 1, 1, 1, act, p + "pw_");
    }
    return d.classifier(x, "head_");
}

// MobileNetV2, MnasNet, ProxylessNAS: the same inverted-residual skeleton with other stage tables
// and per-block choices.
std::string mobilenetV2(Draft& d, std::string& description) {
    const int64_t r = d.resolution({96, 128, 160, 192, 224, 256, 288, 320});
    const double alpha = d.pick({0.35, 0.5, 0.75, 1.0, 1.3, 1.4});
    std::vector<Stage> stages{{1, 16, 1, 1, 3}, {6, 24, 2, 2, 3},  {6, 32, 3, 2, 3}, {6, 64, 4, 2, 3},
                              {6, 96, 3, 1, 3}, {6, 160, 3, 2, 3}, {6, 320, 1, 1, 3}};
    std::vector<int> depths;
    for (size_t i = 1; i + 1 < stages.size(); ++i) {
        stages[i].n = std::max(1, stages[i].n + d.uniform(-1, 1));
        stages[i].t = d.pick<int64_t>({3, 4, 6});
    }
    for (const Stage& s : stages) depths.push_back(s.n);
    description = fmt::format("r{} x{} depths {}", r, alpha, fmt::join(depths, "-"));
    std::string x = d.b().input("input", {1, 3, r, r});
    x = d.convAct(x, Draft::divisible(32 * alpha), 3, 2, 1, "relu6", "stem_");
    x = invertedStages(
        d, x, stages, alpha, "relu6", [](int64_t, int64_t, const Stage&) { return int64_t{0}; }, "", "");
    return convHead(d, x, Draft::divisible(1280 * std::max(1.0, alpha)), "relu6");
}

std::string mnasnet(Draft& d, std::string& description) {
    const int64_t r = d.resolution({128, 160, 192, 224, 256});
    const double alpha = d.pick({0.5, 0.75, 1.0, 1.3});
    const bool se = d.chance(0.3);  // MnasNet-A1 puts squeeze-excite in its 5 x 5 stages
    std::vector<Stage> stages{{3, 24, 3, 2, 3}, {3, 40, 3, 2, 5}, {6, 80, 3, 2, 5}, {6, 96, 2, 1, 3}, {6, 192, 4, 2, 5}, {6, 320, 1, 1, 3}};
    std::vector<int> depths;
    for (Stage& s : stages) {
        s.n = std::max(1, s.n + d.uniform(-1, 1));
        depths.push_back(s.n);
    }
    description = fmt::format("r{} x{} depths {}{}", r, alpha, fmt::join(depths, "-"), se ? " se" : "");
    std::string x = d.b().input("input", {1, 3, r, r});
    x = d.convAct(x, Draft::divisible(32 * alpha), 3, 2, 1, "relu", "stem_");
    x = d.convAct(x, d.channels(x), 3, 1, d.channels(x), "relu", "stem_dw_");
    x = d.b().conv(x, Draft::divisible(16 * alpha), 1, 1, 1, "stem_pw_conv");
    x = invertedStages(
        d, x, stages, alpha, "relu",
        [se](int64_t, int64_t wide, const Stage& st) { return se && st.k == 5 ? std::max<int64_t>(8, wide / 4) : int64_t{0}; }, "relu",
        "sigmoid");
    return convHead(d, x, 1280, "relu");
}

std::string proxylessnas(Draft& d, std::string& description) {
    const int64_t r = d.resolution({128, 160, 192, 224, 256});
    const double alpha = d.pick({0.75, 1.0, 1.3, 1.4});
    // Stage widths and strides of ProxylessNAS (mobile); each block picks k in {3, 5, 7} and t in {3, 6}.
    const std::array<std::pair<int64_t, int64_t>, 6> stages{{{32, 2}, {40, 2}, {80, 2}, {96, 1}, {192, 2}, {320, 1}}};
    std::string choices;
    std::string x = d.b().input("input", {1, 3, r, r});
    x = d.convAct(x, Draft::divisible(32 * alpha), 3, 2, 1, "relu6", "stem_");
    x = d.invertedResidual(x, d.channels(x), Draft::divisible(16 * alpha), 3, 1, "relu6", 0, "", "", "first_");
    for (size_t s = 0; s < stages.size(); ++s) {
        const int n = stages[s].first == 320 ? 1 : d.uniform(2, 4);
        for (int i = 0; i < n; ++i) {
            const int64_t k = d.pick<int64_t>({3, 5, 7});
            const int64_t t = d.pick<int64_t>({3, 6});
            choices += fmt::format("{}{}{}", i == 0 ? (s == 0 ? "" : " ") : ",", k, t);
            x = d.invertedResidual(x, d.channels(x) * t, Draft::divisible(double(stages[s].first) * alpha), k,
                                   i == 0 ? stages[s].second : 1, "relu6", 0, "", "", fmt::format("s{}b{}_", s, i));
        }
    }
    description = fmt::format("r{} x{} blocks (k t) {}", r, alpha, choices);
    return convHead(d, x, Draft::divisible(1280 * std::max(1.0, alpha)), "relu6");
}

std::string efficientnet(Draft& d, std::string& description) {
    // Width and depth coefficients and resolution of the compound-scaling family (B0: 1.0, 1.0,
    // 224; B3: 1.2, 1.4, 300), drawn independently around it.
    const int64_t r = d.resolution({128, 160, 192, 224, 240, 260, 300});
    const double width = d.pick({0.75, 1.0, 1.1, 1.2});
    const double depth = d.pick({0.8, 1.0, 1.1, 1.2, 1.4});
    std::vector<Stage> stages{{1, 16, 1, 1, 3},  {6, 24, 2, 2, 3},  {6, 40, 2, 2, 5}, {6, 80, 3, 2, 3},
                              {6, 112, 3, 1, 5}, {6, 192, 4, 2, 5}, {6, 320, 1, 1, 3}};
    std::vector<int> depths;
    std::vector<int64_t> kernels;
    for (Stage& s : stages) {
        s.n = std::max(1, int(std::ceil(double(s.n) * depth)));
        if (s.t > 1 && d.chance(0.25)) s.k = s.k == 3 ? 5 : 3;
        depths.push_back(s.n);
        kernels.push_back(s.k);
    }
    description = fmt::format("r{} width {} depths {} k {}", r, width, fmt::join(depths, "-"), fmt::join(kernels, "-"));
    std::string x = d.b().input("input", {1, 3, r, r});
    x = d.convAct(x, Draft::divisible(32 * width), 3, 2, 1, "swish", "stem_");
    x = invertedStages(
        d, x, stages, width, "swish", [](int64_t in, int64_t, const Stage&) { return std::max<int64_t>(1, in / 4); }, "swish", "sigmoid");
    return convHead(d, x, Draft::divisible(1280 * width), "swish");
}

std::string mobilenetV3(Draft& d, std::string& description) {
    struct Block {
        int64_t k, expand, out;
        bool se, hswish;
        int64_t s;
    };
    static const std::vector<Block> large{{3, 16, 16, false, false, 1}, {3, 64, 24, false, false, 2}, {3, 72, 24, false, false, 1},
                                          {5, 72, 40, true, false, 2},  {5, 120, 40, true, false, 1}, {5, 120, 40, true, false, 1},
                                          {3, 240, 80, false, true, 2}, {3, 200, 80, false, true, 1}, {3, 184, 80, false, true, 1},
                                          {3, 184, 80, false, true, 1}, {3, 480, 112, true, true, 1}, {3, 672, 112, true, true, 1},
                                          {5, 672, 160, true, true, 2}, {5, 960, 160, true, true, 1}, {5, 960, 160, true, true, 1}};
    static const std::vector<Block> small{{3, 16, 16, true, false, 2}, {3, 72, 24, false, false, 2}, {3, 88, 24, false, false, 1},
                                          {5, 96, 40, true, true, 2},  {5, 240, 40, true, true, 1},  {5, 240, 40, true, true, 1},
                                          {5, 120, 48, true, true, 1}, {5, 144, 48, true, true, 1},  {5, 288, 96, true, true, 2},
                                          {5, 576, 96, true, true, 1}, {5, 576, 96, true, true, 1}};
    const int64_t r = d.resolution({96, 128, 160, 192, 224, 256, 288, 320});
    const bool isLarge = d.chance(0.5);
    const double alpha = d.pick({0.5, 0.75, 1.0, 1.25});
    int changed = 0;
    std::string x = d.b().input("input", {1, 3, r, r});
    x = d.convAct(x, 16, 3, 2, 1, "hswish", "stem_");
    const std::vector<Block>& table = isLarge ? large : small;
    for (size_t i = 0; i < table.size(); ++i) {
        Block blk = table[i];
        if (blk.s == 1 && i > 0 && d.chance(0.15)) {  // drop a repeat
            ++changed;
            continue;
        }
        if (d.chance(0.2)) blk.se = !blk.se, ++changed;
        if (d.chance(0.2)) blk.k = blk.k == 3 ? 5 : 3, ++changed;
        const int64_t expand = Draft::divisible(double(blk.expand) * alpha);
        x = d.invertedResidual(x, expand, Draft::divisible(double(blk.out) * alpha), blk.k, blk.s, blk.hswish ? "hswish" : "relu",
                               blk.se ? Draft::divisible(double(expand) / 4) : 0, "relu", "hsigmoid", fmt::format("b{}_", i));
    }
    description = fmt::format("r{} {} x{} changes {}", r, isLarge ? "large" : "small", alpha, changed);
    x = d.convAct(x, Draft::divisible(double(table.back().out * 6) * alpha), 1, 1, 1, "hswish", "head_");
    x = d.b().flatten(d.b().globalAveragePool(x, "head_gap"), "head_flatten");
    x = d.act("hswish", d.b().gemm(x, isLarge ? 1280 : 1024, "head_fc1"), "head_fc1_");
    return d.b().gemm(x, d.options().classes, "head_fc2");
}

std::string shufflenetV2(Draft& d, std::string& description) {
    OnnxBuilder& b = d.b();
    const int64_t r = d.resolution({96, 128, 160, 192, 224, 256});
    const double scale = d.pick({0.5, 1.0, 1.5, 2.0});
    const std::array<int64_t, 3> widths = scale == 0.5   ? std::array<int64_t, 3>{48, 96, 192}
                                          : scale == 1.0 ? std::array<int64_t, 3>{116, 232, 464}
                                          : scale == 1.5 ? std::array<int64_t, 3>{176, 352, 704}
                                                         : std::array<int64_t, 3>{244, 488, 976};
    const std::array<int, 3> repeats{d.uniform(2, 6), d.uniform(4, 10), d.uniform(2, 6)};
    const int64_t k = d.chance(0.25) ? 5 : 3;
    description = fmt::format("r{} x{} repeats {} k{}", r, scale, fmt::join(repeats, "-"), k);
    std::string x = b.input("input", {1, 3, r, r});
    x = d.convAct(x, 24, 3, 2, 1, "relu", "stem_");
    x = b.maxPool(x, 3, 2, "stem_pool");
    for (size_t s = 0; s < 3; ++s) {
        const int64_t half = widths[s] / 2;
        for (int i = 0; i < repeats[s]; ++i) {
            const std::string p = fmt::format("s{}u{}_", s, i);
            std::string left, right;
            if (i == 0) {  // both branches see the whole input and halve the size
                left = d.convAct(b.conv(x, d.channels(x), k, 2, d.channels(x), p + "l_dw_conv"), half, 1, 1, 1, "relu", p + "l_pw_");
                right = x;
            } else {  // torch.chunk(x, 2, dim=1), exported as two Slice nodes
                const int64_t c = d.channels(x);
                left = b.sliceChannels(x, 0, c / 2, p + "chunk0");
                right = b.sliceChannels(x, c / 2, c, p + "chunk1");
            }
            right = d.convAct(right, half, 1, 1, 1, "relu", p + "r_a_");
            right = b.conv(right, half, k, i == 0 ? 2 : 1, half, p + "r_dw_conv");
            right = d.convAct(right, half, 1, 1, 1, "relu", p + "r_b_");
            x = b.channelShuffle(b.concat({left, right}, p + "concat"), 2, p + "shuffle");
        }
    }
    x = d.convAct(x, scale == 2.0 ? 2048 : 1024, 1, 1, 1, "relu", "head_");
    return d.classifier(x, "head_");
}

}  // namespace km::zoo
