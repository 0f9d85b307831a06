// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/pages/predictor_page.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QMessageBox>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTextDocumentFragment>
#include <QVBoxLayout>
#include <algorithm>

#include "store/measurement_store.h"
#include "ui/jobs/device_tool_job.h"
#include "ui/models/analysis_text.h"
#include "ui/pages/adapt_confirmation.h"
#include "ui/pages/file_dialogs.h"
#include "ui/plots/accuracy_plot.h"
#include "ui/plots/scatter_plot.h"
#include "ui/style/format.h"
#include "workflows/adapt_predictor.h"
#include "workflows/devices.h"
#include "workflows/evaluation_data.h"
#include "workflows/measure_models.h"
#include "workflows/predictor_files.h"

namespace km::ui {
namespace {

// A read-only, row-selecting, sortable view of `model` (sorted by its SortRole).
QTableView* makeTable(QAbstractItemModel* model, int sortRole, QWidget* parent) {
    auto* sorted = new QSortFilterProxyModel(parent);
    sorted->setSourceModel(model);
    sorted->setSortRole(sortRole);
    auto* t = new QTableView(parent);
    t->setModel(sorted);
    t->verticalHeader()->hide();
    t->setSelectionBehavior(QAbstractItemView::SelectRows);
    t->setSelectionMode(QAbstractItemView::SingleSelection);
    t->setEditTriggers(QAbstractItemView::NoEditTriggers);
    t->horizontalHeader()->setStretchLastSection(true);
    t->setAlternatingRowColors(true);
    t->setSortingEnabled(true);
    t->sortByColumn(-1, Qt::AscendingOrder);  // the model's order until a header is clicked
    return t;
}

QString typesToolTip() {
    return QObject::tr("Validation on kernels drawn from the prior and never trained on; select a row for its sampling history");
}

}  // namespace

PredictorPage::PredictorPage(QWidget* parent) : QWidget(parent) {
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 4, 0, 0);
    auto* top = new QHBoxLayout;
    top->addWidget(new QLabel(tr("Device:"), this));
    m_deviceBox = new QComboBox(this);
    m_deviceBox->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    top->addWidget(m_deviceBox);
    m_about = new QLabel(this);
    m_about->setWordWrap(true);
    m_about->setTextFormat(Qt::RichText);  // escaped text with <br>: never guessed plain (a multi-line provenance was)
    m_about->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_about->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    // An adapted predictor's story runs to six lines or more at the window's usual width, and every
    // line was taken from the plots below (the fit's axis fell off the pane at 1400 x 900): at most
    // four lines show, the rest scrolls.
    auto* aboutScroll = new QScrollArea(this);
    aboutScroll->setWidget(m_about);
    aboutScroll->setWidgetResizable(true);
    aboutScroll->setFrameShape(QFrame::NoFrame);
    aboutScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    aboutScroll->setMaximumHeight(4 * m_about->fontMetrics().lineSpacing() + 10);
    top->addWidget(aboutScroll, 1);
    m_buildButton = new QPushButton(tr("Build predictor..."), this);
    m_detectButton = new QPushButton(tr("Detect fusion rules..."), this);
    m_detectButton->setToolTip(
        tr("Time pairs and chains of ops alone and together on this device to find which ones its "
           "runtime fuses (about 7 minutes); needed before a predictor can be built"));
    m_adaptButton = new QPushButton(tr("Adapt predictor..."), this);
    top->addWidget(m_detectButton);
    top->addWidget(m_adaptButton);
    top->addWidget(m_buildButton);
    m_exportButton = new QPushButton(tr("Export predictor..."), this);
    m_exportButton->setToolTip(
        tr("Write this device's predictor, with the fusion rules of its kernels, to a file that another "
           "user adds with File > Import a predictor (kernelmeter-cli predictor export)"));
    top->addWidget(m_exportButton);
    layout->addLayout(top);
    auto* buildRow = new QHBoxLayout;
    m_buildProgress = new QProgressBar(this);
    m_buildProgress->setRange(0, 1000);
    m_buildProgress->setMaximumWidth(260);
    m_buildStatus = new QLabel(this);
    m_cancelButton = new QPushButton(tr("Cancel"), this);
    buildRow->addWidget(m_buildProgress);
    buildRow->addWidget(m_buildStatus, 1);
    buildRow->addWidget(m_cancelButton);
    layout->addLayout(buildRow);
    for (QWidget* w : std::initializer_list<QWidget*>{m_buildProgress, m_buildStatus, m_cancelButton}) w->hide();
    auto* split = new QSplitter(Qt::Horizontal, this);
    m_types = makeTable(&m_typeModel, KernelTypeTableModel::SortRole, split);
    m_types->setToolTip(typesToolTip());
    m_plots = new QTabWidget(split);
    m_plot = new AccuracyPlot(m_plots);
    m_plots->addTab(m_plot, tr("Sampling"));  // short names: four tabs in a narrow pane
    m_plots->setTabToolTip(0, tr("The selected kernel type's sampling history: its validation accuracy after each round"));
    m_scatter = new ScatterPlot(m_plots);
    m_plots->addTab(m_scatter, tr("Predicted vs measured"));
    m_plots->setTabToolTip(1, tr("The benchmark dataset's models measured on this device (10 per family), predicted; at the "
                                 "reference speed when the measurements have reference ratios"));
    // The fit's plot and its networks' table each have a tab: one above the other, neither had
    // the height to be read in the window's lower pane.
    m_fitScatter = new ScatterPlot(m_plots);
    m_plots->addTab(m_fitScatter, tr("Fit"));
    m_plots->setTabToolTip(2, tr("An adapted predictor: the networks measured on the device to adapt it, each against the "
                                 "prediction of the fit on the other networks"));
    m_adaptTable = makeTable(&m_adaptModel, AdaptationTableModel::SortRole, m_plots);
    m_plots->addTab(m_adaptTable, tr("Fit networks"));
    m_plots->setTabToolTip(3, tr("An adapted predictor's networks: measured on the device, predicted by the source, by the fit, "
                                 "and by the fit on the other networks"));
    connect(m_plots, &QTabWidget::currentChanged, this, [this](int i) {
        if (i == 1) computeScatter();
    });
    m_rules = makeTable(&m_ruleModel, FusionRuleTableModel::SortRole, split);
    m_rules->setToolTip(
        tr("Fusion rules: whether the runtime runs the last op inside the kernel of the ones before, and the "
           "time saved by running them together (median over the tested shapes)"));
    split->addWidget(m_types);
    split->addWidget(m_plots);
    split->addWidget(m_rules);
    split->setSizes({420, 360, 360});
    layout->addWidget(split, 1);
    connect(m_deviceBox, &QComboBox::activated, this, [this](int i) { showDevice(m_deviceBox->itemData(i).toInt()); });
    m_build = new DeviceToolJob(this);
    connect(m_buildButton, &QPushButton::clicked, this, &PredictorPage::confirmAndBuild);
    connect(m_detectButton, &QPushButton::clicked, this, &PredictorPage::confirmAndDetect);
    connect(m_adaptButton, &QPushButton::clicked, this, &PredictorPage::confirmAndAdapt);
    connect(m_exportButton, &QPushButton::clicked, this, &PredictorPage::chooseExportFile);
    connect(m_cancelButton, &QPushButton::clicked, m_build, &DeviceToolJob::cancel);
    connect(m_build, &DeviceToolJob::progress, this, [this](double fraction, const QString& message, double secondsLeft) {
        m_buildProgress->setValue(int(1000 * fraction));
        m_buildStatus->setText(secondsLeft >= 0
                                   ? tr("%1: %2 (about %3 min left)").arg(m_build->deviceId(), message).arg(int(secondsLeft / 60 + 0.5))
                                   : tr("%1: %2").arg(m_build->deviceId(), message));
    });
    connect(m_build, &DeviceToolJob::round, this, [this](const QString& type, const RoundMetrics& m) {
        if (type != m_liveType) {  // the plot follows the kernel type being sampled
            m_liveType = type;
            m_plot->setRounds(type + tr(" (building)"), {});
        }
        m_plot->appendRound(m);
    });
    connect(m_build, &DeviceToolJob::warning, this, [this](const QString& deviceId, const QString& message) {
        ++m_toolWarnings;
        emit toolWarning(deviceId, message);
    });
    connect(m_build, &DeviceToolJob::finished, this, [this](const QString& deviceId, bool ok, const QString& message) {
        m_buildProgress->hide();
        m_cancelButton->hide();
        updateButtons();
        // The status keeps one line; the warnings themselves are in the Log tab, and the line says so.
        QString status = tr("%1: %2").arg(deviceId, message);
        if (m_toolWarnings == 1) status += tr(" (1 warning in the Log tab)");
        if (m_toolWarnings > 1) status += tr(" (%1 warnings in the Log tab)").arg(m_toolWarnings);
        m_buildStatus->setText(status);
        m_liveType.clear();
        if (ok && m_build->tool() != DeviceTool::DetectRules) emit predictorBuilt(deviceId);
        if (ok && m_build->tool() == DeviceTool::DetectRules) emit rulesDetected(deviceId);
    });
    connect(m_types->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this](const QModelIndex& current) {
        const auto* sorted = static_cast<const QSortFilterProxyModel*>(m_types->model());
        showKernelType(sorted->mapToSource(current).row());
    });
    setAnalysis(nullptr);
}

void PredictorPage::setAnalysis(AnalysisPtr analysis) {
    m_analysis = std::move(analysis);
    const QString previous = m_deviceBox->currentText();
    m_deviceBox->clear();
    int chosen = -1;
    if (m_analysis)
        for (size_t i = 0; i < m_analysis->devices.size(); ++i) {
            const QString id = QString::fromStdString(m_analysis->devices[i].deviceId);
            m_deviceBox->addItem(m_analysis->devices[i].ok() ? id : tr("%1 (no predictor)").arg(id), int(i));
            if (chosen < 0 || id == previous.section(' ', 0, 0)) chosen = int(i);
        }
    if (chosen >= 0) m_deviceBox->setCurrentIndex(m_deviceBox->findData(chosen));
    showDevice(chosen);
}

void PredictorPage::computeScatter(size_t perFamily) {
    if (m_scatterDevice == m_device && m_analysis) return;  // shown or on its way
    m_scatterDevice = m_device;
    if (!m_analysis || m_device < 0 || !m_analysis->devices[size_t(m_device)].ok()) {
        m_scatter->setMessage(tr("No predictor to evaluate."));
        return;
    }
    const DeviceAnalysis& d = m_analysis->devices[size_t(m_device)];
    m_scatter->setMessage(tr("Predicting the benchmark models measured on %1 ...").arg(QString::fromStdString(d.deviceId)));
    struct Outcome {
        Result<DatasetPredictions> data = DatasetPredictions{};
    };
    m_scatterRunner.run([device = DeviceAnalyzer(d.deviceId, d.rules, d.predictor),
                         perFamily] { return Outcome{predictDatasetModels(device, "zoo", perFamily)}; },
                        [this, id = QString::fromStdString(d.deviceId), device = m_device](quint64, Outcome o) {
                            if (device != m_scatterDevice) return;
                            if (!o.data) {
                                m_scatter->setMessage(QString::fromStdString(o.data.error().message));
                                return;
                            }
                            std::vector<std::pair<double, double>> points;
                            for (const PredictedVsMeasured& m : o.data.value().models) points.emplace_back(m.measuredMs, m.predictedMs);
                            if (points.empty()) {
                                m_scatter->setMessage(tr("The benchmark dataset has no model measured on %1.").arg(id));
                                return;
                            }
                            const QString held = intervalCoverageText(o.data.value());
                            m_scatter->setPoints(o.data.value().unit.ms > 0 ? tr("%1, benchmark models at the reference speed").arg(id)
                                                                            : tr("%1, benchmark models").arg(id),
                                                 points, held.isEmpty() ? QString() : "\n" + held);
                        });
}

void PredictorPage::waitForScatter() { m_scatterRunner.waitForIdle(); }

void PredictorPage::showDevice(int deviceIndex) {
    m_device = deviceIndex;
    m_scatterDevice = -2;  // computed again for this device when asked for
    if (m_plots->currentIndex() == 1) computeScatter();
    m_typeModel.setPredictor(nullptr);
    m_ruleModel.setRules(nullptr);
    m_plot->setRounds({}, {});
    updateButtons();
    showAdaptation(nullptr);
    if (!m_analysis || deviceIndex < 0) {
        m_about->setText(tr("Choose a device in the toolbar."));
        return;
    }
    const DeviceAnalysis& d = m_analysis->devices[size_t(deviceIndex)];
    if (!d.ok()) {
        m_about->setText(htmlLines(QString::fromStdString(d.error)));
        return;
    }
    const PredictorSet& p = *d.predictor;
    const ModelCalibration& c = p.calibration;
    showAdaptation(&d);
    // An adapted predictor's story is its fit on the networks (its sampling history is its
    // source's); a built one's, its sampling. The benchmark's scatter stays when it was chosen, and
    // the fit's networks for another adapted predictor.
    if (const int shown = m_plots->currentIndex(); shown != 1 && !(shown == 3 && p.adaptation))
        m_plots->setCurrentIndex(p.adaptation ? 2 : 0);
    m_about->setText(htmlLines(provenanceText(d)) + "<br>" +
                     (p.adaptation ? htmlLines(adaptationText(p))
                      : c.models
                          ? tr("Calibrated (%1) on %2 generated networks: %3 within 10%, RMSPE %4; kernel scale %5, %6 ms per kernel, "
                               "%7 ms per model.")
                                .arg(QString::fromStdString(c.terms))
                                .arg(c.models)
                                .arg(formatPercent(c.within10), formatPercent(c.rmspe))
                                .arg(p.kernelScale, 0, 'f', 3)
                                .arg(formatMs(p.perKernelMs), formatMs(p.overheadMs))
                          : tr("Not calibrated on networks: kernel scale %1, %2 ms per model.")
                                .arg(p.kernelScale, 0, 'f', 3)
                                .arg(formatMs(p.overheadMs))));
    m_typeModel.setPredictor(d.predictor);
    m_types->setToolTip(p.adaptation ? tr("%1's regressors, which the adapted predictor scales: validated on %1's kernels drawn from "
                                          "the prior, before adapting; select a row for its sampling history")
                                           .arg(QString::fromStdString(p.adaptation->sourceDevice))
                                     : typesToolTip());
    m_types->resizeColumnsToContents();
    m_ruleModel.setRules(d.rules, d.deviceId);
    m_rules->resizeColumnsToContents();
    if (m_typeModel.rowCount() > 0) {
        m_types->setCurrentIndex(m_types->model()->index(0, 0));
        showKernelType(static_cast<const QSortFilterProxyModel*>(m_types->model())->mapToSource(m_types->currentIndex()).row());
    }
}

void PredictorPage::showAdaptation(const DeviceAnalysis* d) {
    const std::shared_ptr<const PredictorSet> p = d ? d->predictor : nullptr;
    m_adaptModel.setPredictor(p);
    m_adaptTable->resizeColumnsToContents();
    if (!p || !p->adaptation) {
        m_fitScatter->setMessage(
            p ? tr("%1's predictor was built from kernels measured on it, not adapted.").arg(QString::fromStdString(d->deviceId))
              : tr("No predictor."));
        return;
    }
    m_fitScatter->setPoints(leftOutCaption(d->deviceId), leftOutPoints(*p));
}

void PredictorPage::showKernelType(int row) {
    if (const KernelTypePredictor* t = m_typeModel.typePredictor(row))
        m_plot->setRounds(QString::fromStdString(m_typeModel.typeAt(row)), t->rounds);
}

void PredictorPage::updateButtons() {
    const bool idle = !m_build->isRunning();
    const DeviceAnalysis* d = m_analysis && m_device >= 0 ? &m_analysis->devices[size_t(m_device)] : nullptr;
    // A device whose times were imported from a table runs nothing here: no rules to detect, no
    // kernels to build on; adapting fits a predictor to its imported times.
    const bool table = tableOnlyDevice();
    const QString runsNothing = tr("This device has no runtime here (its times or its predictor were imported): it runs nothing here");
    m_detectButton->setEnabled(d && idle && !table);
    m_detectButton->setText(d && d->rules ? tr("Detect fusion rules again...") : tr("Detect fusion rules..."));
    m_detectButton->setToolTip(table ? runsNothing : QString());
    // A predictor is built on the device's kernels: without fusion rules there are none.
    m_buildButton->setEnabled(d && d->rules && idle && !table);
    m_buildButton->setText(d && d->ok() ? tr("Rebuild predictor...") : tr("Build predictor..."));
    const QStringList sources = adaptSources();
    const MakeMinutes minutes = makeMinutes();
    m_adaptButton->setEnabled(d && idle && !sources.isEmpty());
    m_adaptButton->setToolTip(
        sources.isEmpty() ? tr("No device of this analysis has a predictor to adapt from")
        : table ? tr("Fit a predictor to this device's imported times from %1's (seconds; nothing is measured)").arg(sources.front())
                : tr("Measure %1 networks on this device and fit a predictor to them from %2's (%3)")
                      .arg(10)
                      .arg(sources.front())
                      .arg(QString::fromStdString(aboutDuration(minutes.adapt))));
    m_exportButton->setEnabled(d && d->ok() && !m_exportRunner.busy());
    // Made on another machine, or none yet: adapting is the quick way to make it this device's.
    m_adaptButton->setDefault(d && ((d->ok() && d->host && d->host->mismatch()) || (!d->ok() && !sources.isEmpty())));
    m_buildButton->setToolTip(table            ? runsNothing
                              : d && !d->rules ? tr("This device has no fusion rules yet: detect them first")
                                               : tr("Measure kernels on this device and build its predictor (%1); what is "
                                                    "measured is saved as it is taken, so a cancelled build resumes")
                                                     .arg(QString::fromStdString(aboutDuration(minutes.build))));
}

bool PredictorPage::tableOnlyDevice() const {
    if (!m_analysis || m_device < 0) return false;
    const Result<Device> device = findDevice(m_analysis->devices[size_t(m_device)].deviceId);
    return device && device.value().runtime == kNoRuntime;
}

QStringList PredictorPage::adaptDatasets() const {
    QStringList names;
    if (!m_analysis || m_device < 0) return names;
    const auto timed = datasetsTimedOn(m_analysis->devices[size_t(m_device)].deviceId);
    if (timed)
        for (const auto& [name, models] : timed.value())
            if (models >= 3) names.append(QString::fromStdString(name));  // adapt needs 3 networks at least
    return names;
}

void PredictorPage::confirmAndBuild() {
    const MakeMinutes minutes = makeMinutes();
    confirmAndRun(DeviceTool::BuildPredictor, tr("Build a predictor"),
                  tr("Building the predictor of %1 measures thousands of kernel models on the device: %2, best with nothing "
                     "else running. Measurements are saved as they are taken; a cancelled build resumes where it stopped."
                     "\n\nStart now?")
                      .arg(QStringLiteral("%1"), speedText(minutes, minutes.build)));
}

MakeMinutes PredictorPage::makeMinutes() const {
    if (!m_analysis || m_device < 0) return {};
    const Result<Device> device = findDevice(m_analysis->devices[size_t(m_device)].deviceId);
    return device ? makeMinutesFor(device.value()) : MakeMinutes{};
}

QString PredictorPage::speedText(const MakeMinutes& minutes, int chosen) {
    const QString about = QString::fromStdString(aboutDuration(chosen));
    if (minutes.slowdown > 1)
        return tr("%1 at the device's speed (its last check ran the reference workload %2 times slower than the 2-core machine "
                  "these times were measured on)")
            .arg(about)
            .arg(minutes.slowdown, 0, 'f', minutes.slowdown < 10 ? 1 : 0);
    return tr("%1 on a 2-core machine").arg(about);
}

void PredictorPage::confirmAndDetect() {
    confirmAndRun(DeviceTool::DetectRules, tr("Detect fusion rules"),
                  tr("Detecting the fusion rules of %1 times a few hundred small test models on this machine: about 7 minutes, "
                     "best with nothing else running. The rules are saved in your data folder and used instead of the shipped "
                     "ones; measurements are saved as they are taken, so a cancelled run resumes.\n\nStart now?"));
}

QStringList PredictorPage::adaptSources() const {
    QStringList sources;
    if (!m_analysis || m_device < 0) return sources;
    // The device itself first (made on another machine, adapting makes it this one's), then the
    // devices of its runtime (its thread count first), then the rest: across runtimes a predictor
    // carries far worse (docs/adapt.md).
    // One read of the device list (this runs whenever the page's buttons are refreshed).
    const std::vector<Device> devices = allDevices("");
    auto deviceOf = [&](const std::string& id) {
        auto it = std::find_if(devices.begin(), devices.end(), [&](const Device& d) { return d.id == id; });
        return it == devices.end() ? nullptr : &*it;
    };
    const Device* target = deviceOf(m_analysis->devices[size_t(m_device)].deviceId);
    std::vector<std::pair<int, QString>> ranked;
    for (size_t i = 0; i < m_analysis->devices.size(); ++i) {
        const DeviceAnalysis& d = m_analysis->devices[i];
        // A predictor adapted with kernel costs or work rates has no kernel times to carry
        // (kernelmeter-cli adapt refuses it as a source).
        if (!d.ok() || !d.predictor || !(d.predictor->kernelScale > 0)) continue;
        int rank = 3;
        if (int(i) == m_device) {
            rank = 0;
        } else if (target && d.predictor->runtime == target->runtime) {
            const Device* source = deviceOf(d.deviceId);
            rank = source && source->threads == target->threads ? 1 : 2;
        }
        ranked.emplace_back(rank, QString::fromStdString(d.deviceId));
    }
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [rank, id] : ranked) sources.append(id);
    return sources;
}

int PredictorPage::adaptInputSize() const { return m_analysis && m_analysis->graph ? adaptInputSizeOf(*m_analysis->graph) : 0; }

void PredictorPage::confirmAndAdapt() {
    if (!m_analysis || m_device < 0) return;
    const DeviceAnalysis& d = m_analysis->devices[size_t(m_device)];
    const QString id = QString::fromStdString(d.deviceId);
    const QStringList sources = adaptSources();
    if (sources.isEmpty()) {
        QMessageBox::information(this, tr("Adapt a predictor"),
                                 tableOnlyDevice() ? tr("No device of this analysis has a predictor to adapt from. Select a device "
                                                        "that has one (Devices in the toolbar).")
                                                   : tr("No device of this analysis has a predictor to adapt from. Select a device "
                                                        "that has one (Devices in the toolbar), or build a predictor for %1.")
                                                         .arg(id));
        return;
    }
    const MakeMinutes minutes = makeMinutes();
    // A table's device: fitted to its imported times, which come from a dataset.
    QString dataset;
    if (tableOnlyDevice()) {
        const QStringList datasets = adaptDatasets();
        if (datasets.isEmpty()) {
            QMessageBox::information(this, tr("Adapt a predictor"),
                                     tr("%1 has no runtime here (its times were measured elsewhere, or its predictor imported), "
                                        "and no dataset in your database holds at least 3 of its times. Import them first: "
                                        "kernelmeter-cli dataset import-table FILE.csv (docs/adapt.md).")
                                         .arg(id));
            return;
        }
        dataset = datasets.front();
        if (datasets.size() > 1) {
            bool chosen = false;
            dataset = QInputDialog::getItem(this, tr("Adapt a predictor"), tr("Fit %1's predictor to its times in which dataset?").arg(id),
                                            datasets, 0, false, &chosen);
            if (!chosen) return;
        }
    }
    QString source = sources.front();
    if (sources.size() > 1) {
        bool chosen = false;
        source = QInputDialog::getItem(this, tr("Adapt a predictor"), tr("Adapt the predictor of which device to %1?").arg(id), sources, 0,
                                       false, &chosen);
        if (!chosen) return;
    }
    if (!dataset.isEmpty()) {
        AdaptConfirmation box(tr("Adapting chooses %1 of the models of dataset %2 with a time on %3 and fits %4's predictor to "
                                 "their times: seconds to a few minutes, nothing is measured. The result becomes %3's predictor in "
                                 "your database; kernelmeter-cli evaluate --device %3 --dataset %2 scores it on the others.")
                                  .arg(10)
                                  .arg(dataset, id, source),
                              tr("Adapt"), QString(), this);
        box.exec();
        if (box.answer() == AdaptConfirmation::Answer::Adapt) startAdapt(id, source, QStringList{"--dataset", dataset} + box.arguments());
        return;
    }
    // Another runtime's predictor carries the kernels of that runtime, not the ones the device runs.
    QString acrossRuntimes;
    if (const Result<Device> target = findDevice(d.deviceId); target)
        for (const DeviceAnalysis& s : m_analysis->devices)
            if (QString::fromStdString(s.deviceId) == source && s.predictor && s.predictor->runtime != target.value().runtime)
                acrossRuntimes =
                    tr("%1's predictor was made for %2 and %3 runs %4: adapted across runtimes, a predictor is much less "
                       "accurate than one adapted from a device of the same runtime or built on the device.\n\n")
                        .arg(source, QString::fromStdString(s.predictor->runtime), id, QString::fromStdString(target.value().runtime));
    AdaptConfirmation box(
        (hostMismatchText(d).isEmpty() ? QString() : hostMismatchText(d) + "\n\n") + acrossRuntimes +
            tr("Adapting measures %1 generated networks and a few of %3's kernels of each kind on %2 and fits %3's predictor "
               "to them: %4, best with nothing else running. The result becomes %2's predictor in your database."
               "\n\nA full build measures thousands of kernels instead: %5.")
                .arg(10)
                .arg(id, source)
                .arg(speedText(minutes, minutes.adapt), QString::fromStdString(aboutDuration(minutes.build))),
        tr("Adapt (%1)").arg(QString::fromStdString(aboutDuration(minutes.adapt))),
        d.rules ? tr("Build (%1)").arg(QString::fromStdString(aboutDuration(minutes.build))) : QString(), this);
    // Networks at the size the user's models run at: XNNPACK's time for a network over its kernels'
    // sum depends on it; OpenCV's did better from the usual mix of sizes (docs/adapt.md, Limits).
    if (const int side = adaptInputSize(); side > 0)
        box.addOption(tr("Generate the networks at this model's input size, %1 x %1").arg(side),
                      tr("Networks at the size your models run at: on the project's machine this put more torchvision "
                         "networks (224 x 224) within 10% on XNNPACK devices and fewer on OpenCV ones than the usual "
                         "mix of 96 to 224 pixels (docs/adapt.md, Limits)."),
                      {"--input-size", QString::number(side)});
    // Adapt predicts at the device's usual speed where its earlier measurements tell it; the
    // session's speed is for a device whose speed changed for good (docs/adapt.md).
    if (const int earlier = usualSpeedMeasurements(); earlier >= int(kMinEarlierReferenceTimes))
        box.addOption(tr("Predict at this session's speed, not %1's usual one (that of its %2 earlier measurements)").arg(id).arg(earlier),
                      tr("By default the networks' times are taken at the median reference-workload time of %1's earlier "
                         "measurements on this CPU and runtime, so that a slow or fast phase of the machine while adapting "
                         "does not set the predictor's milliseconds. Tick this when the device's speed changed for good (a "
                         "board's power mode, another host): its earlier measurements are then of another machine "
                         "(docs/adapt.md).")
                          .arg(id),
                      {"--at-session-speed"});
    box.exec();
    if (box.answer() == AdaptConfirmation::Answer::Adapt) startAdapt(id, source, box.arguments());
    if (box.answer() == AdaptConfirmation::Answer::Build) startBuild(id);
}

int PredictorPage::usualSpeedMeasurements() const {
    if (!m_analysis || m_device < 0) return 0;
    const DeviceAnalysis& d = m_analysis->devices[size_t(m_device)];
    // The machine the device reports and its runtime version (stored by its last check or
    // measurement): adapt counts only measurements taken on those.
    if (!d.host || d.host->deviceCpu.empty() || d.host->deviceRuntimeVersion.empty()) return 0;
    auto store = MeasurementStore::open(defaultDatabasePath());
    if (!store) return 0;
    return int(earlierReferenceTimes(*store.value(), d.deviceId, d.host->deviceCpu, d.host->deviceRuntimeVersion, {}).size());
}

void PredictorPage::confirmAndRun(DeviceTool tool, const QString& title, const QString& question) {
    if (!m_analysis || m_device < 0) return;
    const QString id = QString::fromStdString(m_analysis->devices[size_t(m_device)].deviceId);
    if (tableOnlyDevice()) {  // the Tools menu's way here is not disabled like the buttons
        QMessageBox::information(this, title,
                                 tr("%1's times were measured elsewhere and imported from a table: it runs nothing here. Adapt "
                                    "a predictor to its imported times instead (Adapt predictor).")
                                     .arg(id));
        return;
    }
    if (QMessageBox::question(this, title, question.arg(id)) == QMessageBox::Yes) startTool({tool, id, {}, {}});
}

bool PredictorPage::startBuild(const QString& deviceId, const QStringList& extraArguments) {
    return startTool({DeviceTool::BuildPredictor, deviceId, {}, extraArguments});
}

bool PredictorPage::startDetect(const QString& deviceId, const QStringList& extraArguments) {
    return startTool({DeviceTool::DetectRules, deviceId, {}, extraArguments});
}

bool PredictorPage::startAdapt(const QString& deviceId, const QString& sourceDevice, const QStringList& extraArguments) {
    return startTool({DeviceTool::Adapt, deviceId, sourceDevice, extraArguments});
}

bool PredictorPage::startTool(const DeviceToolRequest& request) {
    if (!m_build->start(request)) return false;
    m_toolWarnings = 0;
    updateButtons();
    m_buildProgress->setValue(0);
    m_buildStatus->setText(tr("%1: starting kernelmeter-cli %2").arg(request.deviceId, DeviceToolJob::commandName(request.tool)));
    for (QWidget* w : std::initializer_list<QWidget*>{m_buildProgress, m_buildStatus, m_cancelButton}) w->show();
    return true;
}

int PredictorPage::kernelTypeRows() const { return m_typeModel.rowCount(); }
int PredictorPage::ruleRows() const { return m_ruleModel.rowCount(); }
int PredictorPage::adaptedNetworkRows() const { return m_adaptModel.rowCount(); }
QString PredictorPage::shownPlot() const { return m_plots->tabText(m_plots->currentIndex()); }
QString PredictorPage::aboutText() const { return m_about->text(); }
QString PredictorPage::aboutShownText() const {
    const bool rich =
        m_about->textFormat() == Qt::RichText || (m_about->textFormat() == Qt::AutoText && Qt::mightBeRichText(m_about->text()));
    return rich ? QTextDocumentFragment::fromHtml(m_about->text()).toPlainText() : m_about->text();
}
QString PredictorPage::toolStatusText() const { return m_buildStatus->text(); }

void PredictorPage::chooseExportFile() {
    const DeviceAnalysis* d = m_analysis && m_device >= 0 ? &m_analysis->devices[size_t(m_device)] : nullptr;
    if (!d || !d->ok()) return;
    const QString path =
        askExportPath(this, tr("Export predictor"), QString::fromStdString(d->deviceId) + "-predictor.json", tr("Predictors (*.json)"));
    if (!path.isEmpty()) exportPredictorTo(path);
}

void PredictorPage::exportPredictorTo(const QString& path) {
    const DeviceAnalysis* d = m_analysis && m_device >= 0 ? &m_analysis->devices[size_t(m_device)] : nullptr;
    if (!d || !d->ok()) return;
    const QString id = QString::fromStdString(d->deviceId);
    m_exportButton->setEnabled(false);
    m_exportRunner.run([id = d->deviceId, file = path.toStdString()] { return exportPredictor(id, file, ""); },
                       [this, id, path](quint64, const Result<std::string>& r) {
                           updateButtons();
                           emit predictorExported(id, path, r ? QString() : QString::fromStdString(r.error().message));
                       });
}

void PredictorPage::waitForExport() { m_exportRunner.waitForIdle(); }

}  // namespace km::ui
