// SPDX-License-Identifier: GPL-3.0-or-later
// The PDF report (UX.md "Reports"): title with the file's SHA-256, summary per device, the graph
// with one device's kernels, the top kernels per device with the breakdown chart, the device
// comparison, each predictor's sampling accuracy, calibration and predicted-vs-measured scatter on
// benchmark models, and provenance with a note on the method. A4, paginated by QTextDocument;
// charts and the graph are vector drawings (recorded as QPictures, played into the PDF).
// Three steps, so that the GUI never waits for the slow ones (ReportJob): gatherReportInputs (the
// file's hash, benchmark models predicted: seconds; any thread), composeReport (draws the graph and
// charts into pictures: needs widgets, so the UI thread; about 0.1 s) and printReport (lays out and
// writes the PDF: any thread). writePdfReport does all three in a row.
#pragma once

#include <QPicture>
#include <QString>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "ui/jobs/measure_job.h"

#include "ui/models/analysis_ptr.h"
#include "workflows/evaluation_data.h"

class QPagedPaintDevice;
class QTextDocument;

namespace km::ui {

struct GraphLayout;

struct ReportOptions {
    int kernelDevice = -1;                        // whose kernels the graph and the per-kernel chart show (-1: first with a prediction)
    int topKernels = 15;                          // rows of each device's top-kernel table
    std::map<QString, MeasuredLatency> measured;  // by device id: shown beside the predictions
};

// Benchmark models per family in the report's predicted-vs-measured scatter (45 models of 15
// families: a few seconds per device).
inline constexpr size_t kReportModelsPerFamily = 3;

struct ReportInputs {
    QString sha256;  // empty when the file cannot be read
    size_t modelsPerFamily = 0;
    std::map<std::string, Result<DatasetPredictions>> evaluation;  // by device id, devices with a predictor
};
ReportInputs gatherReportInputs(const AnalysisPtr& analysis, size_t modelsPerFamily = kReportModelsPerFamily);

struct ReportDocument {
    QString html, title;
    // The drawings the html names as images (src, in logical pixels as its width and height say):
    // printReport draws each in its place as vector graphics.
    std::vector<std::pair<QString, QPicture>> figures;
};
ReportDocument composeReport(const AnalysisPtr& analysis, std::shared_ptr<const GraphLayout> layout, const ReportOptions& options,
                             const ReportInputs& inputs);

// Qt's rich text cannot keep a heading with what follows it, so a report with several devices
// ended pages with a device's heading. This lays `doc` out as QTextDocument::print does on
// `device` (its page, 2 cm frame margins) and breaks the page before every heading that would have
// fewer than kLinesAfterHeading lines of room below it. Returns how many breaks it added.
inline constexpr int kLinesAfterHeading = 4;
int keepHeadingsWithTheirText(QTextDocument& doc, QPagedPaintDevice& device);
// Per heading of `doc` laid out as print does on `device`: its page and the page of the block after
// it (0-based), in document order.
std::vector<std::pair<int, int>> headingPages(const QTextDocument& doc, QPagedPaintDevice& device);

// An error naming `path` when the PDF cannot be written there, else empty.
QString checkReportTarget(const QString& path);
QString printReport(const QString& path, const ReportDocument& report);

// Writes the report to `path`; returns an empty string on success, else a message naming the file.
// `layout` may be null (it is then computed here).
QString writePdfReport(const QString& path, AnalysisPtr analysis, std::shared_ptr<const GraphLayout> layout,
                       const ReportOptions& options = {});

}  // namespace km::ui
