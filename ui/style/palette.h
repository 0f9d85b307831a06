// SPDX-License-Identifier: GPL-3.0-or-later
// One palette for the graph, the tables and the plots: a colour per op category (UX.md: conv,
// dwconv, fc, pooling, element-wise, data movement, other), a latency heat scale, and the colour
// each device gets. Mid-saturation colours that read on light and dark window backgrounds.
#pragma once

#include <QColor>
#include <QString>
#include <string>

namespace km::ui {

enum class OpCategory { Conv, DwConv, Fc, Pooling, ElementWise, DataMovement, Other, Count };

OpCategory categoryOfOp(const std::string& canonicalOp);
// A kernel type ("conv-bn-relu", "se", "other:Foo") takes its first op's category.
OpCategory categoryOfKernelType(const std::string& kernelType);
QString categoryName(OpCategory c);
QColor categoryColor(OpCategory c);

// share in [0, 1] (a kernel's part of the largest kernel's time) -> pale yellow .. deep red.
QColor heatColor(double share);

// The i-th device's colour in grouped bars and legends.
QColor deviceColor(int index);

// Red used for unknown or unpredicted kernels (hatched in the graph) and for error banners.
QColor warningColor();

}  // namespace km::ui
