// SPDX-License-Identifier: GPL-3.0-or-later
// Predicted against measured latency of evaluation models (UX.md, Predictor tab): log-log points,
// the diagonal and the +-10% band dashed, and the share within 10% in the title.
#pragma once

#include <QPicture>
#include <QWidget>
#include <utility>
#include <vector>

class QCustomPlot;

namespace km::ui {

class ScatterPlot : public QWidget {
    Q_OBJECT
public:
    explicit ScatterPlot(QWidget* parent = nullptr);
    // points: (measured ms, predicted ms). `caption` says what they are.
    // `note`: appended to the title (how often the predictions' intervals held, say).
    void setPoints(const QString& caption, const std::vector<std::pair<double, double>>& points, const QString& note = {});
    // A message instead of points (computing, no data, an error).
    void setMessage(const QString& message);
    int pointCount() const { return m_points; }
    QString title() const;  // as shown above the plot
    // The plot drawn at width x height logical pixels, recorded as vector drawing (for the PDF report).
    QPicture renderPicture(int width, int height);

private:
    QCustomPlot* m_plot = nullptr;
    int m_points = 0;
};

}  // namespace km::ui
