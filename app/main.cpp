// kernelmeter: the desktop application.
//   kernelmeter [MODEL] [--screenshot out.png]
#include <QApplication>
#include <QCommandLineParser>
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
    Options() {
        parser.setApplicationDescription("KernelMeter: predict the inference latency of a neural network kernel by kernel.");
        parser.addHelpOption();
        parser.addVersionOption();
        parser.addPositionalArgument("model", "ONNX or nn-Meter IR JSON file to open.", "[MODEL]");
        parser.addOption(screenshot);
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
    Options options;
    options.parser.process(app);
    QCommandLineParser& parser = options.parser;
    const QCommandLineOption& screenshot = options.screenshot;

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
