// Table of a model's nodes: index, name, canonical op, activation input shapes, output shapes,
// MACs, FLOPs, params. Read-only; sortable through a proxy (Qt::UserRole gives raw numbers).
#pragma once

#include <QAbstractTableModel>
#include <memory>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "graph/metrics.h"

namespace km::ui {

// A model's predicted latency on one device (the device's own or the shipped predictor).
struct DeviceEstimate {
    std::string deviceId;
    std::string error;      // why there is no prediction (no predictor, no rules, ...); else empty
    std::string predictor;  // where the predictor came from (database or file)
    double totalMs = 0, lowMs = 0, highMs = 0;
    size_t kernels = 0;
    std::vector<std::string> warnings;  // kernels by fallback or not predicted
};

// A loaded model, immutable once built and shared between the loader thread and the views.
struct LoadedModel {
    Graph graph;
    GraphMetrics metrics;
    std::vector<DeviceEstimate> estimates;  // one per built-in device, in the devices' order
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
