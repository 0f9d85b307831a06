// SPDX-License-Identifier: Apache-2.0
// The pre-mobile families: AlexNet, VGG, ResNet (and ResNeXt), DenseNet, GoogLeNet, SqueezeNet.
// Each follows torchvision's definition, with the variant's random choices recorded in its
// description.
#include <fmt/format.h>
#include <algorithm>
#include <array>

#include "zoo/zoo_draft.h"

namespace km::zoo {
namespace {

int64_t scaled(int64_t c, double multiplier) { return Draft::divisible(double(c) * multiplier); }

// Two hidden fully connected layers as in AlexNet and VGG. Average pools first shrink a large map
// to at most 7 x 7 (the role of torchvision's adaptive pool) so the first layer stays realistic.
std::string fullyConnectedHead(Draft& d, std::string x, int64_t hidden) {
    OnnxBuilder& b = d.b();
    for (int i = 0; d.height(x) > 7; ++i) x = b.avgPool(x, 2, 2, fmt::format("head_pool{}", i), 0);
    x = b.flatten(x, "head_flatten");
    x = b.relu(b.gemm(x, hidden, "head_fc1"), "head_fc1_relu");
    x = b.relu(b.gemm(x, hidden, "head_fc2"), "head_fc2_relu");
    return b.gemm(x, d.options().classes, "head_fc3");
}

}  // namespace

std::string alexnet(Draft& d, std::string& description) {
    OnnxBuilder& b = d.b();
    const int64_t r = d.resolution({128, 160, 192, 224, 256});
    const double m = d.pick({0.5, 0.75, 1.0, 1.25});
    const int64_t hidden = d.pick<int64_t>({1024, 2048, 4096});
    const int64_t k2 = d.pick<int64_t>({3, 5});
    description = fmt::format("r{} x{} conv2 k{} fc{}", r, m, k2, hidden);
    std::string x = b.input("input", {1, 3, r, r});
    x = d.convAct(x, scaled(64, m), 11, 4, 1, "relu", "conv1_");
    x = b.maxPool(x, 3, 2, "pool1", 0);
    x = d.convAct(x, scaled(192, m), k2, 1, 1, "relu", "conv2_");
    x = b.maxPool(x, 3, 2, "pool2", 0);
    x = d.convAct(x, scaled(384, m), 3, 1, 1, "relu", "conv3_");
    x = d.convAct(x, scaled(256, m), 3, 1, 1, "relu", "conv4_");
    x = d.convAct(x, scaled(256, m), 3, 1, 1, "relu", "conv5_");
    x = b.maxPool(x, 3, 2, "pool5", 0);
    return fullyConnectedHead(d, x, hidden);
}

std::string vgg(Draft& d, std::string& description) {
    OnnxBuilder& b = d.b();
    const int64_t r = d.resolution({96, 128, 160, 192, 224});
    const double m = d.pick({0.25, 0.5, 0.75, 1.0});
    const int64_t hidden = d.pick<int64_t>({512, 1024, 2048, 4096});
    std::array<int, 5> depths{};
    for (size_t s = 0; s < depths.size(); ++s) depths[s] = s < 2 ? d.uniform(1, 2) : d.uniform(2, 4);
    description = fmt::format("r{} x{} depths {} fc{}", r, m, fmt::join(depths, "-"), hidden);
    std::string x = b.input("input", {1, 3, r, r});
    const std::array<int64_t, 5> widths{64, 128, 256, 512, 512};
    for (size_t s = 0; s < depths.size(); ++s) {
        for (int i = 0; i < depths[s]; ++i) x = d.convAct(x, scaled(widths[s], m), 3, 1, 1, "relu", fmt::format("s{}c{}_", s, i));
        x = b.maxPool(x, 2, 2, fmt::format("s{}pool", s), 0);
    }
    return fullyConnectedHead(d, x, hidden);
}

std::string resnet(Draft& d, std::string& description) {
    OnnxBuilder& b = d.b();
    const int64_t r = d.resolution({128, 160, 192, 224, 256, 288, 320});
    const bool bottleneck = d.chance(0.5);
    const double m = d.pick({0.5, 0.75, 1.0});
    // ResNeXt: grouped 3 x 3 convolutions of 4 or 8 channels per group (bottleneck only).
    const int64_t groups = bottleneck && d.chance(0.35) ? d.pick<int64_t>({8, 16, 32}) : 1;
    const int64_t perGroup = d.pick<int64_t>({4, 8});
    std::array<int, 4> depths{d.uniform(1, 3), d.uniform(1, 4), d.uniform(2, 8), d.uniform(1, 3)};
    description = fmt::format("r{} {} x{}{} depths {}", r, bottleneck ? "bottleneck" : "basic", m,
                              groups > 1 ? fmt::format(" groups {}x{}", groups, perGroup) : "", fmt::join(depths, "-"));
    std::string x = b.input("input", {1, 3, r, r});
    x = d.convAct(x, scaled(64, m), 7, 2, 1, "relu", "stem_");
    x = b.maxPool(x, 3, 2, "stem_pool");
    for (int s = 0; s < 4; ++s) {
        const int64_t planes = scaled(64 << s, m);
        for (int i = 0; i < depths[size_t(s)]; ++i) {
            const std::string p = fmt::format("s{}b{}_", s, i);
            const int64_t stride = i == 0 && s > 0 ? 2 : 1;
            const int64_t out = bottleneck ? planes * 4 : planes;
            std::string y;
            if (bottleneck) {
                const int64_t width = groups > 1 ? groups * perGroup * (int64_t(1) << s) : planes;
                y = d.convAct(x, width, 1, 1, 1, "relu", p + "a_");
                y = d.convAct(y, width, 3, stride, groups, "relu", p + "b_");
                y = b.conv(y, out, 1, 1, 1, p + "c_conv");
            } else {
                y = d.convAct(x, out, 3, stride, 1, "relu", p + "a_");
                y = b.conv(y, out, 3, 1, 1, p + "b_conv");
            }
            const std::string shortcut = stride == 1 && d.channels(x) == out ? x : b.conv(x, out, 1, stride, 1, p + "down_conv");
            x = b.relu(b.add(y, shortcut, p + "add"), p + "relu");
        }
    }
    return d.classifier(x, "head_");
}

std::string densenet(Draft& d, std::string& description) {
    OnnxBuilder& b = d.b();
    const int64_t r = d.resolution({96, 128, 160, 192, 224});
    const int64_t growth = d.pick<int64_t>({12, 16, 24, 32});
    std::array<int, 4> depths{d.uniform(2, 6), d.uniform(4, 12), d.uniform(6, 24), d.uniform(4, 16)};
    description = fmt::format("r{} growth {} depths {}", r, growth, fmt::join(depths, "-"));
    std::string x = b.input("input", {1, 3, r, r});
    x = d.convAct(x, 2 * growth, 7, 2, 1, "relu", "stem_");
    x = b.maxPool(x, 3, 2, "stem_pool");
    for (int s = 0; s < 4; ++s) {
        // Every layer reads the concatenation of all earlier outputs of its block; the batch norm
        // after a concatenation has no convolution to fold into, so it stays.
        std::vector<std::string> features{x};
        for (int i = 0; i < depths[size_t(s)]; ++i) {
            const std::string p = fmt::format("s{}l{}_", s, i);
            const std::string in = features.size() == 1 ? features[0] : b.concat(features, p + "concat");
            std::string y = b.relu(b.batchNorm(in, p + "bn"), p + "bn_relu");
            y = d.convAct(y, 4 * growth, 1, 1, 1, "relu", p + "a_");
            features.push_back(b.conv(y, growth, 3, 1, 1, p + "b_conv"));
        }
        x = b.concat(features, fmt::format("s{}concat", s));
        if (s == 3) break;
        const std::string p = fmt::format("t{}_", s);
        x = b.conv(b.relu(b.batchNorm(x, p + "bn"), p + "relu"), d.channels(x) / 2, 1, 1, 1, p + "conv");
        x = b.avgPool(x, 2, 2, p + "pool", 0);
    }
    x = b.relu(b.batchNorm(x, "head_bn"), "head_relu");
    return d.classifier(x, "head_");
}

std::string googlenet(Draft& d, std::string& description) {
    OnnxBuilder& b = d.b();
    const int64_t r = d.resolution({128, 160, 192, 224, 256});
    // torchvision's inception modules: 1x1; 1x1 -> 3x3; 1x1 -> 3x3 (or 5x5 as in the paper); pool -> 1x1.
    struct Module {
        int64_t c1, r3, c3, r5, c5, pool;
    };
    static constexpr std::array<Module, 9> table{{{64, 96, 128, 16, 32, 32},
                                                  {128, 128, 192, 32, 96, 64},
                                                  {192, 96, 208, 16, 48, 64},
                                                  {160, 112, 224, 24, 64, 64},
                                                  {128, 128, 256, 24, 64, 64},
                                                  {112, 144, 288, 32, 64, 64},
                                                  {256, 160, 320, 32, 128, 128},
                                                  {256, 160, 320, 32, 128, 128},
                                                  {384, 192, 384, 48, 128, 128}}};
    const double m = d.pick({0.5, 0.75, 1.0, 1.25});
    const int64_t k3 = d.pick<int64_t>({3, 5});
    const std::array<int, 3> counts{d.uniform(1, 2), d.uniform(2, 5), d.uniform(1, 2)};
    description = fmt::format("r{} x{} third branch k{} modules {}", r, m, k3, fmt::join(counts, "-"));
    std::string x = b.input("input", {1, 3, r, r});
    x = d.convAct(x, scaled(64, m), 7, 2, 1, "relu", "stem1_");
    x = b.maxPool(x, 3, 2, "stem1_pool");
    x = d.convAct(x, scaled(64, m), 1, 1, 1, "relu", "stem2_");
    x = d.convAct(x, scaled(192, m), 3, 1, 1, "relu", "stem3_");
    x = b.maxPool(x, 3, 2, "stem3_pool");
    const std::array<size_t, 3> first{0, 2, 7};  // first table row of each stage
    for (size_t s = 0; s < 3; ++s) {
        for (int i = 0; i < counts[s]; ++i) {
            const Module& t = table[std::min(first[s] + size_t(i), s == 1 ? size_t(6) : first[s] + 1)];
            const std::string p = fmt::format("s{}m{}_", s, i);
            const std::string b1 = d.convAct(x, scaled(t.c1, m), 1, 1, 1, "relu", p + "b1_");
            const std::string b2 =
                d.convAct(d.convAct(x, scaled(t.r3, m), 1, 1, 1, "relu", p + "b2a_"), scaled(t.c3, m), 3, 1, 1, "relu", p + "b2b_");
            const std::string b3 =
                d.convAct(d.convAct(x, scaled(t.r5, m), 1, 1, 1, "relu", p + "b3a_"), scaled(t.c5, m), k3, 1, 1, "relu", p + "b3b_");
            const std::string b4 = d.convAct(b.maxPool(x, 3, 1, p + "b4_pool"), scaled(t.pool, m), 1, 1, 1, "relu", p + "b4_");
            x = b.concat({b1, b2, b3, b4}, p + "concat");
        }
        if (s < 2) x = b.maxPool(x, 3, 2, fmt::format("s{}pool", s));
    }
    return d.classifier(x, "head_");
}

std::string squeezenet(Draft& d, std::string& description) {
    OnnxBuilder& b = d.b();
    const int64_t r = d.resolution({96, 128, 160, 192, 224, 256});
    const bool v11 = d.chance(0.5);
    const double m = d.pick({0.5, 0.75, 1.0, 1.5});
    const double share3x3 = d.pick({0.25, 0.5, 0.75});  // of the expand channels
    description = fmt::format("r{} v{} x{} 3x3 share {}", r, v11 ? "1.1" : "1.0", m, share3x3);
    std::string x = b.input("input", {1, 3, r, r});
    x = v11 ? d.convAct(x, 64, 3, 2, 1, "relu", "stem_") : d.convAct(x, 96, 7, 2, 1, "relu", "stem_");
    x = b.maxPool(x, 3, 2, "stem_pool", 0);
    // Fire modules by their total expand width (squeeze = expand / 8); the pools sit elsewhere by version.
    const std::array<int64_t, 8> expand{128, 128, 256, 256, 384, 384, 512, 512};
    for (size_t i = 0; i < expand.size(); ++i) {
        const std::string p = fmt::format("fire{}_", i);
        const int64_t e = scaled(expand[i], m);
        const int64_t e3 = std::max<int64_t>(8, Draft::divisible(double(e) * share3x3));
        const std::string s = d.convAct(x, std::max<int64_t>(8, e / 8), 1, 1, 1, "relu", p + "squeeze_");
        x = b.concat({d.convAct(s, std::max<int64_t>(8, e - e3), 1, 1, 1, "relu", p + "e1_"), d.convAct(s, e3, 3, 1, 1, "relu", p + "e3_")},
                     p + "concat");
        if ((v11 && (i == 1 || i == 3)) || (!v11 && (i == 2 || i == 6))) x = b.maxPool(x, 3, 2, p + "pool", 0);
    }
    x = d.convAct(x, d.options().classes, 1, 1, 1, "relu", "head_");
    return b.flatten(b.globalAveragePool(x, "head_gap"), "head_flatten");
}

}  // namespace km::zoo
