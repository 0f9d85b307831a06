// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/plots/accuracy_plot.h"

#include <qcustomplot.h>

#include <algorithm>

#include "ui/plots/plot_widget.h"

namespace km::ui {

AccuracyPlot::AccuracyPlot(QWidget* parent) : QWidget(parent) {
    m_plot = embedPlot(this);
    // The legend is a row above the axes: inside them it covered the points of a narrow pane.
    QCPLegend* legend = m_plot->legend;
    m_plot->axisRect()->insetLayout()->take(legend);
    m_plot->plotLayout()->insertRow(0);
    m_plot->plotLayout()->addElement(0, 0, legend);
    m_plot->plotLayout()->setRowStretchFactor(0, 0.001);
    legend->setFillOrder(QCPLegend::foColumnsFirst);
    legend->setBorderPen(Qt::NoPen);
    legend->setMargins(QMargins(4, 2, 4, 0));
    redraw();
}

void AccuracyPlot::setRounds(const QString& title, const std::vector<RoundMetrics>& rounds, double targetWithin10, double targetWithin5) {
    m_title = title;
    m_rounds = rounds;
    m_target10 = targetWithin10;
    m_target5 = targetWithin5;
    redraw();
}

void AccuracyPlot::appendRound(const RoundMetrics& round) {
    m_rounds.push_back(round);
    redraw();
}

void AccuracyPlot::redraw() {
    m_plot->clearGraphs();
    m_plot->clearItems();
    m_plot->legend->setVisible(true);
    m_plot->legend->setFont(QFont(font().family(), 8));
    m_plot->xAxis->setLabel(m_title.isEmpty() ? tr("samples measured") : tr("samples measured (%1)").arg(m_title));
    m_plot->yAxis->setLabel(tr("kernels within, %"));
    m_plot->yAxis->setRange(0, 102);
    m_plot->yAxis2->setVisible(true);
    m_plot->yAxis2->setLabel(tr("RMSPE, %"));
    QVector<double> x, w10, w5, rmspe;
    double maxRmspe = 0;
    for (const RoundMetrics& r : m_rounds) {
        x << double(r.samples);
        w10 << 100 * r.within10;
        w5 << 100 * r.within5;
        rmspe << 100 * r.rmspe;
        maxRmspe = std::max(maxRmspe, 100 * r.rmspe);
    }
    auto addLine = [&](const QVector<double>& y, QCPAxis* axis, const QColor& colour, const QString& name) {
        QCPGraph* g = m_plot->addGraph(m_plot->xAxis, axis);
        g->setData(x, y, true);
        g->setPen(QPen(colour, 2));
        g->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, colour, colour, 6));
        g->setName(name);
    };
    addLine(w10, m_plot->yAxis, QColor(0x1f, 0x77, 0xb4), tr("within 10%"));
    addLine(w5, m_plot->yAxis, QColor(0x2c, 0xa0, 0x2c), tr("within 5%"));
    addLine(rmspe, m_plot->yAxis2, QColor(0xd6, 0x27, 0x28), tr("RMSPE"));
    for (const auto& [target, colour] : {std::pair{m_target10, QColor(0x1f, 0x77, 0xb4)}, std::pair{m_target5, QColor(0x2c, 0xa0, 0x2c)}}) {
        auto* line = new QCPItemStraightLine(m_plot);
        line->point1->setCoords(0, 100 * target);
        line->point2->setCoords(1, 100 * target);
        line->setPen(QPen(colour, 1, Qt::DashLine));
    }
    const double maxX = x.isEmpty() ? 1 : *std::max_element(x.begin(), x.end());
    m_plot->xAxis->setRange(0, maxX * 1.05 + 1);
    m_plot->yAxis2->setRange(0, std::max(5.0, maxRmspe * 1.15));
    m_plot->replot();
}

}  // namespace km::ui
