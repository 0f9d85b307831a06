// SPDX-License-Identifier: GPL-3.0-or-later
// The desktop application's speed goals (docs/performance.md): a model file opens and
// shows its predictions, then its laid-out graph; a large graph pans and zooms at interactive
// frame times (one full repaint of the graph: zoomed out to the whole graph, at the initial fit,
// and at 1:1 after a pan). Plain timers (Qt event loop), median of --repeat runs per model.
//   QT_QPA_PLATFORM=offscreen bench_gui [MODEL.onnx...] [--repeat N]
// Default models: real/resnet50.onnx and real/mobilenet_v3_small.onnx of $KM_BENCH_MODELS.
#include <QApplication>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QGraphicsScene>
#include <QScrollBar>
#include <algorithm>
#include <cstdio>
#include <vector>

#include "bench_models.h"
#include "ui/graphview/graph_view.h"
#include "ui/pages/main_window.h"

namespace {

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

// Milliseconds of one full repaint of the graph viewport.
double repaintMs(km::ui::GraphView* view) {
    QElapsedTimer t;
    t.start();
    view->viewport()->repaint();
    return double(t.nsecsElapsed()) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QCoreApplication::setOrganizationName("KernelMeterBench");
    QStringList models;
    int repeat = 5;
    const QStringList args = app.arguments().mid(1);
    for (int i = 0; i < args.size(); ++i) {
        if (args[i] == "--repeat" && i + 1 < args.size())
            repeat = std::max(1, args[++i].toInt());
        else
            models << args[i];
    }
    const QString dir = QString::fromStdString(benchModelsDir());
    if (models.isEmpty()) models << dir + "/real/resnet50.onnx" << dir + "/real/mobilenet_v3_small.onnx";

    km::ui::MainWindow window;
    window.resize(1400, 900);
    window.show();
    window.setDevices({"opencv-t1", "xnnpack-t1"});
    // The first open also reads the predictors (once per process); time it separately.
    QElapsedTimer first;
    first.start();
    window.openFile(models.first());
    window.waitForLoad();
    std::printf("first open (reads both predictors): %.0f ms\n", double(first.nsecsElapsed()) / 1e6);

    std::printf("%-28s %6s %13s %9s %12s %10s %10s\n", "model", "nodes", "predicted ms", "graph ms", "frame whole", "frame fit",
                "frame 1:1");
    for (const QString& model : models) {
        std::vector<double> predicted, shown, frameWhole, frameFit, frameZoomed;
        size_t nodes = 0;
        for (int r = 0; r < repeat; ++r) {
            QElapsedTimer t;
            t.start();
            bool gotAnalysis = false;
            double analysisMs = 0;
            QMetaObject::Connection c = QObject::connect(&window, &km::ui::MainWindow::modelShown, [&] {
                gotAnalysis = true;
                analysisMs = double(t.nsecsElapsed()) / 1e6;
            });
            window.openFile(model);
            window.waitForLoad();
            QObject::disconnect(c);
            const double all = double(t.nsecsElapsed()) / 1e6;
            if (!gotAnalysis || window.bannerVisible()) {
                std::fprintf(stderr, "bench_gui: %s did not open: %s\n", qPrintable(model), qPrintable(window.bannerText()));
                return 2;
            }
            predicted.push_back(analysisMs);
            shown.push_back(all);
            nodes = window.analysis()->graph->nodes().size();
            km::ui::GraphView* view = window.graphView();
            view->fitInView(view->scene()->sceneRect(), Qt::KeepAspectRatio);  // every item on screen
            frameWhole.push_back(repaintMs(view));
            view->fitAll();
            frameFit.push_back(repaintMs(view));
            view->resetTransform();
            view->horizontalScrollBar()->setValue(view->horizontalScrollBar()->value() + 200);
            view->verticalScrollBar()->setValue(view->verticalScrollBar()->value() + 400);
            frameZoomed.push_back(repaintMs(view));
        }
        std::printf("%-28s %6zu %13.0f %9.0f %12.1f %10.1f %10.1f\n", qPrintable(QFileInfo(model).fileName()), nodes, median(predicted),
                    median(shown), median(frameWhole), median(frameFit), median(frameZoomed));
    }
    return 0;
}
