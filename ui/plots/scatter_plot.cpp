// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/plots/scatter_plot.h"

#include <qcustomplot.h>

#include <algorithm>
#include <cmath>

#include "ui/plots/plot_widget.h"

namespace km::ui {

ScatterPlot::ScatterPlot(QWidget* parent) : QWidget(parent) {
    m_plot = embedPlot(this);
    QSharedPointer<QCPAxisTickerLog> ticker(new QCPAxisTickerLog);
    for (QCPAxis* axis : {m_plot->xAxis, m_plot->yAxis}) {
        axis->setScaleType(QCPAxis::stLogarithmic);
        axis->setTicker(ticker);
    }
    m_plot->xAxis->setLabel(tr("measured ms"));
    m_plot->yAxis->setLabel(tr("predicted ms"));
    m_plot->plotLayout()->insertRow(0);
    m_plot->plotLayout()->addElement(0, 0, new QCPTextElement(m_plot, QString(), QFont(font().family(), 9)));
    setMessage(tr("No evaluation data yet."));
}

void ScatterPlot::setMessage(const QString& message) {
    m_plot->clearGraphs();
    m_points = 0;
    if (auto* title = qobject_cast<QCPTextElement*>(m_plot->plotLayout()->element(0, 0))) title->setText(message);
    m_plot->replot();
}

QString ScatterPlot::title() const {
    const auto* title = qobject_cast<QCPTextElement*>(m_plot->plotLayout()->element(0, 0));
    return title ? title->text() : QString();
}

void ScatterPlot::setPoints(const QString& caption, const std::vector<std::pair<double, double>>& points, const QString& note) {
    m_plot->clearGraphs();
    m_points = int(points.size());
    QVector<double> x, y;
    double lo = 1e30, hi = 0;
    int within = 0;
    for (const auto& [measured, predicted] : points) {
        if (!(measured > 0) || !(predicted > 0)) continue;
        x << measured;
        y << predicted;
        lo = std::min({lo, measured, predicted});
        hi = std::max({hi, measured, predicted});
        within += std::abs(predicted / measured - 1) <= 0.10;
    }
    if (x.isEmpty()) {
        setMessage(tr("No model to show."));
        return;
    }
    lo /= 1.3;
    hi *= 1.3;
    auto line = [&](double factor, const QPen& pen) {
        QCPGraph* g = m_plot->addGraph();
        g->setData(QVector<double>{lo, hi}, QVector<double>{lo * factor, hi * factor}, true);
        g->setPen(pen);
    };
    line(1.0, QPen(QColor(0x60, 0x60, 0x60), 1));
    line(1.1, QPen(QColor(0x60, 0x60, 0x60), 1, Qt::DashLine));
    line(0.9, QPen(QColor(0x60, 0x60, 0x60), 1, Qt::DashLine));
    QCPGraph* dots = m_plot->addGraph();
    dots->setData(x, y, false);
    dots->setLineStyle(QCPGraph::lsNone);
    dots->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, QColor(0x1f, 0x77, 0xb4, 170), QColor(0x1f, 0x77, 0xb4, 170), 5));
    m_plot->xAxis->setRange(lo, hi);
    m_plot->yAxis->setRange(lo, hi);
    // One line when it fits a narrow pane: each line of the title is height the axes lose.
    const QString share = tr("%1 models, %2% within 10% (dashed)").arg(x.size()).arg(100.0 * within / x.size(), 0, 'f', 0);
    if (auto* title = qobject_cast<QCPTextElement*>(m_plot->plotLayout()->element(0, 0)))
        title->setText(caption + (caption.size() + share.size() <= 64 ? ": " : "\n") + share + note);
    m_plot->replot();
}

QPicture ScatterPlot::renderPicture(int width, int height) {
    QPicture picture;
    {
        QCPPainter painter(&picture);
        m_plot->toPainter(&painter, width, height);
    }
    return picture;
}

}  // namespace km::ui
