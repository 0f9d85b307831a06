// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/plots/plot_widget.h"

#include <qcustomplot.h>

#include <QVBoxLayout>

namespace km::ui {

QCustomPlot* embedPlot(QWidget* owner) {
    auto* layout = new QVBoxLayout(owner);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* plot = new QCustomPlot(owner);
    plot->setMinimumSize(260, 180);
    layout->addWidget(plot);
    return plot;
}

}  // namespace km::ui
