// SPDX-License-Identifier: GPL-3.0-or-later
// The devices side by side: predicted totals with intervals, measured latency where there is one
// (with the prediction's error), how much slower each is than the fastest, which device is fastest
// for each kernel category, and each device's total stacked by kernel category. Follows the
// kernel table (refresh() after it was reset).
#pragma once

#include <QWidget>
#include <map>

#include "ui/models/device_totals_model.h"
#include "ui/models/measured_latency.h"

class QLabel;
class QSortFilterProxyModel;
class QTableView;

namespace km::ui {

class BreakdownPlot;
class KernelTableModel;

class ComparePage : public QWidget {
    Q_OBJECT
public:
    explicit ComparePage(const KernelTableModel* kernels, QWidget* parent = nullptr);
    void refresh();
    // Measured latency beside the prediction (kept until clearMeasured, i.e. the next model).
    void setMeasured(const MeasuredLatency& latency);
    void clearMeasured();
    const std::map<QString, MeasuredLatency>& measured() const { return m_measured; }

    // For tests: the totals table's model and rows, and the text under it.
    const DeviceTotalsModel* totalsModel() const { return &m_model; }
    int deviceRows() const;
    QString fastestText() const;

private:
    const KernelTableModel* m_kernels;
    DeviceTotalsModel m_model;
    QSortFilterProxyModel* m_sorted = nullptr;
    QTableView* m_totals = nullptr;
    QLabel* m_fastest = nullptr;
    BreakdownPlot* m_plot = nullptr;
    std::map<QString, MeasuredLatency> m_measured;  // by device id
};

}  // namespace km::ui
