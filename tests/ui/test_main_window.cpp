// SPDX-License-Identifier: GPL-3.0-or-later
// The analysis views: kernel table under QAbstractItemModelTester with per-device columns that sum
// to each device's kernel total, and the main
// window on a real network with the shipped predictors: graph items and kernel boxes, breakdown
// bars, one selection across graph, table and panel, device picking, and offscreen pictures of the
// graph, table and chart that are not blank.
#include <QtTest>

#include <QAbstractItemModelTester>
#include <QCheckBox>
#include <QImage>
#include <QPdfWriter>
#include <QPushButton>
#include <QSet>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QTextDocument>
#include <QToolButton>
#include <cmath>

#include "store/measurement_store.h"
#include "test_support.h"
#include "ui/graphview/graph_view.h"
#include "ui/jobs/device_tool_job.h"
#include "ui/jobs/measure_job.h"
#include "ui/models/kernel_table_model.h"
#include "ui/pages/adapt_confirmation.h"
#include "ui/pages/compare_page.h"
#include "ui/pages/main_window.h"
#include "ui/pages/predictor_page.h"
#include "ui/plots/accuracy_plot.h"
#include "ui/plots/breakdown_plot.h"
#include "ui/plots/scatter_plot.h"
#include "ui/report/pdf_report.h"
#include "ui/report/report_job.h"
#include "ui/style/format.h"
#include "workflows/analyze_model.h"
#include "workflows/devices.h"
#include "workflows/import_table.h"
#include "zoo/zoo.h"

using namespace km;
using namespace km::ui;

namespace {

const char* kMobileNet = KM_FIXTURES_DIR "/real/mobilenet_v3_small.onnx";

// Distinct colours in a widget's rendering: a blank or single-colour area has very few.
int distinctColours(QWidget* w) {
    const QImage image = w->grab().toImage();
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 3)
        for (int x = 0; x < image.width(); x += 3) colours.insert(image.pixel(x, y));
    return int(colours.size());
}

// Opens the small conv block in `w` for opencv-t1 and waits until its stored measurement has
// been looked up; false when none arrives.
bool openWithStoredMeasurement(MainWindow& w) {
    w.setDevices({"opencv-t1"});
    QSignalSpy found(w.measureJob(), &MeasureJob::found);
    w.openFile(KM_FIXTURES_DIR "/small/conv_block.onnx");
    w.waitForLoad();
    return found.count() > 0 || found.wait(30000);
}

}  // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
private slots:
    void initTestCase() {
        QCoreApplication::setOrganizationName("KernelMeterTests");
        QVERIFY(m_data.isValid());
        qputenv("XDG_DATA_HOME", m_data.path().toUtf8());    // no user database: the shipped predictors
        qputenv("XDG_CONFIG_HOME", m_data.path().toUtf8());  // no remembered window or device choice
        qputenv("KM_AGENT", KM_AGENT_PATH);                  // the agent of this build tree
        Result<ModelAnalysis> a = analyzeModel(kMobileNet, {"opencv-t1", "xnnpack-t1", "opencv-t2"}, m_devices);
        QVERIFY(a.ok());
        m_analysis = std::make_shared<const ModelAnalysis>(std::move(a).value());
        QVERIFY(m_analysis->devices[0].ok() && m_analysis->devices[1].ok());
        QVERIFY(!m_analysis->devices[2].ok());  // no rules or predictor for the 2-thread device
    }

    void attributionKeepsEachDevicesTotal() {
        for (size_t rows = 0; rows < 2; ++rows)
            for (size_t d = 0; d < 2; ++d) {
                const std::vector<AttributedTime> t = attributeToKernels(*m_analysis, rows, d);
                QCOMPARE(t.size(), m_analysis->devices[rows].partition.kernels.size());
                double sum = 0, expected = 0;
                for (const auto& x : t) sum += x.ms;
                for (const auto& k : m_analysis->devices[d].prediction.kernels) expected += k.ms;
                QVERIFY2(std::abs(sum - expected) < 1e-9 * std::max(1.0, expected), qPrintable(QString("%1 vs %2").arg(sum).arg(expected)));
                if (rows == d)
                    for (const auto& x : t) QVERIFY(x.sameBoundary && x.kernels == 1);
            }
    }

    void kernelTablePassesTheTester() {
        KernelTableModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QCOMPARE(model.rowCount(), 0);
        model.setAnalysis(m_analysis, 1);
        const DeviceAnalysis& x = m_analysis->devices[1];
        QCOMPARE(model.rowCount(), int(x.partition.kernels.size()));
        QCOMPARE(model.shownDevices().size(), size_t(2));  // the device without a predictor has no columns
        QCOMPARE(model.columnCount(), int(KernelTableModel::FixedColumnCount + 2 * KernelTableModel::DeviceColumnCount));
        QCOMPARE(model.data(model.index(0, KernelTableModel::Type), Qt::DisplayRole).toString(),
                 QString::fromStdString(x.partition.kernels[0].type));
        for (size_t s = 0; s < 2; ++s) {
            const int column = KernelTableModel::FixedColumnCount + int(s) * KernelTableModel::DeviceColumnCount + KernelTableModel::Ms;
            double sum = 0;
            for (int r = 0; r < model.rowCount(); ++r) sum += model.data(model.index(r, column), KernelTableModel::SortRole).toDouble();
            const ModelPrediction& p = model.deviceAnalysis(s)->prediction;
            QVERIFY(std::abs(sum + p.overheadMs - p.totalMs) < 1e-6 * p.totalMs);
        }
        const QStringList csv = model.toCsv().trimmed().split('\n');
        QCOMPARE(csv.size(), model.rowCount() + 1);
        QVERIFY(csv[0].startsWith("#,Kernel type,Nodes,FLOPs,opencv-t1 ms"));
        model.setAnalysis(m_analysis, 2);  // a device without prediction: empty
        QCOMPARE(model.rowCount(), 0);
        model.setAnalysis(nullptr, 0);
        QCOMPARE(model.rowCount(), 0);
    }

    void windowShowsGraphKernelsAndCharts() {
        MainWindow w;
        w.resize(1400, 900);
        w.show();
        w.setDevices({"opencv-t1", "xnnpack-t1"});
        w.openFile(kMobileNet);
        w.waitForLoad();
        QVERIFY(!w.bannerVisible());
        AnalysisPtr a = w.analysis();
        QVERIFY(a);
        QCOMPARE(a->devices.size(), size_t(2));
        GraphView* graph = w.graphView();
        QVERIFY(graph->hasLayout());
        QCOMPARE(graph->opItemCount(), int(a->graph->nodes().size()));
        const int kernels = int(a->devices[0].partition.kernels.size());
        QCOMPARE(graph->kernelBoxCount(), kernels);
        QCOMPARE(w.kernelModel()->rowCount(), kernels);
        QCOMPARE(w.breakdownPlot()->barCount(), 2 * kernels);
        QVERIFY2(distinctColours(graph->viewport()) > 20, "the graph area is blank");
        QVERIFY2(distinctColours(w.kernelTable()->viewport()) > 5, "the kernel table is blank");
        w.tabs()->setCurrentWidget(w.breakdownPlot());
        QCoreApplication::processEvents();
        QVERIFY2(distinctColours(w.breakdownPlot()) > 8, "the breakdown chart is blank");
        // Per device by category (its legend moves beside the bars) and back, twice.
        for (int round = 0; round < 2; ++round) {
            w.breakdownPlot()->setMode(BreakdownPlot::Mode::ByCategory);
            QVERIFY(w.breakdownPlot()->barCount() > 2);
            QCoreApplication::processEvents();
            QVERIFY2(distinctColours(w.breakdownPlot()) > 8, "the stacked chart is blank");
            w.breakdownPlot()->setMode(BreakdownPlot::Mode::PerKernel);
            QCOMPARE(w.breakdownPlot()->barCount(), 2 * kernels);
        }

        // One selection: from the graph to the table and the panel, and cleared again.
        emit graph->kernelClicked(5);
        QCOMPARE(graph->selectedKernel(), 5);
        QVERIFY2(w.selectionText().contains("kernel #5 "), qPrintable(w.selectionText()));
        QVERIFY(w.selectionText().contains("xnnpack-t1"));
        emit graph->kernelClicked(-1);
        QCOMPARE(graph->selectedKernel(), -1);
        QVERIFY(!w.selectionText().contains("kernel #"));

        // Find: a node name selects its kernel.
        const std::string name = a->graph->nodes()[10].name;
        QVERIFY(graph->find(QString::fromStdString(name)));
        QCOMPARE(graph->selectedKernel(), a->devices[0].kernelOfModelNode[10]);
        QVERIFY(!graph->find("no-such-node-anywhere"));

        // Compare and Predictor pages follow the analysis.
        QCOMPARE(w.comparePage()->deviceRows(), 2);
        QVERIFY(w.comparePage()->fastestText().contains("Fastest per kernel category"));
        // XNNPACK runs MobileNetV3's depthwise convolutions inside conv-rooted kernels: not a
        // category OpenCV DNN wins by default.
        QVERIFY2(w.comparePage()->fastestText().contains("dwconv: opencv-t1 ") &&
                     w.comparePage()->fastestText().contains("; xnnpack-t1 fuses it into kernels of other categories"),
                 qPrintable(w.comparePage()->fastestText()));
        const PredictorSet& predictor = *a->devices[0].predictor;
        QCOMPARE(w.predictorPage()->kernelTypeRows(), int(predictor.types.size()));
        QVERIFY(w.predictorPage()->ruleRows() > 10);
        QCOMPARE(w.predictorPage()->accuracyPlot()->pointCount(), int(predictor.types.begin()->second.rounds.size()));

        // Predicted vs measured: one benchmark model per family measured on opencv-t1 (the shipped
        // dataset; the files are generated again in memory).
        w.predictorPage()->computeScatter(1);
        w.predictorPage()->waitForScatter();
        QCOMPARE(w.predictorPage()->scatterPlot()->pointCount(), 15);
        // and how often the predictions' intervals held those measurements
        QVERIFY2(QRegularExpression("within 10% \\(dashed\\)\nintervals held [0-9.]+% of them, a median 0\\.[0-9]{2} to 1\\.[0-9]{2} "
                                    "times the prediction")
                     .match(w.predictorPage()->scatterPlot()->title())
                     .hasMatch(),
                 qPrintable(w.predictorPage()->scatterPlot()->title()));

        // Heat map and another kernel device keep every kernel drawn.
        graph->setColouring(GraphView::Colouring::Heat);
        graph->setKernelDevice(1);
        QCOMPARE(graph->kernelBoxCount(), int(a->devices[1].partition.kernels.size()));
    }

    // A heading never ends a report's page: with four devices, 5 of 22 torchvision networks' reports
    // ended one with a device's heading, its table on the next page. A heading is moved to the
    // next page when fewer than kLinesAfterHeading lines fit below it, wherever the text before
    // it ends.
    void reportHeadingsKeepTheirText() {
        QTemporaryDir dir;
        QPdfWriter writer(dir.filePath("probe.pdf"));
        QVERIFY(writer.setPageLayout(
            QPageLayout(QPageSize(QPageSize::A4), QPageLayout::Portrait, QMarginsF(15, 15, 15, 15), QPageLayout::Millimeter)));
        int endedBefore = 0, endedAfter = 0, headings = 0;
        for (int lines = 20; lines < 80; ++lines) {
            QString html;
            for (int i = 0; i < lines; ++i) html += QString("<p>line %1 of the text before the heading</p>").arg(i);
            html +=
                "<h3>opencv-t1</h3><table border='1'><tr><th>Kernel type</th><th>ms</th></tr><tr><td>conv</td><td>1.0</td></tr>"
                "</table><h2>6. Provenance</h2><p>after</p>";
            QTextDocument doc;
            doc.setHtml(html);
            for (const auto& [heading, after] : headingPages(doc, writer)) endedBefore += heading != after;
            keepHeadingsWithTheirText(doc, writer);
            for (const auto& [heading, after] : headingPages(doc, writer)) {
                endedAfter += heading != after;
                ++headings;
            }
        }
        QCOMPARE(headings, 2 * 60);
        QVERIFY2(endedBefore > 0, "no heading ended a page even without the breaks: the test shows nothing");
        QCOMPARE(endedAfter, 0);
    }

    // The report's graph: a network that dot lets drift sideways (NAS-Bench-201 cell 5214, 170
    // nodes) is cut into slices each as wide as its own drawing and set side by side, not one
    // column per page as wide as the whole layout and mostly blank (six pages before).
    void reportGraphSlicesAreAsWideAsTheirDrawing() {
        Result<ZooModel> cell =
            generateNb201Model("|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|skip_connect~2|");
        QVERIFY(cell.ok());
        const QString path = m_data.filePath("nb201-cell.onnx");
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QByteArray::fromStdString(cell.value().bytes));
        file.close();
        MainWindow w;
        w.setDevices({"xnnpack-t1"});
        w.openFile(path);
        w.waitForLoad();
        QVERIFY(w.analysis() && w.analysis()->devices[0].ok());
        ReportOptions options;
        options.kernelDevice = 0;
        const ReportDocument doc = composeReport(w.analysis(), nullptr, options, ReportInputs{});
        const int from = doc.html.indexOf("<h2>2."), to = doc.html.indexOf("3. Kernels per device");
        QVERIFY(from > 0 && to > from);
        const QString graph = doc.html.mid(from, to - from);
        QStringList names;
        QList<QSize> sizes;
        for (const auto& m : QRegularExpression("src='(km://figure[0-9]+)' width='([0-9]+)' height='([0-9]+)'").globalMatch(graph)) {
            names << m.captured(1);
            sizes << QSize(m.captured(2).toInt(), m.captured(3).toInt());
        }
        const int rows = int(graph.count("<tr>"));
        QVERIFY2(names.size() > rows, qPrintable(QString("%1 slices in %2 rows").arg(names.size()).arg(rows)));
        for (int k = 0; k < names.size(); ++k) {
            const QString& name = names[k];
            const auto found = std::find_if(doc.figures.begin(), doc.figures.end(), [&](const auto& i) { return i.first == name; });
            QVERIFY(found != doc.figures.end());
            QImage img(sizes[k] * 2, QImage::Format_RGB32);  // the drawing at twice its size
            img.fill(Qt::white);
            {
                QPainter painter(&img);
                painter.scale(2, 2);
                painter.drawPicture(QPointF(0, 0), found->second);
            }
            int left = img.width(), right = -1;
            for (int y = 0; y < img.height(); y += 2)
                for (int x = 0; x < img.width(); ++x)
                    if (qGray(img.pixel(x, y)) < 245) {
                        left = std::min(left, x);
                        right = std::max(right, x);
                    }
            QVERIFY2(right - left + 1 >= 0.7 * img.width(),
                     qPrintable(QString("%1: drawn from %2 to %3 of %4").arg(name).arg(left).arg(right).arg(img.width())));
        }
    }

    // File > Export PDF report runs in the background: the event loop keeps turning while the
    // benchmark models are predicted and the PDF is written, the steps are reported in order, and
    // a folder that does not exist is refused up front with a message naming it.
    void reportIsWrittenInTheBackground() {
        MainWindow w;
        w.setDevices({"opencv-t1", "xnnpack-t1"});
        w.openFile(kMobileNet);
        w.waitForLoad();
        QVERIFY(w.analysis());
        QStringList steps;
        QString outcome = "not finished";
        connect(w.reportJob(), &ReportJob::progress, this, [&](const QString& step) { steps << step; });
        connect(w.reportJob(), &ReportJob::finished, this, [&](const QString&, const QString& error) { outcome = error; });
        int ticks = 0;
        QTimer ticker;
        connect(&ticker, &QTimer::timeout, this, [&] { ++ticks; });
        ticker.start(5);
        const QString pdf = m_data.filePath("background.pdf");
        QVERIFY(w.startReport(pdf));
        QVERIFY(w.reportJob()->isRunning());
        QVERIFY(!w.startReport(m_data.filePath("second.pdf")));  // one report at a time, said in the banner
        QVERIFY(w.bannerText().contains("second.pdf"));
        QVERIFY(w.reportJob()->isRunning());
        w.reportJob()->waitForFinished();
        ticker.stop();
        QVERIFY2(outcome.isEmpty(), qPrintable(outcome));
        QCOMPARE(steps.size(), 3);
        QVERIFY(steps[0].contains("benchmark models") && steps[1].contains("drawing") && steps[2].contains("writing"));
        // Predicting 2 x 45 benchmark models takes seconds; a UI thread blocked meanwhile would
        // see a handful of ticks at most.
        QVERIFY2(ticks >= 20, qPrintable(QString::number(ticks)));
        QVERIFY(QFileInfo(pdf).size() > 50000);
        QVERIFY(w.logText().contains("report written to " + pdf));

        QVERIFY(!w.startReport("/no/such/folder/x.pdf"));
        QVERIFY(w.bannerVisible());
        QVERIFY(w.bannerText().contains("/no/such/folder"));
        QVERIFY(!w.reportJob()->isRunning());
    }

    // Before any model is open, the Predictor tab shows the chosen devices' predictors (the rules,
    // the kernel types, provenance), and a model opened afterwards takes over.
    void predictorTabWithoutAModel() {
        MainWindow w;
        w.setDevices({"opencv-t1", "xnnpack-t1", "xnnpack-t2"});
        w.waitForLoad();
        QVERIFY(!w.analysis());
        // The device bar says which devices have no predictor, as with a model open.
        QToolButton* none = w.deviceButton("xnnpack-t2");
        QVERIFY(none && none->styleSheet().contains("line-through"));
        // The quickest way to one first: adapting xnnpack-t1's.
        QVERIFY2(none->toolTip().contains("xnnpack-t2: adapt xnnpack-t1's predictor"), qPrintable(none->toolTip()));
        QVERIFY2(w.predictorPage()->aboutText().contains("predictor built"), qPrintable(w.predictorPage()->aboutText()));
        QCOMPARE(w.predictorPage()->shownPlot(), "Sampling");  // a built one, its sampling
        QVERIFY(w.predictorPage()->kernelTypeRows() > 5);
        QVERIFY(w.predictorPage()->ruleRows() > 10);
        QCOMPARE(w.predictorPage()->adaptSources(), QStringList({"opencv-t1", "xnnpack-t1"}));
        w.openFile(kMobileNet);
        w.waitForLoad();
        QVERIFY(w.analysis() && w.analysis()->graph);
        QVERIFY(w.predictorPage()->kernelTypeRows() > 5);
    }

    void devicePickingChangesColumns() {
        MainWindow w;
        w.setDevices({"xnnpack-t1"});
        w.openFile(kMobileNet);
        w.waitForLoad();
        QCOMPARE(w.kernelModel()->shownDevices().size(), size_t(1));
        QCOMPARE(w.breakdownPlot()->barCount(), w.kernelModel()->rowCount());
        w.setDevices({"xnnpack-t1", "no-such-device"});
        w.waitForLoad();
        QVERIFY(w.bannerVisible());
        QVERIFY(w.bannerText().contains("no-such-device"));
        QCOMPARE(w.devices(), QStringList{"xnnpack-t1"});
    }

    // Tools > Measure: a short protocol on a small model; the measured time reaches the Compare
    // page, is in the user's database for the next look-up, and a cancel stops a measurement.
    void measureShowsMeasuredLatency() {
        MainWindow w;
        w.setDevices({"opencv-t1"});
        w.openFile(KM_FIXTURES_DIR "/small/conv_block.onnx");
        w.waitForLoad();
        QVERIFY(w.comparePage()->measured().empty());
        MeasureOptions quick;
        quick.rounds = 3;
        quick.instances = 1;
        quick.maxExtraInstances = 0;
        quick.warmupRuns = 2;
        quick.warmupMinMs = 10;
        w.measureJob()->setProtocol(quick);
        QSignalSpy finished(w.measureJob(), &MeasureJob::finished);
        QVERIFY(w.measureJob()->measure(KM_FIXTURES_DIR "/small/conv_block.onnx", {"opencv-t1"}));
        QVERIFY(!w.measureJob()->measure(KM_FIXTURES_DIR "/small/conv_block.onnx", {"opencv-t1"}));  // one at a time
        QVERIFY(finished.wait(120000));
        QCOMPARE(finished.at(0).at(1).toBool(), false);
        QVERIFY2(!w.bannerVisible(), qPrintable(w.bannerText()));
        QCOMPARE(w.comparePage()->measured().size(), size_t(1));
        const double ms = w.comparePage()->measured().at("opencv-t1").medianMs;
        QVERIFY(ms > 0);
        QVERIFY2(w.summaryText().contains("measured " + formatMs(ms) + " ms"), qPrintable(w.summaryText()));

        MainWindow again;  // a new window finds it in the database
        QVERIFY(openWithStoredMeasurement(again));
        QCOMPARE(again.comparePage()->measured().at("opencv-t1").medianMs, ms);
        QVERIFY(again.comparePage()->measured().at("opencv-t1").takenElsewhere.isEmpty());  // this machine's
        QVERIFY(again.comparePage()->measured().at("opencv-t1").machinePhase.isEmpty());    // nothing earlier to compare

        {  // five earlier measurements of other models on this machine, whose reference ran twice as fast
            auto store = MeasurementStore::open(defaultDatabasePath());
            QVERIFY(store.ok());
            const StoredMeasurement ours = store.value()->forDevice("opencv-t1").value().back();
            QVERIFY(ours.reference.referenceMs > 0);
            for (int i = 0; i < 5; ++i) {
                StoredMeasurement earlier = ours;
                earlier.modelHash = "earlier" + std::to_string(i);
                earlier.reference.referenceMs = ours.reference.referenceMs / 2;
                earlier.takenAtUtc = "2020-01-01T00:00:0" + std::to_string(i) + "Z";
                QVERIFY(store.value()->add(earlier).ok());
            }
        }
        MainWindow slow;
        QVERIFY(openWithStoredMeasurement(slow));
        QVERIFY2(slow.comparePage()->measured().at("opencv-t1").machinePhase.contains("the machine ran 100% slower than then"),
                 qPrintable(slow.comparePage()->measured().at("opencv-t1").machinePhase));
        // The prediction is carried to the usual speed those measurements give: the summary compares
        // at that speed, once, instead of also giving the phase against the earlier ones alone.
        QTRY_VERIFY2(slow.summaryText().contains("during this measurement than at the machine's usual speed"),
                     qPrintable(slow.summaryText()));
        QVERIFY2(!slow.summaryText().contains("the measured time carries that"), qPrintable(slow.summaryText()));

        {  // the same time as if stored before the VM moved to another CPU: shown as such
            auto store = MeasurementStore::open(defaultDatabasePath());
            QVERIFY(store.ok());
            StoredMeasurement moved =
                *store.value()->latest(again.analysis()->model->sha256(), "opencv-t1").value();  // not the earlier ones
            moved.machine.cpuModel = "Another CPU (family 1, model 2, stepping 3)";
            QVERIFY(store.value()->add(moved).ok());
        }
        MainWindow moved;
        QVERIFY(openWithStoredMeasurement(moved));
        QVERIFY(moved.comparePage()->measured().at("opencv-t1").takenElsewhere.startsWith("Another CPU (family 1, model 2, stepping 3)"));
        QTRY_VERIFY2(moved.summaryText().contains("that measurement was taken on Another CPU"), qPrintable(moved.summaryText()));

        // The first window predicted before any of those: at the predictor's own speed. Its model
        // measured again, the device's usual speed is known (seven measurements on this machine
        // in two sessions) and the window predicts the open model again at once, at that speed.
        QVERIFY(w.analysis()->devices[0].usual.referenceMs == 0);
        const double ownMs = w.analysis()->devices[0].prediction.totalMs;
        QSignalSpy measuredAgain(w.measureJob(), &MeasureJob::finished);
        QVERIFY(w.measureJob()->measure(KM_FIXTURES_DIR "/small/conv_block.onnx", {"opencv-t1"}));
        QVERIFY(measuredAgain.wait(120000));
        w.waitForLoad();
        QVERIFY2(w.logText().contains("opencv-t1's usual speed is known now"), qPrintable(w.logText()));
        const DeviceAnalysis& carried = w.analysis()->devices[0];
        QVERIFY(carried.usual.referenceMs > 0 && carried.usual.sessions == 2);
        QVERIFY(qFuzzyCompare(carried.prediction.totalMs, ownMs * carried.usual.referenceMs / carried.predictor->referenceMs));
        QVERIFY2(w.summaryText().contains("at the machine's usual speed"), qPrintable(w.summaryText()));
        // The Predictor tab says so on a line of its own under the provenance (rich text, never
        // guessed plain for having several lines, which showed its markup).
        const QString about = w.predictorPage()->aboutShownText();
        QVERIFY2(about.contains("\nPredicted at opencv-t1's usual speed") && !about.contains("<br>"), qPrintable(about));

        QSignalSpy cancelled(w.measureJob(), &MeasureJob::finished);
        w.measureJob()->setProtocol(MeasureOptions{});
        QVERIFY(w.measureJob()->measure(KM_FIXTURES_DIR "/small/conv_block.onnx", {"opencv-t1", "xnnpack-t1"}));
        w.measureJob()->cancel();
        QVERIFY(cancelled.wait(120000));
        QCOMPARE(cancelled.at(0).at(1).toBool(), true);

        // Nothing measured: the status bar does not say "Measured"; the banner says why.
        QSignalSpy none(w.measureJob(), &MeasureJob::finished);
        QVERIFY(w.measureJob()->measure(KM_FIXTURES_DIR "/small/conv_block.onnx", {"no-such-device"}));
        QVERIFY(none.wait(120000));
        QCOMPARE(none.at(0).at(2).toInt(), 0);
        QCOMPARE(w.statusBar()->currentMessage(), QString("Nothing was measured; the banner says why"));
        QVERIFY2(w.bannerVisible() && w.bannerText().contains("no-such-device"), qPrintable(w.bannerText()));
    }

    // Predictor > Build: a tiny build through kernelmeter-cli in a fresh data folder; the plot grows
    // round by round, the window then predicts with the new predictor from the user's database,
    // and a cancelled build says so. Last: it leaves a user predictor behind.
    void buildPredictorFromTheWindow() {
        QTemporaryDir home;
        QVERIFY(home.isValid());
        useFreshDataFolder(home);
        MainWindow w;
        openMobileNet(w, {"opencv-t1"});
        QVERIFY(QString::fromStdString(w.analysis()->devices[0].predictorSource).endsWith("datasets/predictors.db"));
        PredictorPage* page = w.predictorPage();
        // Bounded by counts (10 + 10 probe + 10 validation kernels, two rounds), never by the clock:
        // the default budget of 45 minutes is far above what these counts take on any machine.
        const QStringList tiny{"--types",         "conv-relu", "--initial-samples",      "10",
                               "--probe-samples", "10",        "--validation-samples",   "10",
                               "--max-rounds",    "2",         "--calibration-networks", "0"};
        QSignalSpy rounds(page->buildJob(), &DeviceToolJob::round);
        QSignalSpy finished(page->buildJob(), &DeviceToolJob::finished);
        QVERIFY(page->startBuild("opencv-t1", tiny));
        QVERIFY(!page->startBuild("opencv-t1", tiny));  // one build at a time
        QVERIFY(finished.wait(600000));
        QVERIFY2(finished.at(0).at(1).toBool(), qPrintable(finished.at(0).at(2).toString()));
        QVERIFY(rounds.count() >= 1);
        QCOMPARE(rounds.at(0).at(0).toString(), QString("conv-relu"));
        w.waitForLoad();  // predictorBuilt -> the model is predicted again
        const DeviceAnalysis& d = w.analysis()->devices[0];
        QVERIFY2(QString::fromStdString(d.predictorSource).startsWith(home.path()), d.predictorSource.c_str());
        QCOMPARE(d.predictor->types.size(), size_t(1));
        QCOMPARE(page->kernelTypeRows(), 1);
        QCOMPARE(page->accuracyPlot()->pointCount(), int(d.predictor->types.at("conv-relu").rounds.size()));

        QSignalSpy stopped(page->buildJob(), &DeviceToolJob::finished);
        QVERIFY(page->startBuild("opencv-t1", tiny));
        page->buildJob()->cancel();
        QVERIFY(stopped.wait(60000));
        QCOMPARE(stopped.at(0).at(1).toBool(), false);
        QVERIFY(stopped.at(0).at(2).toString().contains("cancelled"));
        qputenv("XDG_DATA_HOME", m_data.path().toUtf8());
    }

    // Predictor > Detect fusion rules on a device that has none (opencv-t2 ships without rules): a
    // small detection through kernelmeter-cli in a fresh data folder; the window then splits the
    // model with the user's new rules, and a predictor can be built on them.
    void detectRulesFromTheWindow() {
        QTemporaryDir home;
        QVERIFY(home.isValid());
        useFreshDataFolder(home);
        MainWindow w;
        openMobileNet(w, {"opencv-t2"});
        QVERIFY(!w.analysis()->devices[0].rules);
        PredictorPage* page = w.predictorPage();
        QSignalSpy finished(page->buildJob(), &DeviceToolJob::finished);
        QSignalSpy detected(page, &PredictorPage::rulesDetected);
        QVERIFY(page->startDetect("opencv-t2", {"--ops", "conv", "relu"}));
        QVERIFY(!page->startBuild("opencv-t2"));  // one tool at a time
        expectToolDone(finished, "fusion rules detected");
        if (QTest::currentTestFailed()) return;
        QCOMPARE(detected.count(), 1);
        w.waitForLoad();  // rulesDetected -> the model is split again
        const DeviceAnalysis& d = w.analysis()->devices[0];
        QVERIFY(d.rules);
        QVERIFY2(QString::fromStdString(d.rulesSource).startsWith(home.path()), d.rulesSource.c_str());
        QVERIFY(!d.ok());  // still no predictor: the page offers to build one
        QVERIFY(w.logText().contains("fusion rules of opencv-t2 detected"));
        qputenv("XDG_DATA_HOME", m_data.path().toUtf8());
    }

    // Predictor > Adapt on a device without rules or predictor (opencv-t2 ships with neither), from
    // opencv-t1's predictor: three chosen networks measured with a short protocol through
    // kernelmeter-cli; the window then predicts with the adapted predictor (and the source's rules
    // it carries), and the page shows the fit on the three networks.
    void adaptPredictorFromTheWindow() {
        QTemporaryDir home;
        QVERIFY(home.isValid());
        useFreshDataFolder(home);
        MainWindow w;
        openMobileNet(w, {"opencv-t2", "xnnpack-t1", "opencv-t1"});
        QVERIFY(!w.analysis()->devices[0].ok());
        PredictorPage* page = w.predictorPage();
        // opencv-t2 has nothing to adapt; the device of its runtime comes before the other one.
        QCOMPARE(page->adaptSources(), (QStringList{"opencv-t1", "xnnpack-t1"}));
        QCOMPARE(page->adaptInputSize(), 224);        // offered in the confirmation: networks at MobileNetV3-S's size
        QCOMPARE(page->usualSpeedMeasurements(), 0);  // nothing measured on opencv-t2 yet: no usual speed to go by
        QCOMPARE(page->adaptedNetworkRows(), 0);
        QSignalSpy finished(page->buildJob(), &DeviceToolJob::finished);
        QSignalSpy built(page, &PredictorPage::predictorBuilt);
        QVERIFY(page->startAdapt("opencv-t2", "opencv-t1", {"--networks", "3", "--rounds", "2", "--instances", "1"}));
        QVERIFY(!page->startBuild("opencv-t2"));  // one tool at a time
        expectToolDone(finished, "adapted");
        if (QTest::currentTestFailed()) return;
        QCOMPARE(built.count(), 1);
        w.waitForLoad();  // predictorBuilt -> the model is predicted again
        const DeviceAnalysis& d = w.analysis()->devices[0];
        QVERIFY2(d.ok(), d.error.c_str());
        QVERIFY(d.predictor->adaptation);
        QCOMPARE(QString::fromStdString(d.predictor->adaptation->sourceDevice), QString("opencv-t1"));
        QVERIFY2(QString::fromStdString(d.predictorSource).startsWith(home.path()), d.predictorSource.c_str());
        QVERIFY(d.prediction.totalMs > 0);
        QCOMPARE(page->adaptedNetworkRows(), 3);
        QCOMPARE(page->usualSpeedMeasurements(), 3);  // its networks, on this machine and runtime
        QCOMPARE(page->fitPlot()->pointCount(), 3);
        QCOMPARE(page->shownPlot(), "Fit");  // an adapted predictor shows its fit first
        // At the window's usual size the fit's plot is whole on the Predictor tab: the adapted
        // predictor's story above it (six lines and more) once pushed its axis off the pane.
        w.resize(1400, 900);
        w.show();
        QVERIFY(w.showTab("predictor"));
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        const QWidget* fit = page->fitPlot();
        const int fitBottom = fit->mapTo(&w, QPoint(0, fit->height())).y();
        const int pageBottom = page->mapTo(&w, QPoint(0, page->height())).y();
        QVERIFY2(fitBottom <= pageBottom, qPrintable(QString("the plot's tab ends at %1, its page at %2").arg(fitBottom).arg(pageBottom)));
        for (const QWidget* drawn : fit->findChildren<QWidget*>(Qt::FindDirectChildrenOnly))
            QVERIFY2(fit->rect().contains(drawn->geometry()),
                     qPrintable(QString("the plot is %1 px high in a tab of %2 px").arg(drawn->height()).arg(fit->height())));
        // The report shows the same networks and the fit on them.
        ReportOptions options;
        options.kernelDevice = 0;
        const QString html = composeReport(w.analysis(), nullptr, options, ReportInputs{}).html;
        QVERIFY2(html.contains("The regressors below are opencv-t1's, which the adapted predictor scales"), qPrintable(html.right(3000)));
        QVERIFY2(html.contains("The 3 networks measured on opencv-t2 to adapt its predictor") && html.contains("Left-out error") &&
                     html.contains("<b>opencv-t2</b>: opencv-t1's predictor adapted 20"),
                 qPrintable(html.right(3000)));
        QVERIFY2(page->aboutText().contains("Adapted from opencv-t1"), qPrintable(page->aboutText()));
        // Its kernels were timed at opencv-t1's one thread, on opencv-t1.
        QVERIFY2(page->aboutText().contains("were measured on opencv-t1 (the device's runtime at the source's threads)"),
                 qPrintable(page->aboutText()));
        QVERIFY(w.logText().contains("predictor of opencv-t2 built or adapted"));
        qputenv("XDG_DATA_HOME", m_data.path().toUtf8());
    }

    // A device that exists only as a table of times measured elsewhere (a phone in another lab):
    // the Predictor tab offers neither rule detection nor a build, which it cannot run, and adapts
    // it from the dataset its times were imported into, measuring nothing.
    void adaptTableOnlyDeviceFromItsDataset() {
        QTemporaryDir home;
        QVERIFY(home.isValid());
        useFreshDataFolder(home);
        // 12 cells whose made-up times grow with their convolutions and pools.
        const QStringList ops{"nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3", "skip_connect"};
        QByteArray csv = "arch,lab_phone\n";
        for (int i = 0; i < 12; ++i) {
            const QString a = ops[i % 4], b = ops[(i / 4) % 4], c = ops[(i / 2) % 4];
            double ms = 1.0;
            for (const QString& op : {a, b, c}) ms += op == "nor_conv_3x3" ? 3.0 : op == "nor_conv_1x1" ? 1.0 : 0.4;
            csv += QString("|%1~0|+|%2~0|%3~1|+|skip_connect~0|%1~1|%2~2|,%4\n").arg(a, b, c).arg(ms).toUtf8();
        }
        QFile table(home.filePath("lab.csv"));
        QVERIFY(table.open(QIODevice::WriteOnly));
        table.write(csv);
        table.close();
        {
            auto store = MeasurementStore::open(home.filePath("kernelmeter/kernelmeter.db").toStdString());
            QVERIFY(store.ok());
            TableImportOptions options;
            options.name = "lab";
            options.store = store.value().get();
            Result<TableImportReport> imported = importLatencyTable(table.fileName().toStdString(), options);
            QVERIFY2(imported.ok(), imported.ok() ? "" : imported.error().message.c_str());
        }
        MainWindow w;
        openMobileNet(w, {"lab-phone", "opencv-t1"});
        QVERIFY(!w.analysis()->devices[0].ok());
        QVERIFY2(w.analysis()->devices[0].error.find("adapt --device lab-phone") != std::string::npos,
                 w.analysis()->devices[0].error.c_str());
        PredictorPage* page = w.predictorPage();
        QVERIFY(page->tableOnlyDevice());
        QCOMPARE(page->adaptDatasets(), QStringList{"lab"});
        QCOMPARE(page->adaptSources(), QStringList{"opencv-t1"});
        for (QPushButton* b : page->findChildren<QPushButton*>()) {
            if (b->text().startsWith("Detect fusion rules") || b->text().startsWith("Build predictor"))
                QVERIFY2(!b->isEnabled() && b->toolTip().contains("has no runtime here"), qPrintable(b->text()));
            if (b->text() == "Adapt predictor...")
                QVERIFY2(b->isEnabled() && b->toolTip().contains("imported times"), qPrintable(b->toolTip()));
        }
        QSignalSpy finished(page->buildJob(), &DeviceToolJob::finished);
        QVERIFY(page->startAdapt("lab-phone", "opencv-t1", {"--dataset", "lab", "--networks", "6"}));
        expectToolDone(finished, "adapted");
        if (QTest::currentTestFailed()) return;
        w.waitForLoad();
        const DeviceAnalysis& d = w.analysis()->devices[0];
        QVERIFY2(d.ok(), d.error.c_str());
        QVERIFY(d.predictor->adaptation);
        QCOMPARE(d.predictor->adaptation->networks.size(), size_t(6));
        QVERIFY2(d.predictor->adaptation->timesFrom.find("dataset lab") != std::string::npos, d.predictor->adaptation->timesFrom.c_str());
        QCOMPARE(page->adaptedNetworkRows(), 6);
        // A window with no model shows the adapted predictor too (its fit, its networks).
        MainWindow bare;
        bare.setDevices({"lab-phone"});
        bare.waitForLoad();
        QVERIFY(!bare.analysis());
        QVERIFY2(bare.predictorPage()->aboutText().contains("Adapted from opencv-t1"), qPrintable(bare.predictorPage()->aboutText()));
        QCOMPARE(bare.predictorPage()->adaptedNetworkRows(), 6);
        qputenv("XDG_DATA_HOME", m_data.path().toUtf8());
    }

    // The adapt confirmation: the options ticked become adapt's arguments; Build only when offered.
    void adaptConfirmationAnswers() {
        AdaptConfirmation box("Adapting measures 10 networks.", "Adapt (about 4 minutes)", "Build (about 45 minutes)");
        QCheckBox* size = box.addOption("At 224 x 224", "", {"--input-size", "224"});
        QCheckBox* session = box.addOption("At this session's speed", "", {"--at-session-speed"});
        QCOMPARE(box.answer(), AdaptConfirmation::Answer::Cancel);
        QVERIFY(box.arguments().isEmpty());
        session->setChecked(true);
        QCOMPARE(box.arguments(), QStringList{"--at-session-speed"});
        size->setChecked(true);
        QCOMPARE(box.arguments(), (QStringList{"--input-size", "224", "--at-session-speed"}));
        auto button = [](const QDialog& dialog, const QString& text) -> QPushButton* {
            for (QPushButton* b : dialog.findChildren<QPushButton*>())
                if (b->text() == text) return b;
            return nullptr;
        };
        QVERIFY(button(box, "Build (about 45 minutes)"));
        button(box, "Adapt (about 4 minutes)")->click();
        QCOMPARE(box.answer(), AdaptConfirmation::Answer::Adapt);
        QCOMPARE(box.result(), int(QDialog::Accepted));
        AdaptConfirmation build("Adapting measures 10 networks.", "Adapt", "Build");
        build.addOption("At this session's speed", "", {"--at-session-speed"})->setChecked(true);
        button(build, "Build")->click();
        QCOMPARE(build.answer(), AdaptConfirmation::Answer::Build);  // the options are adapt's alone
        QCOMPARE(build.result(), int(QDialog::Accepted));
        AdaptConfirmation noBuild("Adapting measures 10 networks.", "Adapt", QString());
        QCOMPARE(noBuild.findChildren<QPushButton*>().size(), 2);  // Adapt and Cancel: no Build
        QVERIFY(button(noBuild, "Adapt"));
    }

    // A board whose last check ran the reference workload 30 times slower than the project's
    // machine: the Predictor tab tells hours for adapting and building it, not the 2-core minutes.
    void slowDeviceIsToldItsOwnDurations() {
        QTemporaryDir home;
        QVERIFY(home.isValid());
        useFreshDataFolder(home);
        Device board;
        board.id = "slowcv";
        board.runtime = "opencv-dnn";
        board.transport = "ssh nobody@board.invalid";
        QVERIFY(addDevice(board).ok());
        {
            auto store = MeasurementStore::open(home.filePath("kernelmeter/kernelmeter.db").toStdString());
            QVERIFY(store.ok());
            StoredHello slow;
            slow.hello.runtimes = {{"opencv-dnn", "4.6.0"}};
            slow.hello.machine.cpuModel = "Slow Board CPU";
            slow.referenceMs = 30 * runtimeTraits("opencv-dnn").projectReferenceMs;
            QVERIFY(store.value()->saveHello("slowcv", slow).ok());
        }
        MainWindow w;
        openMobileNet(w, {"slowcv", "opencv-t1"});
        PredictorPage* page = w.predictorPage();
        QVERIFY2(std::abs(page->makeMinutes().slowdown - 30) < 0.01, qPrintable(QString::number(page->makeMinutes().slowdown)));
        QPushButton* adapt = nullptr;
        for (QPushButton* b : page->findChildren<QPushButton*>())
            if (b->text() == "Adapt predictor...") adapt = b;
        QVERIFY(adapt);
        QVERIFY2(adapt->isEnabled() && adapt->toolTip().contains("about 2 hours"), qPrintable(adapt->toolTip()));  // 4 min x 30
        qputenv("XDG_DATA_HOME", m_data.path().toUtf8());
    }

    // What a tool warns about (adapt: a network measured in two modes, a source of another runtime)
    // reaches the Log tab, not only the tool's stderr. A stand-in for kernelmeter-cli prints the
    // events.
    void toolWarningsReachTheLog() {
        QTemporaryDir home;
        QVERIFY(home.isValid());
        useFreshDataFolder(home);
        const QString fake = home.filePath("fake-cli");
        QVERIFY(test::writeScript(
            fake,
            "#!/bin/sh\n"
            "echo '{\"schema\": \"kernelmeter.events/1\", \"event\": \"warning\", \"message\": \"net-1: its rounds spread 80%\"}'\n"
            "echo '{\"schema\": \"kernelmeter.events/1\", \"event\": \"warning\", \"message\": \"another runtime\"}'\n"));
        qputenv("KM_CLI", fake.toUtf8());
        MainWindow w;
        PredictorPage* page = w.predictorPage();
        QSignalSpy finished(page->buildJob(), &DeviceToolJob::finished);
        QVERIFY(page->startAdapt("opencv-t2", "xnnpack-t1"));
        QVERIFY(finished.wait(60000));
        QVERIFY2(finished.at(0).at(1).toBool(), qPrintable(finished.at(0).at(2).toString()));
        QVERIFY2(w.logText().contains("opencv-t2: warning: net-1: its rounds spread 80%"), qPrintable(w.logText()));
        QVERIFY(w.logText().contains("opencv-t2: warning: another runtime"));
        // The tab's one status line says where they went.
        QVERIFY2(page->toolStatusText().contains("(2 warnings in the Log tab)"), qPrintable(page->toolStatusText()));
        qputenv("XDG_DATA_HOME", m_data.path().toUtf8());
        qputenv("KM_CLI", KM_CLI_PATH);
    }

private:
    // The tools the Predictor tab runs (kernelmeter-cli of this build tree) write into `home`.
    static void useFreshDataFolder(const QTemporaryDir& home) {
        qputenv("XDG_DATA_HOME", home.path().toUtf8());
        qputenv("XDG_CACHE_HOME", home.filePath("cache").toUtf8());
        qputenv("KM_CLI", KM_CLI_PATH);
    }
    // Waits (generously: the work is bounded by counts) for the tool the Predictor tab started
    // and checks that it succeeded with a message containing `done`.
    static void expectToolDone(QSignalSpy& finished, const QString& done) {
        QVERIFY(finished.wait(600000));
        QVERIFY2(finished.at(0).at(1).toBool(), qPrintable(finished.at(0).at(2).toString()));
        QVERIFY2(finished.at(0).at(2).toString().contains(done), qPrintable(finished.at(0).at(2).toString()));
    }
    static void openMobileNet(MainWindow& w, const QStringList& devices) {
        w.setDevices(devices);
        w.openFile(kMobileNet);
        w.waitForLoad();
    }

    QTemporaryDir m_data;
    DeviceDataCache m_devices;
    AnalysisPtr m_analysis;
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"
