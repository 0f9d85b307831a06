// SPDX-License-Identifier: GPL-3.0-or-later
// The devices side by side, one row per device with a prediction (the kernel table's shown
// devices, in their order): predicted total, interval, the newest measurement of the file with the
// prediction's error, how much slower than the fastest device, kernel count and per-model
// overhead. Read-only; SortRole gives raw numbers.
#pragma once

#include <QAbstractTableModel>
#include <map>
#include <vector>

#include "ui/models/measured_latency.h"
#include "workflows/analyze_model.h"

namespace km::ui {

class DeviceTotalsModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Device, Predicted, Interval, Measured, Error, VsFastest, Kernels, Overhead, ColumnCount };
    static constexpr int SortRole = Qt::UserRole;

    using QAbstractTableModel::QAbstractTableModel;
    // The devices to show (each with a prediction; colours follow their order) and the
    // measurements by device id.
    void setDevices(std::vector<const DeviceAnalysis*> devices, std::map<QString, MeasuredLatency> measured);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    QVariant display(int row, int column) const;
    QVariant sortValue(int row, int column) const;
    const MeasuredLatency* measuredOf(int row) const;

    std::vector<const DeviceAnalysis*> m_devices;
    std::map<QString, MeasuredLatency> m_measured;
    double m_fastestMs = 0;
};

}  // namespace km::ui
