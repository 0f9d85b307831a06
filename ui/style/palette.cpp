// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/style/palette.h"

#include <algorithm>
#include <array>
#include <set>

namespace km::ui {

OpCategory categoryOfOp(const std::string& op) {
    static const std::set<std::string> kConv = {"conv", "gconv", "convtranspose"};
    static const std::set<std::string> kFc = {"fc", "matmul", "gemm"};
    static const std::set<std::string> kPool = {"maxpool", "avgpool", "gap", "reducemean", "se"};
    static const std::set<std::string> kMove = {"concat", "split",  "reshape", "flatten", "transpose", "channelshuffle",
                                                "pad",    "resize", "copy",    "slice",   "gather",    "identity"};
    static const std::set<std::string> kElementWise = {"add",   "mul",     "sub",  "div",  "relu", "relu6",    "hswish",    "hsigmoid",
                                                       "swish", "sigmoid", "tanh", "bn",   "clip", "gelu",     "leakyrelu", "prelu",
                                                       "elu",   "softmax", "exp",  "sqrt", "pow",  "batchnorm"};
    if (op == "dwconv") return OpCategory::DwConv;
    if (kConv.count(op)) return OpCategory::Conv;
    if (kFc.count(op)) return OpCategory::Fc;
    if (kPool.count(op)) return OpCategory::Pooling;
    if (kMove.count(op)) return OpCategory::DataMovement;
    if (kElementWise.count(op)) return OpCategory::ElementWise;
    return OpCategory::Other;
}

OpCategory categoryOfKernelType(const std::string& kernelType) {
    if (kernelType.rfind("other:", 0) == 0) return OpCategory::Other;
    return categoryOfOp(kernelType.substr(0, kernelType.find('-')));
}

QString categoryName(OpCategory c) {
    switch (c) {
    case OpCategory::Conv: return QStringLiteral("conv");
    case OpCategory::DwConv: return QStringLiteral("dwconv");
    case OpCategory::Fc: return QStringLiteral("fc");
    case OpCategory::Pooling: return QStringLiteral("pooling");
    case OpCategory::ElementWise: return QStringLiteral("element-wise");
    case OpCategory::DataMovement: return QStringLiteral("data movement");
    default: return QStringLiteral("other");
    }
}

QColor categoryColor(OpCategory c) {
    // Tableau-like hues: distinct for the common colour-vision deficiencies at this count.
    static const std::array<QColor, size_t(OpCategory::Count)> kColors = {
        QColor(0x4e, 0x79, 0xa7),  // conv: blue
        QColor(0x59, 0xa1, 0x4f),  // dwconv: green
        QColor(0xb0, 0x7a, 0xa1),  // fc: purple
        QColor(0xf2, 0x8e, 0x2b),  // pooling: orange
        QColor(0x76, 0xb7, 0xb2),  // element-wise: teal
        QColor(0xed, 0xc9, 0x48),  // data movement: yellow
        QColor(0x9c, 0x9c, 0x9c),  // other: grey
    };
    return kColors[std::min(size_t(c), kColors.size() - 1)];
}

QColor heatColor(double share) {
    share = std::clamp(share, 0.0, 1.0);
    // Hue from 55 (yellow) to 0 (red), saturation rising with the share.
    return QColor::fromHsvF(float((1.0 - share) * 55.0 / 360.0), float(0.25 + 0.7 * share), float(1.0 - 0.25 * share));
}

QColor deviceColor(int index) {
    static const std::array<QColor, 6> kColors = {QColor(0x1f, 0x77, 0xb4), QColor(0xff, 0x7f, 0x0e), QColor(0x2c, 0xa0, 0x2c),
                                                  QColor(0x94, 0x67, 0xbd), QColor(0x8c, 0x56, 0x4b), QColor(0x17, 0xbe, 0xcf)};
    return kColors[size_t(std::max(index, 0)) % kColors.size()];
}

QColor warningColor() { return QColor(0xb3, 0x26, 0x1e); }

}  // namespace km::ui
