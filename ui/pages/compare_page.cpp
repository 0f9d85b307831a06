// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/pages/compare_page.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QStringList>
#include <QTableView>
#include <QVBoxLayout>
#include <algorithm>
#include <map>

#include "ui/models/analysis_text.h"
#include "ui/models/kernel_table_model.h"
#include "ui/plots/breakdown_plot.h"
#include "ui/style/format.h"
#include "ui/style/palette.h"

namespace km::ui {

ComparePage::ComparePage(const KernelTableModel* kernels, QWidget* parent) : QWidget(parent), m_kernels(kernels) {
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 4, 0, 0);
    auto* left = new QVBoxLayout;
    m_totals = new QTableView(this);
    m_sorted = new QSortFilterProxyModel(this);
    m_sorted->setSourceModel(&m_model);
    m_sorted->setSortRole(DeviceTotalsModel::SortRole);
    m_totals->setModel(m_sorted);
    m_totals->setSortingEnabled(true);
    m_totals->sortByColumn(-1, Qt::AscendingOrder);  // the devices' order until a header is clicked
    m_totals->verticalHeader()->hide();
    m_totals->horizontalHeader()->setStretchLastSection(true);
    m_totals->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_totals->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_totals->setToolTip(
        tr("Predicted by each device's predictor; measured: the newest measurement of this file in your "
           "database (Tools > Measure, or kernelmeter-cli measure), median with its 10-90% spread."));
    left->addWidget(m_totals, 1);
    m_fastest = new QLabel(this);
    m_fastest->setWordWrap(true);
    m_fastest->setTextInteractionFlags(Qt::TextSelectableByMouse);
    left->addWidget(m_fastest);
    layout->addLayout(left, 3);
    m_plot = new BreakdownPlot(kernels, this);
    m_plot->setMode(BreakdownPlot::Mode::ByCategory);
    layout->addWidget(m_plot, 2);
    refresh();
}

void ComparePage::refresh() {
    const auto& shown = m_kernels->shownDevices();
    std::vector<const DeviceAnalysis*> devices;
    for (size_t s = 0; s < shown.size(); ++s) devices.push_back(m_kernels->deviceAnalysis(s));
    m_model.setDevices(devices, m_measured);
    // Per category, each device's time in kernels of that category. A device with none there has
    // fused the category's ops into kernels of another (XNNPACK's conv-relu-dwconv-relu counts as
    // conv), so it is not the fastest at it: said so instead of a winner by default.
    std::map<OpCategory, std::vector<std::pair<double, QString>>> byCategory;  // category -> (ms, device)
    for (const DeviceAnalysis* d : devices) {
        std::map<OpCategory, double> ms;
        for (const KernelPrediction& k : d->prediction.kernels) ms[categoryOfKernelType(k.type)] += k.ms;
        for (const auto& [c, t] : ms) byCategory[c].push_back({t, QString::fromStdString(d->deviceId)});
    }
    QString text;
    if (shown.size() > 1) {
        text = tr("<b>Fastest per kernel category</b><br>");
        for (auto& [c, times] : byCategory) {
            std::stable_sort(times.begin(), times.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
            if (times.size() == devices.size()) {
                QStringList fastest;  // ties (the same predictor on two devices) all named, in the bar's order
                for (const auto& [t, id] : times)
                    if (t <= times.front().first) fastest << id;
                text += tr("%1: %2 (%3 ms)<br>").arg(categoryName(c), fastest.join(", "), formatMs(times.front().first));
                continue;
            }
            QStringList in, without;
            for (const auto& [t, id] : times) in << tr("%1 %2 ms").arg(id, formatMs(t));
            for (const DeviceAnalysis* d : devices)
                if (std::none_of(times.begin(), times.end(), [&](const auto& x) { return x.second.toStdString() == d->deviceId; }))
                    without << QString::fromStdString(d->deviceId);
            text += tr("%1: %2; %3 fuse%4 it into kernels of other categories<br>")
                        .arg(categoryName(c), in.join(", "), without.join(", "), without.size() == 1 ? "s" : "");
        }
    } else if (shown.size() == 1) {
        text = tr("Pick a second device in the toolbar to compare.");
    } else {
        text = tr("No device with a predictor is selected.");
    }
    m_fastest->setText(text);
    m_plot->refresh();
}

void ComparePage::setMeasured(const MeasuredLatency& latency) {
    m_measured[latency.deviceId] = latency;
    refresh();
}

void ComparePage::clearMeasured() {
    m_measured.clear();
    refresh();
}

int ComparePage::deviceRows() const { return m_model.rowCount(); }
QString ComparePage::fastestText() const { return m_fastest->text(); }

}  // namespace km::ui
