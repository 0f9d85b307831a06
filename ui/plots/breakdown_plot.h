// SPDX-License-Identifier: GPL-3.0-or-later
// Where the time goes, as charts (QCustomPlot): bars per kernel in execution order (grouped by
// device, the kernel device's kernels as the x axis, with each device's cumulative share as a
// line on the right axis), or each device's total stacked by kernel category. Clicking a kernel's
// bar selects it (kernelClicked).
#pragma once

#include <QPicture>
#include <QWidget>

class QCustomPlot;
class QCPItemRect;
class QCPAbstractPlottable;
class QComboBox;
class QImage;

namespace km::ui {

class KernelTableModel;

class BreakdownPlot : public QWidget {
    Q_OBJECT
public:
    enum class Mode { PerKernel, ByCategory };

    explicit BreakdownPlot(const KernelTableModel* kernels, QWidget* parent = nullptr);

    void setMode(Mode mode);
    Mode mode() const { return m_mode; }
    // Redraws from the kernel table (after it was reset).
    void refresh();
    void selectKernel(int kernelId);

    // For tests: the bars drawn (one per device and kernel, or per device and category).
    int barCount() const { return m_barCount; }
    // The chart in `mode` drawn at width x height logical pixels, recorded as vector drawing (the
    // report).
    QPicture renderPicture(int width, int height, Mode mode);

signals:
    void kernelClicked(int kernelId);

private:
    void rebuild(QCustomPlot* plot, Mode mode, bool interactive);
    void onClick(QCPAbstractPlottable* plottable, int dataIndex);

    const KernelTableModel* m_kernels;
    QCustomPlot* m_plot = nullptr;
    QComboBox* m_modeBox = nullptr;
    QCPItemRect* m_highlight = nullptr;
    Mode m_mode = Mode::PerKernel;
    int m_selected = -1;
    int m_barCount = 0;
};

}  // namespace km::ui
