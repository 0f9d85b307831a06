// SPDX-License-Identifier: GPL-3.0-or-later
// Table of a model's kernels as one device (the "kernel device") partitions it, with every
// analysed device's predicted time as columns. Devices fuse differently, so another device's
// kernels are attributed to the row holding their first (root) op: every device's column still
// sums to its kernel total, and a cell whose device draws the boundaries differently says so in
// its tooltip and shows a "~". Read-only; sortable through a proxy (SortRole gives raw numbers).
#pragma once

#include <QAbstractTableModel>
#include <QString>
#include <memory>
#include <vector>

#include "ui/models/analysis_ptr.h"

namespace km::ui {

class KernelTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum FixedColumn { Id, Type, Nodes, Flops, FixedColumnCount };
    enum DeviceColumn { Ms, Interval, Share, DeviceColumnCount };
    static constexpr int SortRole = Qt::UserRole;
    static constexpr int KernelIdRole = Qt::UserRole + 1;  // the row's kernel id (int)

    using QAbstractTableModel::QAbstractTableModel;
    // `kernelDevice`: index into analysis->devices whose kernels are the rows; it must have a
    // prediction (else the table is empty).
    void setAnalysis(AnalysisPtr analysis, int kernelDevice);
    int kernelDevice() const { return m_kernelDevice; }
    const DeviceAnalysis* kernelDeviceAnalysis() const;
    // Devices shown as columns: the analysis' devices that have a prediction, in order.
    const std::vector<int>& shownDevices() const { return m_shown; }
    const DeviceAnalysis* deviceAnalysis(size_t shownIndex) const;

    // Row of a kernel id (rows are in kernel order), -1 when out of range.
    int rowOfKernel(int kernelId) const;
    // Per shown device (same order as shownDevices) and row: the ms attributed to the row.
    double attributedMs(size_t shownIndex, int row) const;
    // The whole table as CSV (header + rows, display text without thousands separators).
    QString toCsv() const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    QVariant deviceData(size_t shownIndex, int column, int row, int role) const;

    AnalysisPtr m_analysis;
    int m_kernelDevice = -1;
    std::vector<int> m_shown;
    std::vector<std::vector<AttributedTime>> m_cells;  // [shown device][row]
};

}  // namespace km::ui
