// SPDX-License-Identifier: GPL-3.0-or-later
// The Predictor tab's tables as item models: a predictor's kernel types with their sampling
// history's last round (validation on kernels never trained on) and error band, and a rule set's
// fusion rules with their evidence, and an adapted predictor's networks with their fit. Read-only; SortRole gives raw numbers, TypeRole the kernel
// type of a row.
#pragma once

#include <QAbstractTableModel>
#include <memory>
#include <string>
#include <vector>

#include "fusion/rule_set.h"
#include "predict/predictor.h"

namespace km::ui {

class KernelTypeTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    // The accuracy first: a pane narrower than the table still shows it.
    enum Column { Type, Within10, Within5, Rmspe, Band, Regressor, Samples, Rounds, ColumnCount };
    static constexpr int SortRole = Qt::UserRole;
    using QAbstractTableModel::QAbstractTableModel;
    // Null: empty. An adapted predictor's regressors are its source's, and the first header says so.
    void setPredictor(std::shared_ptr<const PredictorSet> predictor);
    // The kernel type of a row ("" out of range) and its predictor.
    std::string typeAt(int row) const;
    const KernelTypePredictor* typePredictor(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::shared_ptr<const PredictorSet> m_predictor;
    std::vector<std::string> m_types;  // the predictor's types, in its order
};

class FusionRuleTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Rule, Verdict, MedianSaving, DecidedBy, Points, ColumnCount };
    static constexpr int SortRole = Qt::UserRole;
    using QAbstractTableModel::QAbstractTableModel;
    // Pairs, then chains, then shared-output rules. Null: empty. Rules of another device than
    // `deviceId` (an adapted predictor's source's) say whose they are in the first header.
    void setRules(std::shared_ptr<const RuleSet> rules, const std::string& deviceId = {});

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    struct Row {
        const FusionRule* rule;
        QString kind;  // "", "chain", "shared output"
        double medianSavingMs;
    };
    std::shared_ptr<const RuleSet> m_rules;
    std::vector<Row> m_rows;
    QString m_owner;  // the rules' device when not the one shown
};

// An adapted predictor's networks (PredictorSet::adaptation): measured on the target, predicted
// by the source, by the fit, and by the fit on the other networks (the honest error).
class AdaptationTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column { Network, Measured, Source, Adapted, LeftOut, LeftOutError, Weight, ColumnCount };
    static constexpr int SortRole = Qt::UserRole;
    using QAbstractTableModel::QAbstractTableModel;
    void setPredictor(std::shared_ptr<const PredictorSet> predictor);  // null or not adapted: empty

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role) const override;

private:
    std::shared_ptr<const PredictorSet> m_predictor;
    const std::vector<AdaptedNetwork>* m_networks = nullptr;
};

// An adapted predictor's networks as points (measured, predicted by the fit on the others) for a
// scatter, and that scatter's caption: the Predictor tab's and the report's.
std::vector<std::pair<double, double>> leftOutPoints(const PredictorSet& predictor);
QString leftOutCaption(const std::string& deviceId);

}  // namespace km::ui
