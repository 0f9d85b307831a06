// One device's predictor (UX.md, Predictor tab): its provenance and calibration, the fusion rules
// with their evidence, and per kernel type the sampling history as an accuracy plot (select a row).
// Shows the devices of the current analysis that have a predictor.
#pragma once

#include <QWidget>

#include "ui/models/analysis_ptr.h"

class QComboBox;
class QLabel;
class QTableWidget;

namespace km::ui {

class AccuracyPlot;

class PredictorPage : public QWidget {
    Q_OBJECT
public:
    explicit PredictorPage(QWidget* parent = nullptr);
    void setAnalysis(AnalysisPtr analysis);

    // For tests.
    int kernelTypeRows() const;
    int ruleRows() const;
    AccuracyPlot* accuracyPlot() const { return m_plot; }
    void showKernelType(int row);

private:
    void showDevice(int deviceIndex);

    AnalysisPtr m_analysis;
    int m_device = -1;
    QComboBox* m_deviceBox = nullptr;
    QLabel* m_about = nullptr;
    QTableWidget* m_types = nullptr;
    QTableWidget* m_rules = nullptr;
    AccuracyPlot* m_plot = nullptr;
};

}  // namespace km::ui
