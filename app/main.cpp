// kernelmeter: the desktop application.
//   kernelmeter [MODEL] [--screenshot out.png]
#include <QApplication>
#include <QCommandLineParser>
#include <QPixmap>
#include <QTimer>
#include <cstdio>

#include "common/version.h"
#include "ui/pages/main_window.h"

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setApplicationName("kernelmeter");
    QApplication::setOrganizationName("KernelMeter");
    QApplication::setApplicationVersion(km::kVersion);

    QCommandLineParser parser;
    parser.setApplicationDescription("KernelMeter: predict the inference latency of a neural network kernel by kernel.");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument("model", "ONNX or nn-Meter IR JSON file to open.", "[MODEL]");
    QCommandLineOption screenshot("screenshot", "Render the main window with MODEL to FILE (PNG) and exit.", "FILE");
    parser.addOption(screenshot);
    parser.process(app);

    km::ui::MainWindow window;
    const QStringList args = parser.positionalArguments();
    if (!args.isEmpty()) window.openFile(args.first());
    window.show();

    if (parser.isSet(screenshot)) {
        window.waitForLoad();
        QApplication::processEvents();
        const bool saved = window.grab().save(parser.value(screenshot), "PNG");
        if (!saved) std::fprintf(stderr, "kernelmeter: cannot write %s\n", qPrintable(parser.value(screenshot)));
        if (window.bannerVisible()) std::fprintf(stderr, "kernelmeter: %s\n", qPrintable(window.bannerText()));
        return !saved ? 1 : (window.bannerVisible() ? 2 : 0);
    }
    return QApplication::exec();
}
