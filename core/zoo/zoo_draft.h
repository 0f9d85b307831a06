// SPDX-License-Identifier: Apache-2.0
// Shared pieces of the zoo generators (internal to core/zoo): the seeded random choices, the
// ONNX builder, and the building blocks every family spells the way exporters do.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

#include "onnx/onnx_builder.h"
#include "zoo/zoo.h"

namespace km::zoo {

// Activation kinds: "relu", "relu6", "hswish", "swish", "" (none).
class Draft {
public:
    Draft(const std::string& family, uint32_t seed, const ZooOptions& options);

    template <typename T>
    T pick(std::initializer_list<T> options) {
        std::uniform_int_distribution<size_t> d(0, options.size() - 1);
        return *(options.begin() + d(m_rng));
    }
    template <typename T>
    T pickFrom(const std::vector<T>& options) {
        std::uniform_int_distribution<size_t> d(0, options.size() - 1);
        return options[d(m_rng)];
    }
    int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(m_rng); }  // both included
    bool chance(double p) { return std::uniform_real_distribution<double>(0.0, 1.0)(m_rng) < p; }

    // A resolution from `candidates` within the options' range. When none fits, error() says so
    // and the smallest candidate is returned (so the generator can finish harmlessly).
    int64_t resolution(std::initializer_list<int64_t> candidates);
    const std::string& error() const { return m_error; }

    OnnxBuilder& b() { return m_b; }
    int64_t channels(const std::string& x) const { return m_b.shapeOf(x).at(1); }
    int64_t height(const std::string& x) const { return m_b.shapeOf(x).at(2); }
    const ZooOptions& options() const { return m_options; }

    std::string act(const std::string& kind, const std::string& x, const std::string& name);
    // Convolution (with bias: a following batch norm is folded into it) and activation.
    std::string convAct(const std::string& x, int64_t out, int64_t k, int64_t s, int64_t groups, const std::string& kind,
                        const std::string& name);
    // Squeeze-and-excite: global pool, 1x1 to `squeeze` channels, `inner` activation, 1x1 back,
    // `gate` ("sigmoid" or "hsigmoid"), multiply.
    std::string squeezeExcite(const std::string& x, int64_t squeeze, const std::string& inner, const std::string& gate,
                              const std::string& name);
    // Inverted residual (MobileNetV2 / MnasNet / ProxylessNAS / EfficientNet / MobileNetV3 block):
    // expand 1x1 (skipped when expand == channels), depthwise k x k, optional SE, project 1x1,
    // identity shortcut when the shape allows.
    std::string invertedResidual(const std::string& x, int64_t expand, int64_t out, int64_t k, int64_t s, const std::string& kind,
                                 int64_t seSqueeze, const std::string& seInner, const std::string& seGate, const std::string& name);
    // Global average pool, flatten, fully connected.
    std::string classifier(const std::string& x, const std::string& name);

    // Width rounded to a multiple of `divisor`, never below 90% of `v` (torchvision's rule).
    static int64_t divisible(double v, int64_t divisor = 8);

private:
    std::mt19937 m_rng;
    ZooOptions m_options;
    OnnxBuilder m_b;
    std::string m_error;
};

// One generator per family: builds the network into `d` and returns its output tensor; appends
// its random choices to `description`.
using FamilyGenerator = std::string (*)(Draft& d, std::string& description);

std::string alexnet(Draft& d, std::string& description);
std::string vgg(Draft& d, std::string& description);
std::string resnet(Draft& d, std::string& description);
std::string densenet(Draft& d, std::string& description);
std::string googlenet(Draft& d, std::string& description);
std::string squeezenet(Draft& d, std::string& description);
std::string mobilenetV1(Draft& d, std::string& description);
std::string mobilenetV2(Draft& d, std::string& description);
std::string mobilenetV3(Draft& d, std::string& description);
std::string shufflenetV2(Draft& d, std::string& description);
std::string mnasnet(Draft& d, std::string& description);
std::string proxylessnas(Draft& d, std::string& description);
std::string efficientnet(Draft& d, std::string& description);
std::string regnet(Draft& d, std::string& description);
std::string nasbench201(Draft& d, std::string& description);

}  // namespace km::zoo
