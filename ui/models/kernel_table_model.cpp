// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/models/kernel_table_model.h"

#include <QBrush>
#include <QStringList>
#include <algorithm>

#include "ui/style/format.h"
#include "ui/style/palette.h"

namespace km::ui {
namespace {

QString csvField(QString s) {
    if (s.contains(',') || s.contains('"') || s.contains('\n')) s = '"' + s.replace('"', "\"\"") + '"';
    return s;
}

}  // namespace

const DeviceAnalysis* KernelTableModel::kernelDeviceAnalysis() const {
    return m_analysis && m_kernelDevice >= 0 ? &m_analysis->devices[size_t(m_kernelDevice)] : nullptr;
}

const DeviceAnalysis* KernelTableModel::deviceAnalysis(size_t shownIndex) const {
    return shownIndex < m_shown.size() ? &m_analysis->devices[size_t(m_shown[shownIndex])] : nullptr;
}

void KernelTableModel::setAnalysis(AnalysisPtr analysis, int kernelDevice) {
    beginResetModel();
    m_analysis = std::move(analysis);
    m_kernelDevice = -1;
    m_shown.clear();
    m_cells.clear();
    if (m_analysis && kernelDevice >= 0 && size_t(kernelDevice) < m_analysis->devices.size() &&
        m_analysis->devices[size_t(kernelDevice)].ok()) {
        m_kernelDevice = kernelDevice;
        for (size_t d = 0; d < m_analysis->devices.size(); ++d)
            if (m_analysis->devices[d].ok()) m_shown.push_back(int(d));
        for (int d : m_shown) m_cells.push_back(attributeToKernels(*m_analysis, size_t(kernelDevice), size_t(d)));
    }
    endResetModel();
}

int KernelTableModel::rowOfKernel(int kernelId) const { return kernelId >= 0 && kernelId < rowCount() ? kernelId : -1; }

double KernelTableModel::attributedMs(size_t shownIndex, int row) const {
    if (shownIndex >= m_cells.size() || row < 0 || row >= rowCount()) return 0;
    return m_cells[shownIndex][size_t(row)].ms;
}

int KernelTableModel::rowCount(const QModelIndex& parent) const {
    const DeviceAnalysis* d = kernelDeviceAnalysis();
    return parent.isValid() || !d ? 0 : int(d->partition.kernels.size());
}

int KernelTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : FixedColumnCount + int(m_shown.size()) * DeviceColumnCount;
}

QVariant KernelTableModel::data(const QModelIndex& index, int role) const {
    const DeviceAnalysis* d = kernelDeviceAnalysis();
    if (!d || !index.isValid() || index.row() >= rowCount() || index.column() >= columnCount()) return {};
    const Kernel& k = d->partition.kernels[size_t(index.row())];
    if (role == KernelIdRole) return k.id;
    if (index.column() >= FixedColumnCount) {
        const int c = index.column() - FixedColumnCount;
        return deviceData(size_t(c / DeviceColumnCount), c % DeviceColumnCount, index.row(), role);
    }
    const Graph& g = *d->graph;
    if (role == Qt::TextAlignmentRole)
        return index.column() == Id || index.column() == Flops ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    if (role == Qt::DecorationRole && index.column() == Type) return categoryColor(categoryOfKernelType(k.type));
    if (role == Qt::ForegroundRole && index.column() == Type && (k.unknown || d->prediction.kernels[size_t(index.row())].source == "none"))
        return QBrush(warningColor());
    if (role == Qt::ToolTipRole && (index.column() == Nodes || index.column() == Type)) {
        QStringList lines;
        for (size_t n : k.nodes) {
            const Node& node = g.nodes()[n];
            const Tensor* out = g.firstOutput(n);
            lines << QStringLiteral("%1 (%2) -> %3")
                         .arg(QString::fromStdString(node.name), QString::fromStdString(node.opType),
                              QString::fromStdString(out ? out->shape.toString() : "?"));
        }
        if (k.unknown) lines << tr("has an op KernelMeter has no type for: predicted by the fallback or not at all");
        return lines.join('\n');
    }
    const NodeMetrics& m = d->kernelMetrics[size_t(index.row())];
    if (role == SortRole) {
        switch (index.column()) {
        case Id: return k.id;
        case Type: return QString::fromStdString(k.type);
        case Nodes: return int(k.nodes.size());
        case Flops: return QVariant::fromValue<qlonglong>(m.flops);
        default: return {};
        }
    }
    if (role != Qt::DisplayRole) return {};
    switch (index.column()) {
    case Id: return QString::number(k.id);
    case Type: return QString::fromStdString(k.type);
    case Nodes: {
        QStringList names;
        for (size_t n : k.nodes) names << QString::fromStdString(g.nodes()[n].name);
        return names.join(", ");
    }
    case Flops: return formatCount(m.flops);
    default: return {};
    }
}

QVariant KernelTableModel::deviceData(size_t shown, int column, int row, int role) const {
    const AttributedTime& c = m_cells[shown][size_t(row)];
    const DeviceAnalysis& dev = m_analysis->devices[size_t(m_shown[shown])];
    const double total = dev.prediction.totalMs;
    const double share = total > 0 ? c.ms / total : 0;
    if (role == Qt::TextAlignmentRole) return QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == SortRole) return column == Share ? share : c.ms;
    const bool estimated = c.source == "none" || c.source == "fallback" || c.source == "mixed";
    if (role == Qt::ForegroundRole && estimated && c.kernels > 0) return QBrush(warningColor());
    if (role == Qt::ToolTipRole) {
        QString tip = tr("%1: %2 ms %3, %4 of the model's %5 ms")
                          .arg(QString::fromStdString(dev.deviceId), formatMs(c.ms), formatInterval(c.lowMs, c.highMs),
                               formatPercent(share), formatMs(total));
        if (c.kernels == 0)
            tip += tr("\nThis device runs these ops inside a kernel that starts in another row.");
        else if (!c.sameBoundary)
            tip += tr("\nThis device draws kernel boundaries differently here: %n of its kernel(s) start in this row.", "", c.kernels);
        if (c.source == "fallback") tip += tr("\nEstimated by the generic fallback regressor (no regressor for this kernel type).");
        if (c.source == "none") tip += tr("\nNot predicted (0 ms counted): unknown op and no fallback.");
        if (c.source == "mixed") tip += tr("\nPart of it is estimated by the fallback regressor or not predicted.");
        return tip;
    }
    if (role != Qt::DisplayRole) return {};
    const QString mark = c.sameBoundary ? QString() : QStringLiteral("~");
    switch (column) {
    case Ms: return c.kernels == 0 ? QStringLiteral("-") : mark + formatMs(c.ms);
    case Interval: return c.kernels == 0 ? QString() : formatInterval(c.lowMs, c.highMs);
    case Share: return c.kernels == 0 ? QString() : formatPercent(share);
    default: return {};
    }
}

QVariant KernelTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || (role != Qt::DisplayRole && role != Qt::ToolTipRole))
        return QAbstractTableModel::headerData(section, orientation, role);
    if (section >= FixedColumnCount) {
        const int c = section - FixedColumnCount;
        if (size_t(c / DeviceColumnCount) >= m_shown.size()) return {};
        const QString id = QString::fromStdString(m_analysis->devices[size_t(m_shown[size_t(c / DeviceColumnCount)])].deviceId);
        if (role == Qt::ToolTipRole)
            return tr("Predicted on %1. Kernels this device fuses differently are counted in the row of their first op (~).").arg(id);
        switch (c % DeviceColumnCount) {
        case Ms: return tr("%1 ms").arg(id);
        case Interval: return tr("%1 interval").arg(id);
        default: return tr("%1 share").arg(id);
        }
    }
    if (role == Qt::ToolTipRole) {
        if (section == Nodes) return tr("The kernel's ops in execution order");
        if (section == Type) return tr("Member op types joined by '-', or a pattern such as se");
        return {};
    }
    switch (section) {
    case Id: return tr("#");
    case Type: return tr("Kernel type");
    case Nodes: return tr("Nodes");
    case Flops: return tr("FLOPs");
    default: return {};
    }
}

QString KernelTableModel::toCsv() const {
    QStringList lines;
    QStringList header;
    for (int c = 0; c < columnCount(); ++c) header << csvField(headerData(c, Qt::Horizontal, Qt::DisplayRole).toString());
    lines << header.join(',');
    for (int r = 0; r < rowCount(); ++r) {
        QStringList fields;
        for (int c = 0; c < columnCount(); ++c) {
            QVariant v = c == Flops || (c >= FixedColumnCount && (c - FixedColumnCount) % DeviceColumnCount != Interval)
                             ? data(index(r, c), SortRole)
                             : data(index(r, c), Qt::DisplayRole);
            fields << csvField(v.toString());
        }
        lines << fields.join(',');
    }
    return lines.join('\n') + '\n';
}

}  // namespace km::ui
