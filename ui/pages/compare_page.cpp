// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/pages/compare_page.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>
#include <map>

#include "ui/models/analysis_text.h"
#include "ui/models/kernel_table_model.h"
#include "ui/plots/breakdown_plot.h"
#include "ui/style/format.h"
#include "ui/style/palette.h"

namespace km::ui {
namespace {

QTableWidgetItem* cell(const QString& text, bool number = true) {
    auto* item = new QTableWidgetItem(text);
    if (number) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable);
    return item;
}

}  // namespace

ComparePage::ComparePage(const KernelTableModel* kernels, QWidget* parent) : QWidget(parent), m_kernels(kernels) {
    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 4, 0, 0);
    auto* left = new QVBoxLayout;
    m_totals = new QTableWidget(0, 8, this);
    m_totals->setHorizontalHeaderLabels({tr("Device"), tr("Predicted ms"), tr("Interval"), tr("Measured ms"), tr("Error"), tr("vs fastest"),
                                         tr("Kernels"), tr("Overhead ms")});
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
    m_totals->setRowCount(int(shown.size()));
    double fastest = 0;
    for (size_t s = 0; s < shown.size(); ++s) {
        const double t = m_kernels->deviceAnalysis(s)->prediction.totalMs;
        if (fastest == 0 || t < fastest) fastest = t;
    }
    std::map<OpCategory, std::pair<double, QString>> best;  // category -> (ms, device)
    for (size_t s = 0; s < shown.size(); ++s) {
        const DeviceAnalysis& d = *m_kernels->deviceAnalysis(s);
        const ModelPrediction& p = d.prediction;
        auto* name = cell(QString::fromStdString(d.deviceId), false);
        name->setForeground(deviceColor(int(s)));
        name->setToolTip(provenanceText(d));
        m_totals->setItem(int(s), 0, name);
        m_totals->setItem(int(s), 1, cell(formatMs(p.totalMs)));
        m_totals->setItem(int(s), 2, cell(formatInterval(p.lowMs, p.highMs)));
        const auto m = m_measured.find(QString::fromStdString(d.deviceId));
        if (m != m_measured.end()) {
            auto* measured = cell(formatMs(m->second.medianMs));
            measured->setToolTip(
                tr("median %1 ms, 10-90% of rounds %2; measured %3")
                    .arg(formatMs(m->second.medianMs), formatInterval(m->second.p10Ms, m->second.p90Ms), m->second.takenAtUtc));
            m_totals->setItem(int(s), 3, measured);
            m_totals->setItem(int(s), 4,
                              cell(QStringLiteral("%1%2%")
                                       .arg(p.totalMs >= m->second.medianMs ? QStringLiteral("+") : QString())
                                       .arg(100 * (p.totalMs / m->second.medianMs - 1), 0, 'f', 1)));
        } else {
            m_totals->setItem(int(s), 3, cell(tr("-")));
            m_totals->setItem(int(s), 4, cell(QString()));
        }
        m_totals->setItem(int(s), 5, cell(fastest > 0 ? QStringLiteral("x%1").arg(p.totalMs / fastest, 0, 'f', 2) : QString()));
        m_totals->setItem(int(s), 6, cell(QString::number(p.kernels.size())));
        m_totals->setItem(int(s), 7, cell(formatMs(p.overheadMs)));
        std::map<OpCategory, double> byCategory;
        for (const KernelPrediction& k : p.kernels) byCategory[categoryOfKernelType(k.type)] += k.ms;
        for (const auto& [c, ms] : byCategory)
            if (auto it = best.find(c); it == best.end() || ms < it->second.first) best[c] = {ms, QString::fromStdString(d.deviceId)};
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

int ComparePage::deviceRows() const { return m_totals->rowCount(); }
QString ComparePage::fastestText() const { return m_fastest->text(); }

}  // namespace km::ui
