// SPDX-License-Identifier: GPL-3.0-or-later
// kernelmeter: the desktop application.
//   kernelmeter [MODEL] [--device ID]... [--screenshot out.png] [--report out.pdf]
// With --screenshot or --report the window renders MODEL, writes the file(s) and exits: 0 on
// success, 1 when a file cannot be written, 2 when the model or a device reported an error.
// Without MODEL, the first start (no recent files) opens the bundled example model.
#include <QApplication>
#include <QCommandLineParser>
#include <QIcon>
#include <QPixmap>
#include <QTimer>
#include <cstdio>

#include "common/version.h"
#include "ui/pages/main_window.h"

namespace {

// Options are declared once and parsed twice: first without a GUI (so --help and --version work
// on a terminal with no display), then by the real application.
struct Options {
    QCommandLineParser parser;
    QCommandLineOption screenshot{"screenshot", "Render the main window with MODEL to FILE (PNG) and exit.", "FILE"};
    QCommandLineOption report{"report", "Write the PDF report of MODEL to FILE and exit.", "FILE"};
    QCommandLineOption tab{"tab", "Show this tab first: kernels, breakdown, compare, predictor, nodes or log.", "NAME"};
    QCommandLineOption device{"device", "Predict for device ID (repeatable; default: the devices chosen last time).", "ID"};
    Options() {
        parser.setApplicationDescription("KernelMeter: predict the inference latency of a neural network kernel by kernel.");
        parser.addHelpOption();
        parser.addVersionOption();
        parser.addPositionalArgument("model", "ONNX or nn-Meter IR JSON file to open.", "[MODEL]");
        parser.addOption(screenshot);
        parser.addOption(device);
        parser.addOption(report);
        parser.addOption(tab);
    }
};

void setIdentity() {
    QCoreApplication::setApplicationName("kernelmeter");
    QCoreApplication::setOrganizationName("KernelMeter");
    QCoreApplication::setApplicationVersion(km::kVersion);
}

}  // namespace

int main(int argc, char** argv) {
    {
        QCoreApplication console(argc, argv);
        setIdentity();
        Options early;
        early.parser.process(console);  // exits here for --help, --version and unknown options
    }
    QApplication app(argc, argv);
    setIdentity();
    // The desktop entry's name (Wayland app id, taskbar grouping) and the icon it installs.
    QGuiApplication::setDesktopFileName(QStringLiteral("org.kernelmeter.KernelMeter"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/org.kernelmeter.KernelMeter.svg")));
    Options options;
    options.parser.process(app);
    QCommandLineParser& parser = options.parser;
    const QCommandLineOption& screenshot = options.screenshot;

    km::ui::MainWindow window;
    if (parser.isSet(options.device)) window.setDevices(parser.values(options.device));
    const QStringList args = parser.positionalArguments();
    if (!args.isEmpty())
        window.openFile(args.first());
    else if (km::ui::MainWindow::isFirstStart())
        window.openExample();
    if (parser.isSet(options.tab) && !window.showTab(parser.value(options.tab)))
        std::fprintf(stderr, "kernelmeter: no tab named %s\n", qPrintable(parser.value(options.tab)));
    window.show();

    if (parser.isSet(screenshot) || parser.isSet(options.report)) {
        window.waitForLoad();
        QApplication::processEvents();
        // A load error leaves nothing to render: say so and exit before writing files.
        if (window.bannerVisible()) std::fprintf(stderr, "kernelmeter: %s\n", qPrintable(window.bannerText()));
        bool written = true;
        if (parser.isSet(screenshot) && !window.grab().save(parser.value(screenshot), "PNG")) {
            std::fprintf(stderr, "kernelmeter: cannot write %s\n", qPrintable(parser.value(screenshot)));
            written = false;
        }
        if (parser.isSet(options.report)) {
            if (!window.analysis()) {
                std::fprintf(stderr, "kernelmeter: no model was opened; no report written\n");
                return 2;
            }
            const QString error = window.exportReport(parser.value(options.report));
            if (!error.isEmpty()) {
                std::fprintf(stderr, "kernelmeter: %s\n", qPrintable(error));
                written = false;
            }
        }
        return !written ? 1 : (window.bannerVisible() ? 2 : 0);
    }
    return QApplication::exec();
}
