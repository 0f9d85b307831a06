// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/report/pdf_report.h"

#include <QAbstractTextDocumentLayout>
#include <QDateTime>
#include <QFileInfo>
#include <QFontMetricsF>
#include <QGraphicsPathItem>
#include <QGraphicsScene>
#include <QGuiApplication>
#include <QPageLayout>
#include <QPainter>
#include <QPdfWriter>
#include <QPicture>
#include <QScreen>
#include <QTextBlock>
#include <QTextCursor>
#include <QTextDocument>
#include <QTextFrame>
#include <QTextLayout>
#include <QTextObjectInterface>
#include <QUrl>
#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "common/version.h"
#include "predict/accuracy.h"
#include "ui/graphview/graph_layout.h"
#include "ui/graphview/graph_view.h"
#include "ui/models/analysis_text.h"
#include "ui/models/kernel_table_model.h"
#include "ui/models/predictor_tables.h"
#include "ui/plots/breakdown_plot.h"
#include "ui/plots/scatter_plot.h"
#include "ui/style/format.h"
#include "ui/style/palette.h"
#include "workflows/evaluation_data.h"

namespace km::ui {
namespace {

// QTextDocument lays A4 out at about 96 logical pixels per inch: the text column is about 680 px
// wide with 15 mm margins, a page about 1000 px tall.
constexpr int kTextWidth = 660;
constexpr int kSliceHeight = 800;  // one page's worth, with room for the cell padding
constexpr int kMaxGraphPages = 6;
constexpr double kMinGraphScale = 0.8;  // of the graph's size in the window, for more columns
constexpr double kGraphDetail = 3.0;    // the graph is drawn as the window draws it at this zoom
// A figure in the printed document (FigureObject): its object type and its index property.
constexpr int kFigureObject = QTextFormat::UserObject + 1;
constexpr int kFigureIndex = QTextFormat::UserProperty + 1;

QString esc(const std::string& s) { return QString::fromStdString(s).toHtmlEscaped(); }

QString row(const QStringList& cells, bool header = false) {
    QString html = "<tr>";
    for (const QString& c : cells) html += header ? "<th>" + c + "</th>" : "<td>" + c + "</td>";
    return html + "</tr>";
}

QString table(const QStringList& header, const QStringList& rows) {
    return "<table cellspacing='0' cellpadding='3' border='1' style='border-collapse:collapse; border-color:#bbb'>" + row(header, true) +
           rows.join("") + "</table>";
}

class Builder {
public:
    Builder(AnalysisPtr a, std::shared_ptr<const GraphLayout> layout, const ReportOptions& o, const ReportInputs& in)
        : m_a(std::move(a)), m_layout(std::move(layout)), m_o(o), m_in(in) {
        if (m_o.kernelDevice < 0 || size_t(m_o.kernelDevice) >= m_a->devices.size() || !m_a->devices[size_t(m_o.kernelDevice)].ok()) {
            m_o.kernelDevice = -1;
            for (size_t i = 0; i < m_a->devices.size() && m_o.kernelDevice < 0; ++i)
                if (m_a->devices[i].ok()) m_o.kernelDevice = int(i);
        }
        m_kernels.setAnalysis(m_a, m_o.kernelDevice);
    }

    QString html() {
        QString h = "<html><body style='font-size:9pt'>";
        h += title() + summary() + graph() + perDevice() + comparison() + predictors() + provenance();
        return h + "</body></html>";
    }
    std::vector<std::pair<QString, QPicture>> takeFigures() { return std::move(m_figures); }

private:
    // An <img> the printer replaces by the drawing (printReport).
    QString figure(const QPicture& picture, int width, int height) {
        const QString name = QStringLiteral("km://figure%1").arg(m_figures.size());
        m_figures.emplace_back(name, picture);
        return QStringLiteral("<img src='%1' width='%2' height='%3'>").arg(name).arg(width).arg(height);
    }

    QString title() {
        QStringList devices;
        for (const DeviceAnalysis& d : m_a->devices) devices << esc(d.deviceId);
        return QObject::tr("<h1>%1</h1><p>File %2<br>SHA-256 %3<br>Report of %4 UTC by KernelMeter %5<br>Devices: %6</p>")
            .arg(QFileInfo(QString::fromStdString(m_a->file)).fileName().toHtmlEscaped(), esc(m_a->file),
                 m_in.sha256.isEmpty() ? QObject::tr("(unreadable)") : m_in.sha256,
                 QDateTime::currentDateTimeUtc().toString("yyyy-MM-dd HH:mm"), QString::fromLatin1(km::kVersion), devices.join(", "));
    }

    QString summary() {
        const Graph& g = *m_a->graph;
        const NodeMetrics& t = m_a->metrics.total;
        QString h = QObject::tr("<h2>1. Summary</h2><p>%1 nodes, %2 MACs, %3 FLOPs, %4 params (%5%6).</p>")
                        .arg(g.nodes().size())
                        .arg(formatCount(t.macs), formatCount(t.flops), formatCount(t.params), esc(g.info.format),
                             g.info.opset ? QObject::tr(", opset %1").arg(g.info.opset) : QString());
        QStringList rows;
        QString measuredNotes;  // what the machine's speed says of each measurement, below the table
        for (const DeviceAnalysis& d : m_a->devices) {
            if (!d.ok()) {
                rows << row({esc(d.deviceId), QObject::tr("not predicted: %1").arg(esc(d.error))});
                continue;
            }
            const ModelPrediction& p = d.prediction;
            const auto m = m_o.measured.find(QString::fromStdString(d.deviceId));
            QString measured = m == m_o.measured.end() ? QObject::tr("not measured")
                                                       : QObject::tr("%1 (%2%3%)")
                                                             .arg(formatMs(m->second.medianMs),
                                                                  p.totalMs >= m->second.medianMs ? QStringLiteral("+") : QString())
                                                             .arg(100 * (p.totalMs / m->second.medianMs - 1), 0, 'f', 1);
            if (m != m_o.measured.end() && !m->second.takenElsewhere.isEmpty())  // a stored time from another machine
                measured += QObject::tr(" &#9888; taken on %1, not the device's machine now").arg(m->second.takenElsewhere.toHtmlEscaped());
            if (m != m_o.measured.end()) {  // the machine's speed then: marked here, said below the table
                const QStringList notes = measuredSpeedNotes(d, m->second);
                for (const QString& note : notes)
                    measuredNotes += "<p style='color:#b26a00'>&#9888; " + esc(d.deviceId) + ": " + note.toHtmlEscaped() + "</p>";
                if (!notes.isEmpty()) measured += QStringLiteral(" &#9888;");
            }
            // Beside the number: a prediction for another machine than the device's.
            const QString host = hostMismatchText(d);
            rows << row({esc(d.deviceId) + (host.isEmpty() ? QString() : QStringLiteral(" &#9888;")), "<b>" + formatMs(p.totalMs) + "</b>",
                         formatInterval(p.lowMs, p.highMs), QString::number(p.kernels.size()), formatMs(p.overheadMs), measured});
        }
        h += table({QObject::tr("Device"), QObject::tr("Predicted ms"), QObject::tr("Interval ms"), QObject::tr("Kernels"),
                    QObject::tr("Overhead ms"), QObject::tr("Measured ms (prediction's error)")},
                   rows);
        for (const DeviceAnalysis& d : m_a->devices)
            if (const QString host = hostMismatchText(d); !host.isEmpty())
                h += "<p style='color:#b3261e'>&#9888; " + esc(d.deviceId) + ": " + host.toHtmlEscaped() + "</p>";
        for (const DeviceAnalysis& d : m_a->devices)  // times not in the predictor's own unit
            if (!d.speedNote.empty())
                h += "<p style='color:#555'>" + esc(d.deviceId) + ": " + asSentence(QString::fromStdString(d.speedNote)).toHtmlEscaped() +
                     "</p>";
        h += measuredNotes;
        for (const DeviceAnalysis& d : m_a->devices)
            for (const auto& w : d.prediction.warnings) h += "<p style='color:#b26a00'>" + esc(d.deviceId) + ": " + esc(w) + "</p>";
        return h;
    }

    QString graph() {
        if (m_o.kernelDevice < 0) return QObject::tr("<h2>2. Graph</h2><p>No device has a prediction: the kernels cannot be drawn.</p>");
        if (!m_layout) m_layout = std::make_shared<const GraphLayout>(layoutGraph(*m_a->graph));
        GraphView view;
        view.setAnalysis(m_a);
        view.setKernelDevice(m_o.kernelDevice);
        view.setGraphLayout(m_a, m_layout);
        QGraphicsScene* scene = view.scene();
        const QRectF source = scene->sceneRect();
        // A tall, narrow network is cut into page-high slices set side by side (up to 3 columns),
        // each as wide as what is drawn in it: dot lets a long network drift sideways, so its
        // bounding box can be twice as wide as any one slice's drawing. The scale shrinks only if
        // it would take more than kMaxGraphPages pages.
        constexpr int kGap = 14, kMaxColumns = 3;
        // Where GraphView writes each edge's tensor shape and how wide it is (6.5 pt, 4 px right of
        // the edge's middle).
        std::vector<std::pair<QPointF, double>> labels;
        QFont labelFont = QGuiApplication::font();
        labelFont.setPointSizeF(6.5);
        const QFontMetricsF metrics(labelFont);
        for (const LayoutEdge& e : m_layout->edges)
            if (const Tensor* t = m_a->graph->tensor(e.tensor.toStdString()); t && e.labelled)
                labels.emplace_back(e.labelAt, 4 + metrics.horizontalAdvance(QString::fromStdString(t->shape.toString())));
        auto drawnBetween = [&](double top, double bottom) {
            const QRectF band(source.left(), top, source.width(), bottom - top);
            double left = band.right(), right = band.left();
            for (const QGraphicsItem* item : scene->items(band)) {
                if (!item->isVisible()) continue;
                if (const auto* edge = qgraphicsitem_cast<const QGraphicsPathItem*>(item)) {  // only its part in the band
                    const QPainterPath path = edge->sceneTransform().map(edge->path());
                    for (int k = 0; k <= 64; ++k)
                        if (const QPointF at = path.pointAtPercent(k / 64.0); at.y() >= top && at.y() <= bottom) {
                            left = std::min(left, at.x());
                            right = std::max(right, at.x());
                        }
                    continue;
                }
                left = std::min(left, item->sceneBoundingRect().left());
                right = std::max(right, item->sceneBoundingRect().right());
            }
            for (const auto& [at, width] : labels)  // tensor shapes are written right of their edge's middle
                if (at.y() >= top && at.y() <= bottom) right = std::max(right, at.x() + width);
            if (left > right) return std::pair{band.left(), band.right()};
            return std::pair{std::max(band.left(), left - kGap), std::min(band.right(), right + kGap)};
        };
        auto widestAt = [&](double s) {
            double widest = 1;
            for (double top = source.top(); top < source.bottom(); top += kSliceHeight / s) {
                const auto [left, right] = drawnBetween(top, top + kSliceHeight / s);
                widest = std::max(widest, right - left);
            }
            return widest;
        };
        // As many columns as fit with the drawing at 80% of its size or more (fewer pages, still
        // legible), then the scale that fills them.
        double scale = std::min(1.0, kTextWidth / source.width());
        int columns = 1;
        for (int pass = 0; pass < 3; ++pass) {
            const double widest = widestAt(scale);
            auto columnWidth = [&](int c) { return (kTextWidth + kGap) / double(c) - kGap; };
            columns = 1;
            for (int c = kMaxColumns; c > 1 && columns == 1; --c)
                if (columnWidth(c) >= kMinGraphScale * widest) columns = c;
            scale = std::min(1.0, columnWidth(columns) / widest);
            if (source.height() * scale > double(kMaxGraphPages * columns) * kSliceHeight)
                scale = double(kMaxGraphPages * columns) * kSliceHeight / source.height();
        }
        const double sliceScene = kSliceHeight / scale;
        QString h = QObject::tr("<h2>2. Graph with the kernels of %1</h2><p>Tinted boxes are kernels, coloured by category: ")
                        .arg(esc(m_a->devices[size_t(m_o.kernelDevice)].deviceId));
        for (int c = 0; c < int(OpCategory::Count); ++c)
            h += QStringLiteral("<span style='background-color:%1'>&nbsp;%2&nbsp;</span> ")
                     .arg(categoryColor(OpCategory(c)).name(), categoryName(OpCategory(c)));
        h += QObject::tr("; hatched red: unknown or unpredicted.%1%2</p>")
                 .arg(columns > 1 ? QObject::tr(" The graph runs down each column, columns left to right.") : QString(),
                      m_layout->fallback ? " " + m_layout->note.toHtmlEscaped() : QString());
        QStringList slices;
        for (double top = source.top(); top < source.bottom(); top += sliceScene) {
            const auto [left, right] = drawnBetween(top, top + sliceScene);
            const QRectF part(left, top, right - left, std::min(sliceScene, source.bottom() - top));
            // Never wider than the text (KeepAspectRatio below then leaves white under the drawing).
            const int width = std::min(kTextWidth, int(std::ceil(part.width() * scale)));
            const int height = int(std::ceil(part.height() * scale));
            // Drawn as the window draws it at 3 times this size (every op's name and every edge's
            // shape, which the items leave out when small), then recorded at this size.
            QPicture detailed, picture;
            {
                QPainter p(&detailed);
                p.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
                p.scale(kGraphDetail, kGraphDetail);
                p.setClipRect(QRectF(0, 0, width, height));
                scene->render(&p, QRectF(0, 0, width, height), part, Qt::KeepAspectRatio);
            }
            {
                QPainter p(&picture);
                p.scale(1 / kGraphDetail, 1 / kGraphDetail);
                p.drawPicture(QPointF(0, 0), detailed);
            }
            slices << figure(picture, width, height);
        }
        for (int first = 0; first < int(slices.size()); first += columns) {
            // Each row of slices starts a page, so that no slice is cut by a page break.
            h += QStringLiteral("<table cellspacing='0' cellpadding='%1' style='page-break-before: always'><tr>").arg(kGap / 2);
            for (int c = first; c < std::min(int(slices.size()), first + columns); ++c) h += "<td valign='top'>" + slices[c] + "</td>";
            h += "</tr></table>";
        }
        return h;
    }

    QString perDevice() {
        QString h = QObject::tr("<h2 style='page-break-before: always'>3. Kernels per device</h2>");
        if (m_o.kernelDevice < 0) return h + QObject::tr("<p>No device has a prediction.</p>");
        BreakdownPlot plot(&m_kernels);
        h += QObject::tr(
                 "<p>Time per kernel of %1 in execution order, every device (other devices' kernels are counted where "
                 "their first op is); lines: cumulative share.</p>")
                 .arg(esc(m_a->devices[size_t(m_o.kernelDevice)].deviceId));
        h += "<p>" + figure(plot.renderPicture(kTextWidth, 300, BreakdownPlot::Mode::PerKernel), kTextWidth, 300) + "</p>";
        for (const DeviceAnalysis& d : m_a->devices) {
            if (!d.ok()) continue;
            const auto& ks = d.prediction.kernels;
            std::vector<size_t> order(ks.size());
            std::iota(order.begin(), order.end(), 0);
            std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return ks[x].ms > ks[y].ms; });
            if (order.size() > size_t(m_o.topKernels)) order.resize(size_t(m_o.topKernels));
            QStringList rows;
            for (size_t k : order) {
                const Kernel& kernel = d.partition.kernels[k];
                const QString first = QString::fromStdString(d.graph->nodes()[kernel.nodes.front()].name).toHtmlEscaped();
                rows << row({QString::number(k), esc(ks[k].type),
                             kernel.nodes.size() > 1 ? QObject::tr("%1 +%2").arg(first).arg(kernel.nodes.size() - 1) : first,
                             formatMs(ks[k].ms), formatInterval(ks[k].lowMs, ks[k].highMs), formatPercent(ks[k].ms / d.prediction.totalMs),
                             esc(ks[k].source)});
            }
            h += QObject::tr("<h3>%1: the %2 slowest of %3 kernels</h3>").arg(esc(d.deviceId)).arg(order.size()).arg(ks.size());
            h += table({"#", QObject::tr("Type"), QObject::tr("Nodes"), QObject::tr("ms"), QObject::tr("Interval"), QObject::tr("Share"),
                        QObject::tr("Predicted by")},
                       rows);
        }
        return h;
    }

    QString comparison() {
        // On a page of its own: after the kernel tables the chart seldom fits under the heading,
        // and Qt's rich text cannot keep a heading with what follows it.
        QString h = QObject::tr("<h2 style='page-break-before: always'>4. Devices compared</h2>");
        if (m_kernels.shownDevices().empty()) return h + QObject::tr("<p>No device has a prediction.</p>");
        BreakdownPlot plot(&m_kernels);
        h += QObject::tr("<p>Each device's predicted total, stacked by kernel category.</p>");
        const int width = std::min(kTextWidth, 220 + 120 * int(m_kernels.shownDevices().size()));
        h += "<p>" + figure(plot.renderPicture(width, 320, BreakdownPlot::Mode::ByCategory), width, 320) + "</p>";
        return h;
    }

    QString predictors() {
        QString h = QObject::tr(
            "<h2>5. Predictor accuracy</h2><p>Per kernel type of this model: the regressor's last sampling round, "
            "validated on kernels drawn from the prior and never trained on (share within 10% and 5%, RMSPE); "
            "calibration on generated networks, never on evaluation models.</p>");
        for (const DeviceAnalysis& d : m_a->devices) {
            if (!d.ok()) continue;
            const PredictorSet& p = *d.predictor;
            const ModelCalibration& c = p.calibration;
            h += QObject::tr("<h3>%1</h3><p>").arg(esc(d.deviceId));
            // An adapted predictor: how it was adapted says more than the source's calibration.
            h += p.adaptation ? adaptationText(p).toHtmlEscaped()
                 : c.models   ? QObject::tr("Calibration (%1) on %2 networks: %3 within 10%, RMSPE %4.")
                                  .arg(esc(c.terms))
                                  .arg(c.models)
                                  .arg(formatPercent(c.within10), formatPercent(c.rmspe))
                            : QObject::tr("Not calibrated on networks (kernel sum x %1 + %2 ms).")
                                  .arg(p.kernelScale, 0, 'f', 3)
                                  .arg(formatMs(p.overheadMs));
            h += "</p>";
            if (p.adaptation)
                h += QObject::tr(
                         "<p>The regressors below are %1's, which the adapted predictor scales: their accuracy is on %1's "
                         "kernels, before adapting.</p>")
                         .arg(esc(p.adaptation->sourceDevice));
            std::map<std::string, int> used;
            for (const KernelPrediction& k : d.prediction.kernels) ++used[k.type];
            QStringList rows;
            for (const auto& [type, count] : used) {
                auto it = p.types.find(type);
                if (it == p.types.end() || it->second.rounds.empty()) {
                    rows << row({esc(type), QString::number(count), QObject::tr("no regressor: fallback or 0 ms"), "", "", "", ""});
                    continue;
                }
                const RoundMetrics& m = it->second.rounds.back();
                rows << row({esc(type), QString::number(count), QString::number(it->second.samples),
                             QString::number(it->second.rounds.size()), formatPercent(m.within10), formatPercent(m.within5),
                             formatPercent(m.rmspe)});
            }
            h += table({QObject::tr("Kernel type"), QObject::tr("In model"), QObject::tr("Samples"), QObject::tr("Rounds"),
                        QObject::tr("Within 10%"), QObject::tr("Within 5%"), QObject::tr("RMSPE")},
                       rows);
            h += adaptationFit(d);
            h += evaluation(d.deviceId);
        }
        return h;
    }

    // An adapted predictor's networks (the Predictor tab's "Fit networks") and its fit on them.
    QString adaptationFit(const DeviceAnalysis& d) {
        AdaptationTableModel model;
        model.setPredictor(d.predictor);
        if (model.rowCount() == 0) return {};
        QStringList header, rows;
        for (int c = 0; c < model.columnCount(); ++c)
            header << model.headerData(c, Qt::Horizontal, Qt::DisplayRole).toString().toHtmlEscaped();
        for (int r = 0; r < model.rowCount(); ++r) {  // a network's name on one line ("nb201-11421")
            QString cells;
            for (int c = 0; c < model.columnCount(); ++c)
                cells += QStringLiteral("<td%1>%2</td>")
                             .arg(c == AdaptationTableModel::Network ? " style='white-space:nowrap'" : "",
                                  model.data(model.index(r, c), Qt::DisplayRole).toString().toHtmlEscaped());
            rows << "<tr>" + cells + "</tr>";
        }
        QString h = QObject::tr(
                        "<p>The %1 networks measured on %2 to adapt its predictor, each predicted by the source, by the fit and by "
                        "the fit on the other networks (left out: the error to expect on a network never measured).</p>")
                        .arg(model.rowCount())
                        .arg(esc(d.deviceId));
        h += table(header, rows);
        ScatterPlot plot;
        plot.setPoints(leftOutCaption(d.deviceId), leftOutPoints(*d.predictor));
        constexpr int kWidth = 460, kHeight = 330;  // the caption on one line for a short device id
        h += "<p>" + figure(plot.renderPicture(kWidth, kHeight), kWidth, kHeight) + "</p>";
        return h;
    }

    // Predicted against measured on benchmark models the predictor never saw (UX.md report item 6).
    QString evaluation(const std::string& deviceId) {
        const auto found = m_in.evaluation.find(deviceId);
        if (found == m_in.evaluation.end()) return {};
        if (!found->second) return QObject::tr("<p>Benchmark models: %1</p>").arg(esc(found->second.error().message));
        const DatasetPredictions& data = found->second.value();
        std::vector<std::pair<double, double>> points;
        std::vector<double> predicted, measured;
        for (const PredictedVsMeasured& m : data.models) {
            points.emplace_back(m.measuredMs, m.predictedMs);
            predicted.push_back(m.predictedMs);
            measured.push_back(m.measuredMs);
        }
        if (points.empty()) return QObject::tr("<p>The benchmark dataset has no model measured on %1.</p>").arg(esc(deviceId));
        const AccuracyMetrics accuracy = accuracyOf(predicted, measured);
        const double within10 = accuracy.within10, within5 = accuracy.within5;
        const QString held = intervalCoverageText(data);  // how often the intervals held the measurements
        QString h =
            QObject::tr(
                "<p>Predicted against measured latency of %1 benchmark models (the first %2 of each family of "
                "the shipped dataset, never used for training or calibration)%3: %4 within 10%, %5 within 5%%6.</p>")
                .arg(points.size())
                .arg(m_in.modelsPerFamily)
                .arg(data.unit.ms > 0 ? QObject::tr(", measured times at one machine speed (ratio to the reference workload x %1 ms, "
                                                    "%2)")
                                            .arg(data.unit.ms, 0, 'f', 3)
                                            .arg(esc(data.unit.source))
                                      : QString())
                .arg(formatPercent(within10), formatPercent(within5))
                .arg(held.isEmpty() ? QString() : "; " + held.toHtmlEscaped());
        ScatterPlot plot;
        plot.setPoints(QString::fromStdString(deviceId), points);
        constexpr int kSize = 330;
        h += "<p>" + figure(plot.renderPicture(kSize + 60, kSize), kSize + 60, kSize) + "</p>";
        return h;
    }

    QString provenance() {
        QString h = QObject::tr("<h2>6. Provenance and method</h2>");
        for (const DeviceAnalysis& d : m_a->devices) {
            if (!d.ok()) {
                h += QObject::tr("<p><b>%1</b>: %2</p>").arg(esc(d.deviceId), esc(d.error));
                continue;
            }
            const PredictorSet& p = *d.predictor;
            const std::string runtime = predictorRuntimeText(p);
            h += QObject::tr("<p><b>%1</b>: %9 %2 on %3%4; %5 kernel types; from %6.<br>Command: %7<br>Fusion rules: %8</p>")
                     .arg(esc(d.deviceId), esc(p.builtAtUtc), esc(p.timesSource()), runtime.empty() ? QString() : ", " + esc(runtime))
                     .arg(p.types.size())
                     .arg(esc(d.predictorSource), esc(p.command), esc(d.rulesSource),
                          p.adaptation ? QObject::tr("%1's predictor adapted").arg(esc(p.adaptation->sourceDevice))
                                       : QObject::tr("predictor built"));
        }
        h += QObject::tr(
            "<p>Method: the graph is split into kernels by the device's measured fusion rules; each kernel's time is "
            "predicted by the regressor of its type from its configuration (shapes, window, stride, groups, FLOPs, "
            "bytes); the model's time is the kernel sum times the calibrated scale, plus a cost per kernel and a "
            "per-model overhead. The interval adds up each kernel's 5th-95th percentile band of validation errors, "
            "so it is wide rather than too narrow. A kernel without a regressor of its type is estimated by the "
            "generic fallback and marked; none is silently counted as zero.</p>");
        return h;
    }

    AnalysisPtr m_a;
    std::shared_ptr<const GraphLayout> m_layout;
    ReportOptions m_o;
    const ReportInputs& m_in;
    KernelTableModel m_kernels;
    std::vector<std::pair<QString, QPicture>> m_figures;
};

}  // namespace

ReportInputs gatherReportInputs(const AnalysisPtr& analysis, size_t modelsPerFamily) {
    ReportInputs in;
    in.modelsPerFamily = modelsPerFamily;
    if (!analysis) return in;
    if (analysis->model) in.sha256 = QString::fromStdString(analysis->model->sha256());
    if (modelsPerFamily == 0) return in;
    for (const DeviceAnalysis& d : analysis->devices)
        if (d.ok())
            in.evaluation.emplace(d.deviceId,
                                  predictDatasetModels(DeviceAnalyzer(d.deviceId, d.rules, d.predictor), "zoo", modelsPerFamily));
    return in;
}

ReportDocument composeReport(const AnalysisPtr& analysis, std::shared_ptr<const GraphLayout> layout, const ReportOptions& options,
                             const ReportInputs& inputs) {
    ReportDocument doc;
    if (!analysis) return doc;
    Builder builder(analysis, std::move(layout), options, inputs);
    doc.html = builder.html();  // records the graph and charts into the builder's figures
    doc.figures = builder.takeFigures();
    doc.title = QObject::tr("KernelMeter report: %1").arg(QFileInfo(QString::fromStdString(analysis->file)).fileName());
    return doc;
}

QString checkReportTarget(const QString& path) {
    const QFileInfo target(path);
    if (!QFileInfo(target.absolutePath()).isWritable() || (target.exists() && !target.isWritable()))
        return QObject::tr("%1: cannot write there (folder missing or not writable).").arg(path);
    return {};
}

namespace {

// `doc` laid out as QTextDocument::print lays out its copy of a document without a page size: on
// the printer's page in its pixels, with 2 cm frame margins in the 96 dpi units the layout scales
// to the device.
// The dots per inch Qt's rich text takes a layout's lengths in when no device is set (Qt's
// qt_defaultDpi, which is not public): 96 when asked, else the primary screen's, else 100.
QPointF layoutDpi() {
    if (QCoreApplication::testAttribute(Qt::AA_Use96Dpi)) return {96, 96};
    if (const QScreen* screen = QGuiApplication::primaryScreen())
        return {double(qRound(screen->logicalDotsPerInchX())), double(qRound(screen->logicalDotsPerInchY()))};
    return {100, 100};
}

std::unique_ptr<QTextDocument> printLayoutOf(const QTextDocument& doc, QPagedPaintDevice& device) {
    std::unique_ptr<QTextDocument> copy(doc.clone());
    copy->documentLayout()->setPaintDevice(&device);
    // A clone has no object handlers of its own: without the figures' it would lay them out empty.
    if (auto* figures = dynamic_cast<QObject*>(doc.documentLayout()->handlerForObject(kFigureObject)))
        copy->documentLayout()->registerHandler(kFigureObject, figures);
    QTextFrameFormat frame = copy->rootFrame()->frameFormat();
    const QPointF dpi = layoutDpi();
    frame.setLeftMargin(int(2 / 2.54 * dpi.x()));
    frame.setRightMargin(int(2 / 2.54 * dpi.x()));
    frame.setTopMargin(int(2 / 2.54 * dpi.y()));
    frame.setBottomMargin(int(2 / 2.54 * dpi.y()));
    copy->rootFrame()->setFrameFormat(frame);
    copy->setPageSize(QSizeF(device.width(), device.height()));
    return copy;
}

bool isHeading(const QTextBlock& b) { return b.blockFormat().headingLevel() > 0; }

int pageOf(const QTextDocument& laidOut, double y) { return int(y / laidOut.pageSize().height()); }

}  // namespace

std::vector<std::pair<int, int>> headingPages(const QTextDocument& doc, QPagedPaintDevice& device) {
    const std::unique_ptr<QTextDocument> laidOut = printLayoutOf(doc, device);
    QAbstractTextDocumentLayout* layout = laidOut->documentLayout();
    std::vector<std::pair<int, int>> pages;
    for (QTextBlock b = laidOut->begin(); b.isValid(); b = b.next()) {
        if (!isHeading(b) || !b.next().isValid()) continue;
        // The next block with text: a table's first cell, a paragraph (empty ones hold no line).
        QTextBlock after = b.next();
        while (after.next().isValid() && after.text().isEmpty()) after = after.next();
        const QTextLine firstLine = after.layout()->lineCount() > 0 ? after.layout()->lineAt(0) : QTextLine();
        const double afterTop = layout->blockBoundingRect(after).top() + (firstLine.isValid() ? firstLine.y() : 0);
        const double afterBottom = afterTop + (firstLine.isValid() ? firstLine.height() : 0);
        pages.emplace_back(pageOf(*laidOut, layout->blockBoundingRect(b).top()), pageOf(*laidOut, afterBottom));
    }
    return pages;
}

int keepHeadingsWithTheirText(QTextDocument& doc, QPagedPaintDevice& device) {
    const std::unique_ptr<QTextDocument> laidOut = printLayoutOf(doc, device);
    QAbstractTextDocumentLayout* layout = laidOut->documentLayout();
    const double pageHeight = laidOut->pageSize().height();
    const double bottomMargin = laidOut->rootFrame()->frameFormat().bottomMargin() * device.logicalDpiY() / layoutDpi().y();
    const double room = kLinesAfterHeading * QFontMetricsF(laidOut->defaultFont(), &device).lineSpacing();
    int added = 0;
    for (QTextBlock b = laidOut->begin(); b.isValid(); b = b.next()) {
        if (!isHeading(b) || b.blockFormat().pageBreakPolicy() & QTextFormat::PageBreak_AlwaysBefore) continue;
        const QRectF r = layout->blockBoundingRect(b);  // laid out again after each break above it
        const double pageEnd = (pageOf(*laidOut, r.top()) + 1) * pageHeight - bottomMargin;
        if (r.bottom() + room <= pageEnd) continue;
        QTextBlockFormat f;
        f.setPageBreakPolicy(QTextFormat::PageBreak_AlwaysBefore);
        QTextCursor(b).mergeBlockFormat(f);
        QTextCursor(doc.findBlockByNumber(b.blockNumber())).mergeBlockFormat(f);
        ++added;
    }
    return added;
}

// Draws a report figure where the html had its <img>: the recorded drawing played into the PDF's
// painter, so that lines and text stay vectors at any zoom.
class FigureObject : public QObject, public QTextObjectInterface {
    Q_OBJECT
    Q_INTERFACES(QTextObjectInterface)
public:
    explicit FigureObject(const std::vector<std::pair<QString, QPicture>>& figures) : m_figures(figures) {}
    // As an image of that size would be: the html's logical pixels (QPicture's, the platform's
    // default resolution) in the units of the device the document is laid out for.
    QSizeF intrinsicSize(QTextDocument* doc, int, const QTextFormat& format) override {
        const QPaintDevice* device = doc->documentLayout()->paintDevice();
        return logicalSize(format) * (device ? qreal(device->logicalDpiY()) / qreal(QPicture().logicalDpiY()) : 1.0);
    }
    void drawObject(QPainter* painter, const QRectF& rect, QTextDocument*, int, const QTextFormat& format) override {
        const int i = format.intProperty(kFigureIndex);
        if (i < 0 || size_t(i) >= m_figures.size() || logicalSize(format).isEmpty()) return;
        const QPicture& picture = m_figures[size_t(i)].second;
        // A QPicture plays at the device's resolution by itself: only the difference between the
        // rect and that size is scaled here.
        const QSizeF played = logicalSize(format) * (qreal(painter->device()->logicalDpiY()) / qreal(picture.logicalDpiY()));
        painter->save();
        painter->translate(rect.topLeft());
        painter->scale(rect.width() / played.width(), rect.height() / played.height());
        painter->drawPicture(QPointF(0, 0), picture);
        painter->restore();
    }

private:
    static QSizeF logicalSize(const QTextFormat& format) {
        return {format.doubleProperty(QTextFormat::ImageWidth), format.doubleProperty(QTextFormat::ImageHeight)};
    }
    const std::vector<std::pair<QString, QPicture>>& m_figures;
};

namespace {

// Replaces each <img> naming a figure by a FigureObject character of the same size.
void placeFigures(QTextDocument& doc, const std::vector<std::pair<QString, QPicture>>& figures, FigureObject& handler) {
    doc.documentLayout()->registerHandler(kFigureObject, &handler);
    std::map<QString, int> index;
    for (size_t i = 0; i < figures.size(); ++i) index[figures[i].first] = int(i);
    std::vector<std::pair<int, QTextCharFormat>> places;  // document position, the object's format
    for (QTextBlock b = doc.begin(); b.isValid(); b = b.next())
        for (auto it = b.begin(); !it.atEnd(); ++it) {
            const QTextFragment f = it.fragment();
            if (!f.charFormat().isImageFormat()) continue;
            const QTextImageFormat image = f.charFormat().toImageFormat();
            const auto found = index.find(image.name());
            if (found == index.end()) continue;
            QTextCharFormat object;
            object.setObjectType(kFigureObject);
            object.setProperty(kFigureIndex, found->second);
            object.setProperty(QTextFormat::ImageWidth, image.width());
            object.setProperty(QTextFormat::ImageHeight, image.height());
            for (int k = 0; k < f.length(); ++k) places.emplace_back(f.position() + k, object);
        }
    for (auto p = places.rbegin(); p != places.rend(); ++p) {  // from the end: positions stay valid
        QTextCursor c(&doc);
        c.setPosition(p->first);
        c.setPosition(p->first + 1, QTextCursor::KeepAnchor);
        c.insertText(QString(QChar::ObjectReplacementCharacter), p->second);
    }
}

}  // namespace

QString printReport(const QString& path, const ReportDocument& report) {
    if (report.html.isEmpty()) return QObject::tr("%1: no model to report on.").arg(path);
    if (QString error = checkReportTarget(path); !error.isEmpty()) return error;
    FigureObject figures(report.figures);
    QTextDocument doc;
    doc.setHtml(report.html);
    placeFigures(doc, report.figures, figures);
    QPdfWriter writer(path);
    if (!writer.setPageLayout(
            QPageLayout(QPageSize(QPageSize::A4), QPageLayout::Portrait, QMarginsF(15, 15, 15, 15), QPageLayout::Millimeter)))
        return QObject::tr("%1: cannot set up an A4 page.").arg(path);
    writer.setTitle(report.title);
    writer.setCreator(QStringLiteral("KernelMeter %1").arg(QString::fromLatin1(km::kVersion)));
    keepHeadingsWithTheirText(doc, writer);
    doc.print(&writer);
    if (QFileInfo(path).size() == 0) return QObject::tr("%1: the PDF is empty after writing.").arg(path);
    return {};
}

QString writePdfReport(const QString& path, AnalysisPtr analysis, std::shared_ptr<const GraphLayout> layout, const ReportOptions& options) {
    if (!analysis) return QObject::tr("%1: no model to report on.").arg(path);
    if (QString error = checkReportTarget(path); !error.isEmpty()) return error;
    return printReport(path, composeReport(analysis, std::move(layout), options, gatherReportInputs(analysis)));
}

}  // namespace km::ui

#include "pdf_report.moc"
