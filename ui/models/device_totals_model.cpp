// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/models/device_totals_model.h"

#include "ui/models/analysis_text.h"
#include "ui/style/format.h"
#include "ui/style/palette.h"

namespace km::ui {

void DeviceTotalsModel::setDevices(std::vector<const DeviceAnalysis*> devices, std::map<QString, MeasuredLatency> measured) {
    beginResetModel();
    m_devices = std::move(devices);
    m_measured = std::move(measured);
    m_fastestMs = 0;
    for (const DeviceAnalysis* d : m_devices)
        if (m_fastestMs == 0 || d->prediction.totalMs < m_fastestMs) m_fastestMs = d->prediction.totalMs;
    endResetModel();
}

int DeviceTotalsModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_devices.size()); }
int DeviceTotalsModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

const MeasuredLatency* DeviceTotalsModel::measuredOf(int row) const {
    const auto it = m_measured.find(QString::fromStdString(m_devices[size_t(row)]->deviceId));
    return it == m_measured.end() ? nullptr : &it->second;
}

QVariant DeviceTotalsModel::display(int row, int column) const {
    const DeviceAnalysis& d = *m_devices[size_t(row)];
    const ModelPrediction& p = d.prediction;
    const MeasuredLatency* m = measuredOf(row);
    switch (column) {
    case Device: return QString::fromStdString(d.deviceId);
    case Predicted: return formatMs(p.totalMs);
    case Interval: return formatInterval(p.lowMs, p.highMs);
    case Measured: return m ? formatMs(m->medianMs) : tr("-");
    case Error:
        return m && m->medianMs > 0 ? QStringLiteral("%1%2%")
                                          .arg(p.totalMs >= m->medianMs ? QStringLiteral("+") : QString())
                                          .arg(100 * (p.totalMs / m->medianMs - 1), 0, 'f', 1)
                                    : QString();
    case VsFastest: return m_fastestMs > 0 ? QStringLiteral("x%1").arg(p.totalMs / m_fastestMs, 0, 'f', 2) : QString();
    case Kernels: return QString::number(p.kernels.size());
    case Overhead: return formatMs(p.overheadMs);
    default: return {};
    }
}

QVariant DeviceTotalsModel::sortValue(int row, int column) const {
    const ModelPrediction& p = m_devices[size_t(row)]->prediction;
    const MeasuredLatency* m = measuredOf(row);
    switch (column) {
    case Device: return QString::fromStdString(m_devices[size_t(row)]->deviceId);
    case Predicted: return p.totalMs;
    case Interval: return p.highMs - p.lowMs;
    case Measured: return m ? m->medianMs : -1.0;
    case Error: return m && m->medianMs > 0 ? p.totalMs / m->medianMs - 1 : 0.0;
    case VsFastest: return m_fastestMs > 0 ? p.totalMs / m_fastestMs : 0.0;
    case Kernels: return qulonglong(p.kernels.size());
    case Overhead: return p.overheadMs;
    default: return {};
    }
}

QVariant DeviceTotalsModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount) return {};
    const int row = index.row(), column = index.column();
    switch (role) {
    case Qt::DisplayRole: return display(row, column);
    case SortRole: return sortValue(row, column);
    case Qt::TextAlignmentRole: return column == Device ? int(Qt::AlignLeft | Qt::AlignVCenter) : int(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::ForegroundRole:
        if (column == Device) return QVariant(deviceColor(row));
        if (column == Measured || column == Error)  // a time from another machine or machine speed, shown as such (tooltip)
            if (const MeasuredLatency* m = measuredOf(row);
                m && (!m->takenElsewhere.isEmpty() || !measuredSpeedNotes(*m_devices[size_t(row)], *m).isEmpty()))
                return QColor(0xb2, 0x6a, 0x00);
        return {};
    case Qt::ToolTipRole:
        if (column == Device) return provenanceText(*m_devices[size_t(row)]);
        if (column == Measured)
            if (const MeasuredLatency* m = measuredOf(row)) {
                QString tip = tr("median %1 ms, 10-90% of rounds %2; measured %3")
                                  .arg(formatMs(m->medianMs), formatInterval(m->p10Ms, m->p90Ms), m->takenAtUtc);
                if (!m->takenElsewhere.isEmpty())
                    tip += tr(" on %1, not on the machine the device has now: measure again").arg(m->takenElsewhere);
                for (const QString& note : measuredSpeedNotes(*m_devices[size_t(row)], *m)) tip += "\n" + note;
                return tip;
            }
        return {};
    default: return {};
    }
}

QVariant DeviceTotalsModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    static const char* names[] = {"Device", "Predicted ms", "Interval", "Measured ms", "Error", "vs fastest", "Kernels", "Overhead ms"};
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

}  // namespace km::ui
