// SPDX-License-Identifier: GPL-3.0-or-later
// The QCustomPlot inside each plot widget of ui/plots, filling it, at a readable minimum size.
#pragma once

class QCustomPlot;
class QWidget;

namespace km::ui {

QCustomPlot* embedPlot(QWidget* owner);

}  // namespace km::ui
