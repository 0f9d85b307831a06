// SPDX-License-Identifier: GPL-3.0-or-later
// Devices in the window: Tools > Devices... adds (refusing bad input with the reason), checks,
// edits and removes a device and the device bar follows; a predictor whose recorded CPU is not
// this machine's is marked in the summary, on the device's button and in the PDF report; a predictor
// file imported (File > Import a predictor...) becomes a device of the bar, or is refused in the
// banner, and the Predictor tab's Export predictor... writes one.
#include <QtTest>

#include <algorithm>

#include <QComboBox>
#include <QInputDialog>
#include <QLineEdit>
#include <QListWidget>
#include <QProcess>
#include <QPushButton>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTimer>
#include <QToolButton>

#include "backends/machine_info.h"
#include "store/measurement_store.h"
#include "test_support.h"
#include "ui/pages/devices_dialog.h"
#include "ui/pages/main_window.h"
#include "ui/pages/predictor_page.h"
#include "workflows/data_sources.h"
#include "workflows/devices.h"
#include "workflows/predictor_files.h"

using namespace km;
using namespace km::ui;

class TestDevices : public QObject {
    Q_OBJECT

    QTemporaryDir m_home;
    std::string database() const { return (m_home.path() + "/kernelmeter/kernelmeter.db").toStdString(); }

    // Stores the shipped opencv-t1 predictor, saying it was built on `cpu`, as the user's newest.
    void storePredictorBuiltOn(const std::string& cpu) {
        std::string used;
        Result<PredictorSet> p = devicePredictor("opencv-t1", "", m_home.filePath("none.db").toStdString(), used);
        QVERIFY2(p.ok(), p.ok() ? "" : p.error().message.c_str());
        p.value().cpuModel = cpu;
        auto store = MeasurementStore::open(database());
        QVERIFY(store.ok());
        QVERIFY(store.value()->addPredictor("opencv-t1", "2026-12-02T00:00:00Z", p.value().toJson()).ok());
    }

private slots:
    void initTestCase() {
        QCoreApplication::setOrganizationName("KernelMeterTests");  // keep the user's settings untouched
        qputenv("XDG_DATA_HOME", m_home.path().toUtf8());
        qputenv("XDG_CACHE_HOME", m_home.filePath("cache").toUtf8());
        qputenv("XDG_CONFIG_HOME", m_home.filePath("config").toUtf8());
        qputenv("KM_AGENT", test::agentPath().toUtf8());  // this test program has no agent beside it
    }

    void addCheckEditRemove() {
        MainWindow w;
        w.showDevicesDialog();
        DevicesDialog* d = w.devicesDialog();
        QVERIFY(d);
        // Bad input: the reason in the dialog, nothing stored, no button.
        d->idEdit()->setText("My_Box");
        d->runtimeBox()->setCurrentText("xnnpack");
        d->saveButton()->click();
        QVERIFY2(d->messageText().contains("'M' is not allowed"), qPrintable(d->messageText()));
        QVERIFY(!w.deviceButton("My_Box"));

        d->idEdit()->setText("gui-box");
        d->threadsBox()->setValue(2);
        d->saveButton()->click();
        QVERIFY2(d->messageText().contains("Saved gui-box"), qPrintable(d->messageText()));
        QVERIFY(w.deviceButton("gui-box"));
        QVERIFY(findDevice("gui-box").ok());

        d->checkButton()->click();
        d->waitForCheck();
        QVERIFY2(d->messageText().contains("Answered") &&
                     d->messageText().contains(QString::fromStdString(readMachineInfo().cpuModel).toHtmlEscaped()),
                 qPrintable(d->messageText()));

        // Each device's predictor, read in the background: none for the new box, with the
        // quickest way to one; the shipped one for a built-in device.
        d->waitForPredictors();
        QVERIFY(d->selectDevice("gui-box"));
        QVERIFY2(d->predictorText().startsWith("none: ") && d->predictorText().contains("adapt xnnpack-t1's predictor to it"),
                 qPrintable(d->predictorText()));
        QVERIFY(d->selectDevice("xnnpack-t1"));
        QVERIFY2(d->predictorText().startsWith("built ") && d->predictorText().contains(", shipped"), qPrintable(d->predictorText()));
        QVERIFY2(d->deviceList()->currentItem()->toolTip().startsWith("Predictor: built "),
                 qPrintable(d->deviceList()->currentItem()->toolTip()));
        d->newButton()->click();
        QVERIFY(d->predictorText().isEmpty());  // a device being defined has none to tell

        QVERIFY(d->selectDevice("gui-box"));
        d->threadsBox()->setValue(3);
        d->saveButton()->click();
        QCOMPARE(findDevice("gui-box").value().threads, 3);
        // More threads than this machine's cores: saved, and the message says what that costs.
        const int cores = readMachineInfo().logicalCores;
        d->threadsBox()->setValue(cores + 1);
        d->saveButton()->click();
        QCOMPARE(findDevice("gui-box").value().threads, cores + 1);
        QVERIFY2(d->messageText().contains("Saved gui-box") && d->messageText().contains("take turns on the cores"),
                 qPrintable(d->messageText()));
        d->threadsBox()->setValue(1);
        d->saveButton()->click();
        QVERIFY2(!d->messageText().contains("take turns"), qPrintable(d->messageText()));

        // Built-in devices are shown, not editable.
        QVERIFY(d->selectDevice("opencv-t1"));
        QVERIFY(!d->saveButton()->isEnabled() && !d->removeButton()->isEnabled() && d->checkButton()->isEnabled());

        // With a predictor: asked first; "no" keeps it, "yes" removes the definition only.
        {
            auto store = MeasurementStore::open(database());
            QVERIFY(store.ok());
            QVERIFY(store.value()->addPredictor("gui-box", "2026-12-02T00:00:00Z", "{}").ok());
        }
        QVERIFY(d->selectDevice("gui-box"));
        d->confirm = [](const QString&) { return false; };
        d->removeButton()->click();
        QVERIFY(findDevice("gui-box").ok());
        QVERIFY(w.deviceButton("gui-box"));
        d->confirm = [](const QString&) { return true; };
        d->removeButton()->click();
        QVERIFY(!findDevice("gui-box").ok());
        QVERIFY(!w.deviceButton("gui-box"));
        QVERIFY(w.deviceButton("opencv-t1"));
        QCOMPARE(MeasurementStore::open(database()).value()->predictorCount("gui-box").value(), int64_t(1));
    }

    void predictorOfAnotherCpuIsMarked() {
        const QString model = test::sourcePath("resources/examples/mobilenet_v3_small.onnx");
        storePredictorBuiltOn("Other CPU (family 1, model 2, stepping 3)");
        {
            MainWindow w;
            w.setDevices({"opencv-t1"});
            w.openFile(model);
            w.waitForLoad();
            QVERIFY2(w.summaryText().contains("Not this device&#x27;s machine") || w.summaryText().contains("Not this device's machine"),
                     qPrintable(w.summaryText()));
            QVERIFY(w.summaryText().contains("Other CPU (family 1"));
            // Beside the number, the two ways in a few words; the commands are in the Predictor tab.
            QVERIFY2(w.summaryText().contains("Adapt (about ") && w.summaryText().contains("in the Predictor tab") &&
                         !w.summaryText().contains("kernelmeter-cli"),
                     qPrintable(w.summaryText()));
            QToolButton* b = w.deviceButton("opencv-t1");
            QVERIFY(b);
            QVERIFY2(b->toolTip().contains("Not this device's machine"), qPrintable(b->toolTip()));
            QVERIFY(!b->icon().isNull());
            const QString pdf = m_home.filePath("other.pdf");
            QCOMPARE(w.exportReport(pdf), QString());
            QProcess text;
            text.start("pdftotext", {pdf, "-"});
            QVERIFY(text.waitForFinished(60000));
            const QString all = QString::fromUtf8(text.readAllStandardOutput()).simplified();
            QVERIFY2(all.contains("Not this device's machine") && all.contains("Other CPU (family 1"), qPrintable(all.left(3000)));
        }
        storePredictorBuiltOn(readMachineInfo().cpuModel);  // the newest: built here
        MainWindow w;
        w.setDevices({"opencv-t1"});
        w.openFile(model);
        w.waitForLoad();
        QVERIFY(!w.summaryText().contains("Not this device"));
        QVERIFY(w.deviceButton("opencv-t1")->icon().isNull());
    }

    void importedPredictorBecomesADevice() {
        // File > Import a predictor...: a predictor handed on as a file (predictor export) predicts
        // for the device it is imported as, beside the others; one for another runtime's device is
        // refused in the banner.
        const QString file = m_home.filePath("handed-on.json");
        const Result<std::string> exported = exportPredictor("opencv-t1", file.toStdString(), "");
        QVERIFY2(exported.ok(), exported.ok() ? "" : exported.error().message.c_str());
        MainWindow w;
        w.setDevices({"opencv-t1"});
        w.openFile(test::sourcePath("resources/examples/mobilenet_v3_small.onnx"));
        w.waitForLoad();
        QVERIFY(!w.deviceButton("lab-board"));
        w.importPredictorFile(file, "lab-board");
        w.waitForPredictorImport();
        w.waitForLoad();
        QVERIFY(w.deviceButton("lab-board"));
        QCOMPARE(w.devices(), QStringList({"opencv-t1", "lab-board"}));
        QVERIFY2(w.logText().contains("imported " + file + " as lab-board's newest predictor"), qPrintable(w.logText()));
        QVERIFY2(w.logText().contains("to measure on it too: Tools > Devices..., choose lab-board, set runtime opencv-dnn"),
                 qPrintable(w.logText()));
        AnalysisPtr a = w.analysis();
        QVERIFY(a && a->devices.size() == 2);
        QVERIFY2(a->devices[1].ok(), a->devices[1].error.c_str());
        QCOMPARE(a->devices[1].prediction.totalMs, a->devices[0].prediction.totalMs);
        QVERIFY(!w.bannerVisible());

        w.importPredictorFile(file, "xnnpack-t1");
        w.waitForPredictorImport();
        QVERIFY(w.bannerVisible());
        QVERIFY2(w.bannerText().contains(file) && w.bannerText().contains("--device NEW-ID"), qPrintable(w.bannerText()));
        QCOMPARE(w.devices(), QStringList({"opencv-t1", "lab-board"}));

        // After the menu's file dialog: the question says whose predictor it is; the id is changed there.
        const QList<QAction*> actions = w.findChildren<QAction*>();
        QVERIFY(std::any_of(actions.begin(), actions.end(), [](QAction* a) { return a->text() == "&Import a predictor..."; }));
        QString asked;
        QTimer answer;  // polls for the question until it is answered (or the test ends)
        connect(&answer, &QTimer::timeout, [&] {
            if (auto* question = qobject_cast<QInputDialog*>(QApplication::activeModalWidget())) {
                asked = question->labelText();
                question->setTextValue("lab-dialog");
                question->accept();
                answer.stop();
            }
        });
        answer.start(10);
        w.importPredictorAsking(file);
        w.waitForPredictorImport();
        w.waitForLoad();
        QVERIFY2(asked.contains("opencv-t1's predictor, built on"), qPrintable(asked));
        QVERIFY(w.deviceButton("lab-dialog"));
        QCOMPARE(w.devices(), QStringList({"opencv-t1", "lab-board", "lab-dialog"}));

        // The Predictor tab's Export predictor... writes the chosen device's (opencv-t1's) with its
        // rules; a file that cannot be written is named in the banner.
        const QString written = m_home.filePath("exported/opencv-t1-predictor.json");
        w.predictorPage()->exportPredictorTo(written);
        w.predictorPage()->waitForExport();
        const Result<PredictorFile> back = readPredictorFile(written.toStdString());
        QVERIFY2(back.ok(), back.ok() ? "" : back.error().message.c_str());
        QVERIFY(!back.value().predictor.rulesJson.empty());
        QVERIFY2(QString::fromStdString(back.value().description).startsWith("opencv-t1's predictor, built on"),
                 back.value().description.c_str());
        QVERIFY2(w.logText().contains("predictor of opencv-t1 written to " + written), qPrintable(w.logText()));
        w.predictorPage()->exportPredictorTo("/proc/no-such-folder/p.json");
        w.predictorPage()->waitForExport();
        QVERIFY2(w.bannerText().contains("/proc/no-such-folder/p.json: cannot write the predictor"), qPrintable(w.bannerText()));
    }
};

QTEST_MAIN(TestDevices)
#include "test_devices.moc"
