// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/plots/breakdown_plot.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <map>

#include "ui/models/kernel_table_model.h"
#include "ui/style/format.h"
#include "ui/style/palette.h"

namespace km::ui {
namespace {

// The legend in a corner of the axis rect (`inside`), or, with `outside`, in a column of its own
// right of it, so that it covers no bar however narrow the plot and however many devices.
void placeLegend(QCustomPlot* plot, bool outside, Qt::Alignment inside) {
    QCPLayoutGrid* grid = plot->plotLayout();
    QCPLayoutInset* inset = plot->axisRect()->insetLayout();
    auto* column = grid->columnCount() > 1 ? qobject_cast<QCPLayoutGrid*>(grid->element(0, 1)) : nullptr;
    if (outside && !column) {
        inset->take(plot->legend);
        column = new QCPLayoutGrid;
        grid->addElement(0, 1, column);
        grid->setColumnStretchFactor(1, 0.01);  // as wide as the legend
        column->addElement(0, 0, plot->legend);
        column->addElement(1, 0, new QCPLayoutElement(plot));  // the height below it
        column->setRowStretchFactor(0, 0.01);
        column->setMargins(QMargins(0, 12, 6, 0));
    } else if (!outside && column) {
        column->take(plot->legend);
        grid->removeAt(grid->rowColToIndex(0, 1));
        grid->simplify();
        inset->addElement(plot->legend, inside);
    }
    if (!outside) inset->setInsetAlignment(0, inside);
}

}  // namespace

BreakdownPlot::BreakdownPlot(const KernelTableModel* kernels, QWidget* parent) : QWidget(parent), m_kernels(kernels) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Show:"), this));
    m_modeBox = new QComboBox(this);
    m_modeBox->addItem(tr("Time per kernel, in execution order"));
    m_modeBox->addItem(tr("Total per device, stacked by kernel category"));
    m_modeBox->setToolTip(
        tr("Per kernel: the kernels of the chosen kernel device; other devices' kernels are counted "
           "where their first op is. The line is each device's cumulative share of its total."));
    bar->addWidget(m_modeBox);
    bar->addStretch(1);
    layout->addLayout(bar);
    m_plot = new QCustomPlot(this);
    m_plot->setMinimumHeight(160);
    layout->addWidget(m_plot, 1);
    connect(m_modeBox, &QComboBox::currentIndexChanged, this, [this](int i) { setMode(i == 0 ? Mode::PerKernel : Mode::ByCategory); });
    connect(m_plot, &QCustomPlot::plottableClick, this,
            [this](QCPAbstractPlottable* p, int dataIndex, QMouseEvent*) { onClick(p, dataIndex); });
    refresh();
}

void BreakdownPlot::setMode(Mode mode) {
    m_mode = mode;
    m_modeBox->setCurrentIndex(mode == Mode::PerKernel ? 0 : 1);
    refresh();
}

void BreakdownPlot::refresh() {
    rebuild(m_plot, m_mode, true);
    m_plot->replot();
}

void BreakdownPlot::rebuild(QCustomPlot* plot, Mode mode, bool interactive) {
    plot->clearPlottables();
    plot->clearItems();
    plot->clearGraphs();
    if (interactive) m_highlight = nullptr;
    int bars = 0;
    const DeviceAnalysis* rows = m_kernels->kernelDeviceAnalysis();
    plot->legend->setVisible(rows != nullptr);
    plot->legend->setFont(QFont(font().family(), 8));
    plot->legend->setBrush(QColor(255, 255, 255, 210));  // the bars stay visible behind it
    placeLegend(plot, mode == Mode::ByCategory && rows, Qt::AlignTop | Qt::AlignLeft);
    plot->yAxis->setLabel(tr("predicted ms"));
    plot->yAxis2->setVisible(false);
    if (!rows) {
        plot->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
        plot->xAxis->setLabel(tr("no prediction: open a model and pick a device with a predictor"));
        if (interactive) m_barCount = 0;
        return;
    }
    const auto& shown = m_kernels->shownDevices();
    const int n = m_kernels->rowCount();
    if (mode == Mode::PerKernel) {
        auto* group = plot->findChild<QCPBarsGroup*>();  // one per plot, reused across rebuilds
        if (!group) group = new QCPBarsGroup(plot);
        group->clear();
        group->setSpacingType(QCPBarsGroup::stAbsolute);
        group->setSpacing(0);
        plot->yAxis2->setVisible(true);
        plot->yAxis2->setLabel(tr("cumulative share"));
        plot->yAxis2->setRange(0, 100);
        plot->yAxis2->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
        plot->yAxis2->setTickLabels(true);
        double maxMs = 0;
        QVector<double> keys(n);
        for (int r = 0; r < n; ++r) keys[r] = r;
        for (size_t s = 0; s < shown.size(); ++s) {
            QVector<double> ms(n), cumulative(n);
            double total = 0, running = 0;
            for (int r = 0; r < n; ++r) total += ms[r] = m_kernels->attributedMs(s, r);
            for (int r = 0; r < n; ++r) {
                running += ms[r];
                cumulative[r] = total > 0 ? 100 * running / total : 0;
                maxMs = std::max(maxMs, ms[r]);
            }
            const QString device = QString::fromStdString(m_kernels->deviceAnalysis(s)->deviceId);
            auto* b = new QCPBars(plot->xAxis, plot->yAxis);
            b->setName(device);
            b->setData(keys, ms, true);
            b->setWidth(shown.size() > 1 ? 0.8 / double(shown.size()) : 0.8);
            b->setBrush(deviceColor(int(s)));
            b->setPen(Qt::NoPen);
            if (shown.size() > 1) b->setBarsGroup(group);
            bars += n;
            QCPGraph* line = plot->addGraph(plot->xAxis, plot->yAxis2);
            line->setData(keys, cumulative, true);
            line->setPen(QPen(deviceColor(int(s)).darker(130), 1.5));
            line->setName(tr("%1 cumulative %").arg(device));
            line->setSelectable(QCP::stNone);
        }
        plot->xAxis->setTicker(QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
        plot->xAxis->setLabel(tr("kernel # of %1 (execution order)").arg(QString::fromStdString(rows->deviceId)));
        plot->xAxis->setRange(-1, std::max(n, 1));
        plot->yAxis->setRange(0, maxMs > 0 ? maxMs * 1.08 : 1);
        if (interactive) {
            m_highlight = new QCPItemRect(plot);
            m_highlight->setPen(Qt::NoPen);
            m_highlight->setBrush(QColor(0x1a, 0x73, 0xe8, 60));
            m_highlight->setVisible(false);
            m_highlight->setSelectable(false);
        }
    } else {
        // Per device: its own kernels' ms summed by category, then the per-model overhead.
        QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
        std::vector<std::map<OpCategory, double>> byCategory(shown.size());
        std::vector<double> overhead(shown.size());
        std::vector<const DeviceAnalysis*> devices;
        for (size_t s = 0; s < shown.size(); ++s) {
            const DeviceAnalysis* d = m_kernels->deviceAnalysis(s);
            devices.push_back(d);
            for (const KernelPrediction& p : d->prediction.kernels) byCategory[s][categoryOfKernelType(p.type)] += p.ms;
            overhead[s] = d->prediction.overheadMs;
            ticker->addTick(double(s), QString::fromStdString(d->deviceId));
        }
        QCPBars* below = nullptr;
        double top = 0;
        for (int c = 0; c <= int(OpCategory::Count); ++c) {
            QVector<double> keys, values;
            for (size_t s = 0; s < shown.size(); ++s) {
                const double v = c == int(OpCategory::Count) ? overhead[s] : byCategory[s][OpCategory(c)];
                keys << double(s);
                values << v;
            }
            if (std::all_of(values.begin(), values.end(), [](double v) { return v <= 0; })) continue;
            auto* b = new QCPBars(plot->xAxis, plot->yAxis);
            b->setName(c == int(OpCategory::Count) ? tr("per-model overhead") : categoryName(OpCategory(c)));
            b->setData(keys, values, true);
            b->setWidth(0.55);
            b->setBrush(c == int(OpCategory::Count) ? QColor(0xd0, 0xd0, 0xd0) : categoryColor(OpCategory(c)));
            b->setPen(QPen(QColor(0xff, 0xff, 0xff, 160), 0.5));
            b->setSelectable(QCP::stNone);
            if (below) b->moveAbove(below);
            below = b;
            bars += int(shown.size());
        }
        for (const DeviceAnalysis* d : devices) top = std::max(top, d->prediction.totalMs);
        plot->xAxis->setTicker(ticker);
        plot->xAxis->setLabel(QString());
        plot->xAxis->setRange(-0.6, double(shown.size()) - 0.4);
        plot->yAxis->setRange(0, top > 0 ? top * 1.12 : 1);
    }
    if (interactive) {
        m_barCount = bars;
        if (m_selected >= 0) selectKernel(m_selected);
    }
}

void BreakdownPlot::selectKernel(int kernelId) {
    m_selected = kernelId;
    if (!m_highlight) return;
    const int row = m_kernels->rowOfKernel(kernelId);
    m_highlight->setVisible(row >= 0);
    if (row >= 0) {
        m_highlight->topLeft->setType(QCPItemPosition::ptPlotCoords);
        m_highlight->bottomRight->setType(QCPItemPosition::ptPlotCoords);
        m_highlight->topLeft->setCoords(row - 0.5, m_plot->yAxis->range().upper);
        m_highlight->bottomRight->setCoords(row + 0.5, 0);
    }
    m_plot->replot();
}

void BreakdownPlot::onClick(QCPAbstractPlottable* plottable, int dataIndex) {
    if (m_mode != Mode::PerKernel || !qobject_cast<QCPBars*>(plottable)) return;
    const auto* bars = static_cast<QCPBars*>(plottable);
    if (dataIndex < 0 || dataIndex >= bars->data()->size()) return;
    const int row = int(std::lround(bars->data()->at(dataIndex)->key));
    const QModelIndex index = m_kernels->index(row, 0);
    if (!index.isValid()) return;
    const int kernel = m_kernels->data(index, KernelTableModel::KernelIdRole).toInt();
    selectKernel(kernel);
    emit kernelClicked(kernel);
}

QPicture BreakdownPlot::renderPicture(int width, int height, Mode mode) {
    QCustomPlot offscreen;
    offscreen.resize(width, height);
    rebuild(&offscreen, mode, false);
    offscreen.replot(QCustomPlot::rpImmediateRefresh);
    QPicture picture;
    {
        QCPPainter painter(&picture);
        offscreen.toPainter(&painter, width, height);
    }
    return picture;
}

}  // namespace km::ui
