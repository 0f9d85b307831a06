// SPDX-License-Identifier: GPL-3.0-or-later
// A kernel type's sampling history (UX.md, Predictor tab): x = samples measured, one point per
// round; left axis the validation shares within 10% and within 5%, with the targets dashed; right
// axis the RMSPE. Points can be appended while a build runs (the plot grows live).
#pragma once

#include <QWidget>
#include <vector>

#include "predict/adaptive.h"

class QCustomPlot;

namespace km::ui {

class AccuracyPlot : public QWidget {
    Q_OBJECT
public:
    explicit AccuracyPlot(QWidget* parent = nullptr);

    // `title`: the kernel type. Targets as shares (0..1).
    void setRounds(const QString& title, const std::vector<RoundMetrics>& rounds, double targetWithin10 = 0.99,
                   double targetWithin5 = 0.90);
    void appendRound(const RoundMetrics& round);
    int pointCount() const { return int(m_rounds.size()); }

private:
    void redraw();

    QCustomPlot* m_plot = nullptr;
    QString m_title;
    std::vector<RoundMetrics> m_rounds;
    double m_target10 = 0.99, m_target5 = 0.90;
};

}  // namespace km::ui
