// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/pages/compare_page.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QVBoxLayout>
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
    std::map<OpCategory, std::pair<double, QString>> best;  // category -> (ms, device)
    for (const DeviceAnalysis* d : devices) {
        std::map<OpCategory, double> byCategory;
        for (const KernelPrediction& k : d->prediction.kernels) byCategory[categoryOfKernelType(k.type)] += k.ms;
        for (const auto& [c, ms] : byCategory)
            if (auto it = best.find(c); it == best.end() || ms < it->second.first) best[c] = {ms, QString::fromStdString(d->deviceId)};
    }
    QString text;
    if (shown.size() > 1) {
        text = tr("<b>Fastest per kernel category</b><br>");
        for (const auto& [c, v] : best) text += tr("%1: %2 (%3 ms)<br>").arg(categoryName(c), v.second, formatMs(v.first));
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
