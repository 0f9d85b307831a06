// The PDF report (UX.md "Reports"): title with the file's SHA-256, summary per device, the graph
// with one device's kernels, the top kernels per device with the breakdown chart, the device
// comparison, each predictor's sampling accuracy and calibration, and provenance with a note on
// the method. A4, paginated by QTextDocument; charts and the graph are embedded as 3x images.
// Needs a QApplication (it renders widgets offscreen); runs on the UI thread, about a second.
#pragma once

#include <QString>
#include <map>
#include <memory>

#include "ui/jobs/measure_job.h"

#include "ui/models/analysis_ptr.h"

namespace km::ui {

struct GraphLayout;

struct ReportOptions {
    int kernelDevice = -1;  // whose kernels the graph and the per-kernel chart show (-1: first with a prediction)
    int topKernels = 15;    // rows of each device's top-kernel table
    std::map<QString, MeasuredLatency> measured;  // by device id: shown beside the predictions
};

// Writes the report to `path`; returns an empty string on success, else a message naming the file.
// `layout` may be null (it is then computed here).
QString writePdfReport(const QString& path, AnalysisPtr analysis, std::shared_ptr<const GraphLayout> layout,
                       const ReportOptions& options = {});

}  // namespace km::ui
