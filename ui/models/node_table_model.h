// SPDX-License-Identifier: GPL-3.0-or-later
// Table of a model's nodes: index, name, canonical op, activation input shapes, output shapes,
// MACs, FLOPs, params. Read-only; sortable through a proxy (Qt::UserRole gives raw numbers).
#pragma once

#include <QAbstractTableModel>
#include <memory>
#include <string>
#include <vector>

#include "ui/models/analysis_ptr.h"

namespace km::ui {

class NodeTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Index, Name, Op, Inputs, Outputs, Macs, Flops, Params, ColumnCount };
    static constexpr int SortRole = Qt::UserRole;

    using QAbstractTableModel::QAbstractTableModel;
    void setAnalysis(AnalysisPtr analysis);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    AnalysisPtr m_model;
};

}  // namespace km::ui
