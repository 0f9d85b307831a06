// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/models/node_table_model.h"

#include <QLocale>

namespace km::ui {
namespace {

QString shapes(const Graph& g, const std::vector<std::string>& names, bool activationsOnly) {
    QStringList parts;
    for (const auto& n : names) {
        const Tensor* t = g.tensor(n);
        if (activationsOnly && t && t->isConstant) continue;
        parts << QString::fromStdString(t ? t->shape.toString() : "?");
    }
    return parts.join(", ");
}

}  // namespace

void NodeTableModel::setAnalysis(AnalysisPtr analysis) {
    beginResetModel();
    m_model = std::move(analysis);
    endResetModel();
}

int NodeTableModel::rowCount(const QModelIndex& parent) const {
    if (parent.isValid() || !m_model) return 0;
    return static_cast<int>(m_model->graph->nodes().size());
}

int NodeTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant NodeTableModel::data(const QModelIndex& index, int role) const {
    if (!m_model || !index.isValid() || index.row() >= rowCount()) return {};
    const Graph& g = *m_model->graph;
    const Node& n = g.nodes()[index.row()];
    const NodeMetrics& m = m_model->metrics.perNode[index.row()];
    const auto number = [&](int64_t v) -> QVariant {
        if (role == SortRole) return QVariant::fromValue<qlonglong>(v);
        return QLocale().toString(static_cast<qlonglong>(v));
    };
    if (role == Qt::TextAlignmentRole)
        return index.column() >= Macs || index.column() == Index ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    if (role == Qt::ToolTipRole && index.column() == Name) {
        QStringList sources;
        for (const auto& s : n.sourceNodes) sources << QString::fromStdString(s);
        return tr("%1\nfrom %2: %3").arg(QString::fromStdString(n.name), QString::fromStdString(n.sourceOp), sources.join(", "));
    }
    if (role != Qt::DisplayRole && role != SortRole) return {};
    switch (index.column()) {
    case Index: return role == SortRole ? QVariant(index.row()) : QVariant(QString::number(index.row()));
    case Name: return QString::fromStdString(n.name);
    case Op: return QString::fromStdString(n.opType) + (n.patternGroup.empty() ? "" : " [" + QString::fromStdString(n.patternGroup) + "]");
    case Inputs: return shapes(g, n.inputs, true);
    case Outputs: return shapes(g, n.outputs, false);
    case Macs: return number(m.macs);
    case Flops: return number(m.flops);
    case Params: return number(m.params);
    default: return {};
    }
}

QVariant NodeTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return QAbstractTableModel::headerData(section, orientation, role);
    switch (section) {
    case Index: return tr("#");
    case Name: return tr("Node");
    case Op: return tr("Op");
    case Inputs: return tr("Inputs");
    case Outputs: return tr("Outputs");
    case Macs: return tr("MACs");
    case Flops: return tr("FLOPs");
    case Params: return tr("Params");
    default: return {};
    }
}

}  // namespace km::ui
