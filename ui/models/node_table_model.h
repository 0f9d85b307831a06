// Table of a model's nodes: index, name, canonical op, activation input shapes, output shapes,
// MACs, FLOPs, params. Read-only; sortable through a proxy (Qt::UserRole gives raw numbers).
#pragma once

#include <QAbstractTableModel>
#include <memory>

#include "graph/graph.h"
#include "graph/metrics.h"

namespace km::ui {

// A loaded model, immutable once built and shared between the loader thread and the views.
struct LoadedModel {
    Graph graph;
    GraphMetrics metrics;
};

class NodeTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Index, Name, Op, Inputs, Outputs, Macs, Flops, Params, ColumnCount };
    static constexpr int SortRole = Qt::UserRole;

    using QAbstractTableModel::QAbstractTableModel;
    void setModel(std::shared_ptr<const LoadedModel> model);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::shared_ptr<const LoadedModel> m_model;
};

}  // namespace km::ui
