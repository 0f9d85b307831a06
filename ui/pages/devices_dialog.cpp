// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/pages/devices_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QMessageBox>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>
#include <algorithm>

#include "workflows/device_analyzer.h"

namespace km::ui {
namespace {

QString q(const std::string& s) { return QString::fromStdString(s); }

QString helloHtml(const DeviceCheck& c, const std::string& runtime) {
    const StoredHello& h = c.stored;
    QString text = QObject::tr("<b>Answered</b> (<tt>%1</tt>)<br>kernelmeter-agent %2, protocol %3<br>%4 %5<br>%6, %7 logical cores<br>%8")
                       .arg(q(c.command).toHtmlEscaped(), q(h.hello.agentVersion).toHtmlEscaped())
                       .arg(h.hello.protocol)
                       .arg(q(runtime).toHtmlEscaped(), q(c.runtimeVersion).toHtmlEscaped(), q(h.hello.machine.cpuModel).toHtmlEscaped())
                       .arg(h.hello.machine.logicalCores)
                       .arg(q(h.hello.machine.kernel).toHtmlEscaped());
    if (h.referenceMs > 0)
        text +=
            QObject::tr("<br>reference workload %1 ms (spread %2%)").arg(h.referenceMs, 0, 'g', 3).arg(100 * h.referenceSpread, 0, 'f', 0);
    return text;
}

}  // namespace

DevicesDialog::DevicesDialog(QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("Devices"));
    confirm = [this](const QString& question) { return QMessageBox::question(this, tr("Remove device"), question) == QMessageBox::Yes; };
    m_list = new QListWidget(this);
    m_list->setMinimumWidth(260);
    m_id = new QLineEdit(this);
    m_id->setPlaceholderText(tr("e.g. pi5 (a-z, 0-9, -)"));
    m_runtime = new QComboBox(this);
    for (const std::string& r : deviceRuntimes()) m_runtime->addItem(q(r));
    m_runtime->setToolTip(tr("none: a device known only from measurements imported for it"));
    m_threads = new QSpinBox(this);
    m_threads->setRange(1, 1024);
    m_transport = new QLineEdit(this);
    m_transport->setPlaceholderText(tr("empty: this machine; e.g. ssh pi@board"));
    m_agent = new QLineEdit(this);
    m_agent->setPlaceholderText(tr("empty: the installed kernelmeter-agent"));
    m_name = new QLineEdit(this);
    m_name->setPlaceholderText(tr("empty: made from runtime and transport"));
    auto* form = new QFormLayout;
    form->addRow(tr("&Id:"), m_id);
    form->addRow(tr("&Runtime:"), m_runtime);
    form->addRow(tr("&Threads:"), m_threads);
    form->addRow(tr("T&ransport:"), m_transport);
    form->addRow(tr("&Agent:"), m_agent);
    form->addRow(tr("&Name:"), m_name);
    m_predictor = new QLabel(this);
    m_predictor->setWordWrap(true);
    m_predictor->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_predictor->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_predictor->setToolTip(tr("The predictor predict and the main window use for this device (kernelmeter-cli device show)"));
    form->addRow(tr("Predictor:"), m_predictor);
    m_new = new QPushButton(tr("&New"), this);
    m_save = new QPushButton(tr("&Save"), this);
    m_check = new QPushButton(tr("&Check"), this);
    m_check->setToolTip(tr("Start the device's agent through its transport, show its hello and time the reference workload"));
    m_remove = new QPushButton(tr("Remo&ve"), this);
    auto* buttons = new QHBoxLayout;
    for (QPushButton* b : {m_new, m_save, m_check, m_remove}) buttons->addWidget(b);
    m_message = new QLabel(this);
    m_message->setWordWrap(true);
    m_message->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_message->setMinimumHeight(80);
    auto* right = new QVBoxLayout;
    right->addLayout(form);
    right->addLayout(buttons);
    right->addWidget(m_message, 1);
    auto* top = new QHBoxLayout;
    top->addWidget(m_list);
    top->addLayout(right, 1);
    auto* close = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top, 1);
    layout->addWidget(close);

    connect(m_list, &QListWidget::currentRowChanged, this, [this](int row) {
        if (row >= 0 && size_t(row) < m_devices.size()) showDevice(m_devices[size_t(row)]);
    });
    connect(m_new, &QPushButton::clicked, this, &DevicesDialog::newDevice);
    connect(m_save, &QPushButton::clicked, this, &DevicesDialog::save);
    connect(m_check, &QPushButton::clicked, this, &DevicesDialog::check);
    connect(m_remove, &QPushButton::clicked, this, &DevicesDialog::remove);
    reloadList();
    newDevice();
}

QString DevicesDialog::messageText() const { return m_message->text(); }

void DevicesDialog::reloadList(const QString& select) {
    std::string warning;
    m_devices = allDevices("", &warning);
    const QSignalBlocker block(m_list);
    m_list->clear();
    for (const Device& d : m_devices)
        m_list->addItem(
            tr("%1  (%2, %3 thread(s)%4)")
                .arg(q(d.id), q(d.runtime))
                .arg(d.threads)
                .arg(d.userDefined ? (d.transport.empty() ? tr(", yours") : tr(", via %1").arg(q(d.transport))) : tr(", built in")));
    // Wide enough for its longest line ("xnnpack-t2  (xnnpack, 2 thread(s), built in)" was cut).
    m_list->setMinimumWidth(std::max(260, m_list->sizeHintForColumn(0) + 2 * m_list->frameWidth() + 8));
    if (!warning.empty()) showMessage(tr("Your devices could not be read: %1").arg(q(warning)), true);
    if (!select.isEmpty()) selectDevice(select);
    readPredictors();
}

// Reading a predictor's provenance takes about a quarter of a second, and saying why a device has
// none reads the other devices' too: off the UI thread, every device at once.
void DevicesDialog::readPredictors() {
    m_predictorRunner.run(
        [devices = m_devices](const Superseded& superseded) {
            QHash<QString, PredictorLine> lines;
            for (const Device& d : devices) {
                if (superseded()) break;
                const DevicePredictorStatus s = devicePredictorStatus(d, "", true);
                lines.insert(q(d.id), {q(predictorStatusLine(s)), q(s.error)});
            }
            return lines;
        },
        [this](quint64, const QHash<QString, PredictorLine>& lines) {
            m_predictors = lines;
            for (int row = 0; row < m_list->count() && size_t(row) < m_devices.size(); ++row)
                if (auto it = lines.find(q(m_devices[size_t(row)].id)); it != lines.end())
                    m_list->item(row)->setToolTip(tr("Predictor: %1").arg(it->line));
            showPredictor(m_id->text().trimmed());
        });
}

void DevicesDialog::showPredictor(const QString& id) {
    const bool listed = std::any_of(m_devices.begin(), m_devices.end(), [&](const Device& d) { return q(d.id) == id; });
    if (!listed) {
        m_predictor->clear();  // a device being defined
        return;
    }
    const auto it = m_predictors.find(id);
    if (it == m_predictors.end())
        m_predictor->setText(tr("(reading...)"));
    else
        m_predictor->setText(it->why.isEmpty() ? it->line : tr("%1: %2").arg(it->line, it->why));
}

QString DevicesDialog::predictorText() const { return m_predictor->text(); }

void DevicesDialog::waitForPredictors() { m_predictorRunner.waitForIdle(); }

bool DevicesDialog::selectDevice(const QString& id) {
    for (size_t i = 0; i < m_devices.size(); ++i)
        if (q(m_devices[i].id) == id) {
            m_list->setCurrentRow(int(i));
            showDevice(m_devices[i]);
            return true;
        }
    return false;
}

void DevicesDialog::showDevice(const Device& d) {
    m_editingBuiltin = !d.userDefined;
    m_id->setText(q(d.id));
    m_runtime->setCurrentText(q(d.runtime));
    m_threads->setValue(d.threads);
    m_transport->setText(q(d.transport));
    m_agent->setText(q(d.agentPath));
    m_name->setText(q(d.displayName));
    for (QWidget* w : std::initializer_list<QWidget*>{m_id, m_runtime, m_threads, m_transport, m_agent, m_name, m_save, m_remove})
        w->setEnabled(d.userDefined);
    m_check->setEnabled(d.canMeasure());
    showPredictor(q(d.id));
    showMessage(d.userDefined ? QString() : tr("%1 is built in: it can be checked, not changed.").arg(q(d.id)), false);
}

void DevicesDialog::newDevice() {
    m_list->clearSelection();
    Device blank;
    blank.runtime = "xnnpack";
    blank.userDefined = true;
    showDevice(blank);
    m_check->setEnabled(false);
    m_remove->setEnabled(false);
    m_id->setFocus();
}

Device DevicesDialog::formDevice() const {
    Device d;
    d.id = m_id->text().trimmed().toStdString();
    d.runtime = m_runtime->currentText().toStdString();
    d.threads = m_threads->value();
    d.transport = m_transport->text().trimmed().toStdString();
    d.agentPath = m_agent->text().trimmed().toStdString();
    d.displayName = m_name->text().trimmed().toStdString();
    return d;
}

void DevicesDialog::save() {
    if (m_editingBuiltin) return;
    const Device d = formDevice();
    // Saving the device shown (same id) redefines it; a new id adds one.
    const bool exists = std::any_of(m_devices.begin(), m_devices.end(), [&](const Device& x) { return x.id == d.id && x.userDefined; });
    const int row = m_list->currentRow();
    const bool editing = exists && row >= 0 && size_t(row) < m_devices.size() && m_devices[size_t(row)].id == d.id;
    Result<Device> added = addDevice(d, "", editing);
    if (!added) {
        showMessage(q(added.error().message), true);
        return;
    }
    reloadList(q(added.value().id));
    // On this machine its cores are known now; a remote one's once a check reaches it.
    const std::string crowded = moreThreadsThanCores(added.value());
    showMessage(
        tr("Saved %1. Check it to record its CPU and runtime.").arg(q(added.value().id)) + (crowded.empty() ? QString() : " " + q(crowded)),
        !crowded.empty());
    emit devicesChanged();
}

void DevicesDialog::check() {
    const Device d = formDevice();
    Result<Device> device = findDevice(d.id);
    if (!device) {
        showMessage(q(device.error().message), true);
        return;
    }
    m_check->setEnabled(false);
    showMessage(tr("Starting the agent of %1 ...").arg(q(d.id)), false);
    DeviceCheckOptions o;
    o.referenceRounds = 5;
    m_checkRunner.run([dev = device.value(), o] { return checkDevice(dev, o); },
                      [this, dev = device.value()](quint64, const Result<DeviceCheck>& r) {
                          m_check->setEnabled(true);
                          if (!r)
                              showMessage(q(r.error().message), true);
                          else if (const std::string crowded = moreThreadsThanCores(dev, r.value().stored.hello.machine.logicalCores);
                                   !crowded.empty())
                              showMessage(helloHtml(r.value(), dev.runtime) + "<br>" + q(crowded).toHtmlEscaped(), true);
                          else
                              showMessage(helloHtml(r.value(), dev.runtime), false);
                          readPredictors();       // its machine is known now: whose machine its predictor is may change
                          emit devicesChanged();  // its last hello changed: the device bar's notes may change
                      });
}

void DevicesDialog::waitForCheck() { m_checkRunner.waitForIdle(); }

void DevicesDialog::remove() {
    const QString id = m_id->text().trimmed();
    const Result<DeviceRemoval> held = storedDataOf(id.toStdString());
    bool force = false;
    if (held && held.value().predictors > 0) {
        if (!confirm(tr("%1 has %2 predictor(s). Remove its definition anyway? Its predictors and measurements stay in the "
                        "database; adding %1 again brings them back.")
                         .arg(id)
                         .arg(held.value().predictors))) {
            showMessage(tr("%1 was kept.").arg(id), false);
            return;
        }
        force = true;
    }
    const Result<DeviceRemoval> r = removeDevice(id.toStdString(), force);
    if (!r) {
        showMessage(q(r.error().message), true);
        return;
    }
    reloadList();
    newDevice();
    showMessage(tr("Removed %1; its %2 predictor(s) and %3 measurement(s) stay in the database.")
                    .arg(id)
                    .arg(r.value().predictors)
                    .arg(r.value().measurements),
                false);
    emit devicesChanged();
}

void DevicesDialog::showMessage(const QString& text, bool error) {
    m_message->setText(text);
    m_message->setStyleSheet(error ? QStringLiteral("QLabel { color: #b3261e; }") : QString());
}

}  // namespace km::ui
