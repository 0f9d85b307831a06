// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/models/predictor_tables.h"

#include <algorithm>

#include "backends/measurement.h"
#include "ui/style/format.h"

namespace km::ui {

namespace {

QVariant alignment(bool number) { return number ? int(Qt::AlignRight | Qt::AlignVCenter) : int(Qt::AlignLeft | Qt::AlignVCenter); }

double medianSaving(const FusionRule& r) {
    std::vector<double> s;
    for (const FusionEvidence& e : r.evidence) s.push_back(e.savingMs);
    return s.empty() ? 0.0 : quantile(std::move(s), 0.5);  // an even count: the mean of the two middle values
}

}  // namespace

void KernelTypeTableModel::setPredictor(std::shared_ptr<const PredictorSet> predictor) {
    beginResetModel();
    m_predictor = std::move(predictor);
    m_types.clear();
    if (m_predictor)
        for (const auto& [type, t] : m_predictor->types) m_types.push_back(type);
    endResetModel();
}

std::string KernelTypeTableModel::typeAt(int row) const { return row >= 0 && size_t(row) < m_types.size() ? m_types[size_t(row)] : ""; }

const KernelTypePredictor* KernelTypeTableModel::typePredictor(int row) const {
    if (row < 0 || size_t(row) >= m_types.size()) return nullptr;
    return &m_predictor->types.at(m_types[size_t(row)]);
}

int KernelTypeTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_types.size()); }
int KernelTypeTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant KernelTypeTableModel::data(const QModelIndex& index, int role) const {
    const KernelTypePredictor* t = index.isValid() ? typePredictor(index.row()) : nullptr;
    if (!t || index.column() >= ColumnCount) return {};
    const int c = index.column();
    if (role == Qt::TextAlignmentRole) return alignment(c != Type && c != Regressor);
    if (role != Qt::DisplayRole && role != SortRole) return {};
    const bool display = role == Qt::DisplayRole;
    const RoundMetrics* last = t->rounds.empty() ? nullptr : &t->rounds.back();
    switch (c) {
    case Type: return QString::fromStdString(typeAt(index.row()));
    case Samples: return display ? QVariant(QString::number(t->samples)) : QVariant(qulonglong(t->samples));
    case Rounds: return display ? QVariant(QString::number(t->rounds.size())) : QVariant(qulonglong(t->rounds.size()));
    case Regressor: return last ? QString::fromLatin1(regressorKindName(last->kind)) : QString();
    case Within10: return !last ? QVariant() : display ? QVariant(formatPercent(last->within10)) : QVariant(last->within10);
    case Within5: return !last ? QVariant() : display ? QVariant(formatPercent(last->within5)) : QVariant(last->within5);
    case Rmspe: return !last ? QVariant() : display ? QVariant(formatPercent(last->rmspe)) : QVariant(last->rmspe);
    case Band:
        return display ? QVariant(QStringLiteral("[%1, %2]").arg(t->band.low, 0, 'f', 2).arg(t->band.high, 0, 'f', 2))
                       : QVariant(t->band.high);
    default: return {};
    }
}

QVariant KernelTypeTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    static const char* names[] = {"Kernel type", "Within 10%", "Within 5%", "RMSPE", "Interval x", "Regressor", "Samples", "Rounds"};
    if (section == Type && m_predictor && m_predictor->adaptation)
        return tr("Kernel type (%1's)").arg(QString::fromStdString(m_predictor->adaptation->sourceDevice));
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

void FusionRuleTableModel::setRules(std::shared_ptr<const RuleSet> rules, const std::string& deviceId) {
    beginResetModel();
    m_rules = std::move(rules);
    m_owner = m_rules && !deviceId.empty() && !m_rules->deviceId.empty() && m_rules->deviceId != deviceId
                  ? QString::fromStdString(m_rules->deviceId)
                  : QString();
    m_rows.clear();
    if (m_rules) {
        for (const auto& [pair, r] : m_rules->pairs) m_rows.push_back({&r, QString(), medianSaving(r)});
        for (const auto& [chain, r] : m_rules->chains) m_rows.push_back({&r, tr("chain"), medianSaving(r)});
        for (const auto& [op, r] : m_rules->multiOutput) m_rows.push_back({&r, tr("shared output"), medianSaving(r)});
    }
    endResetModel();
}

int FusionRuleTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_rows.size()); }
int FusionRuleTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant FusionRuleTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount) return {};
    const Row& row = m_rows[size_t(index.row())];
    const int c = index.column();
    if (role == Qt::TextAlignmentRole) return alignment(c == MedianSaving || c == Points);
    if (role != Qt::DisplayRole && role != SortRole) return {};
    const bool display = role == Qt::DisplayRole;
    switch (c) {
    case Rule: {
        QStringList ops;
        for (const auto& op : row.rule->ops) ops << QString::fromStdString(op);
        return ops.join(QStringLiteral(" \u2192 ")) + (row.kind.isEmpty() ? QString() : " (" + row.kind + ")");
    }
    case Verdict: return QString::fromLatin1(verdictName(row.rule->verdict));
    case DecidedBy: return QString::fromStdString(row.rule->source);
    case MedianSaving: return display ? QVariant(formatMs(row.medianSavingMs)) : QVariant(row.medianSavingMs);
    case Points: return display ? QVariant(QString::number(row.rule->evidence.size())) : QVariant(qulonglong(row.rule->evidence.size()));
    default: return {};
    }
}

QVariant FusionRuleTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole) return {};
    static const char* names[] = {"Rule", "Verdict", "Median saving ms", "Decided by", "Points"};
    if (section == Rule && !m_owner.isEmpty()) return tr("Rule (%1's)").arg(m_owner);
    return section >= 0 && section < ColumnCount ? tr(names[section]) : QVariant();
}

void AdaptationTableModel::setPredictor(std::shared_ptr<const PredictorSet> predictor) {
    beginResetModel();
    m_predictor = std::move(predictor);
    m_networks = m_predictor && m_predictor->adaptation ? &m_predictor->adaptation->networks : nullptr;
    endResetModel();
}

int AdaptationTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() || !m_networks ? 0 : int(m_networks->size());
}
int AdaptationTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : ColumnCount; }

QVariant AdaptationTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || index.row() >= rowCount() || index.column() >= ColumnCount) return {};
    const AdaptedNetwork& n = (*m_networks)[size_t(index.row())];
    const int c = index.column();
    if (role == Qt::TextAlignmentRole) return alignment(c != Network);
    if (role != Qt::DisplayRole && role != SortRole) return {};
    const bool display = role == Qt::DisplayRole;
    auto ms = [display](double v) { return display ? QVariant(formatMs(v)) : QVariant(v); };
    const double error = n.measuredMs > 0 ? n.leaveOneOutMs / n.measuredMs - 1 : 0;
    switch (c) {
    case Network: return QString::fromStdString(n.name);
    case Measured: return ms(n.measuredMs);
    case Source: return ms(n.sourceMs);
    case Adapted: return ms(n.fittedMs);
    case LeftOut: return ms(n.leaveOneOutMs);
    case LeftOutError:
        return display ? QVariant(QStringLiteral("%1%2%").arg(error >= 0 ? "+" : "").arg(100 * error, 0, 'f', 1)) : QVariant(error);
    case Weight: return display ? QVariant(QString::number(n.weight, 'f', 2)) : QVariant(n.weight);
    default: return {};
    }
}

QVariant AdaptationTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal) return {};
    static const char* names[] = {"Network", "Measured ms", "Source ms", "Adapted ms", "Left out ms", "Left-out error", "Weight"};
    static const char* tips[] = {"A network measured on the target to adapt the predictor",
                                 "Its time on the target (at the session's median reference speed)",
                                 "The source predictor's prediction, before adapting",
                                 "The adapted predictor's prediction (fitted on every network, this one included)",
                                 "The prediction of the fit on the other networks: what to expect on a network never measured",
                                 "Left out against measured",
                                 ("How much the network counted in the fit (mean 1): half an equal share, half the share of "
                                  "the candidate networks it stands for")};
    if (section < 0 || section >= ColumnCount) return {};
    if (role == Qt::DisplayRole) return tr(names[section]);
    if (role == Qt::ToolTipRole) return tr(tips[section]);
    return {};
}

std::vector<std::pair<double, double>> leftOutPoints(const PredictorSet& predictor) {
    std::vector<std::pair<double, double>> points;
    if (predictor.adaptation)
        for (const AdaptedNetwork& n : predictor.adaptation->networks) points.emplace_back(n.measuredMs, n.leaveOneOutMs);
    return points;
}

QString leftOutCaption(const std::string& deviceId) {
    return QObject::tr("%1, left out one at a time").arg(QString::fromStdString(deviceId));
}

}  // namespace km::ui
