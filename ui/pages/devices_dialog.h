// SPDX-License-Identifier: GPL-3.0-or-later
// Tools > Devices...: the devices this installation knows; the user's own can be added, edited,
// checked (their agent started through the transport, its hello shown) and removed. What is
// stored and checked is core's (workflows/devices.h); this is only its form.
#pragma once

#include <QDialog>
#include <QHash>

#include <memory>

#include "ui/jobs/job_runner.h"
#include "workflows/devices.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSpinBox;

namespace km::ui {

class DevicesDialog : public QDialog {
    Q_OBJECT
public:
    explicit DevicesDialog(QWidget* parent = nullptr);

    // For tests: the form's fields and buttons by role.
    QLineEdit* idEdit() const { return m_id; }
    QComboBox* runtimeBox() const { return m_runtime; }
    QSpinBox* threadsBox() const { return m_threads; }
    QLineEdit* transportEdit() const { return m_transport; }
    QLineEdit* agentEdit() const { return m_agent; }
    QLineEdit* nameEdit() const { return m_name; }
    QPushButton* newButton() const { return m_new; }
    QPushButton* saveButton() const { return m_save; }
    QPushButton* checkButton() const { return m_check; }
    QPushButton* removeButton() const { return m_remove; }
    QListWidget* deviceList() const { return m_list; }
    QString messageText() const;
    // The shown device's predictor: how it was made and whether it is the device's, or why there
    // is none and the quickest way to one (read in the background for every device).
    QString predictorText() const;
    // Waits until the devices' predictors have been read (tests).
    void waitForPredictors();
    // Selects the device with this id in the list (and shows it in the form); false if absent.
    bool selectDevice(const QString& id);
    // Waits until a running check has delivered (tests).
    void waitForCheck();
    // Asked before removing a device that has predictors; tests answer it themselves.
    std::function<bool(const QString& question)> confirm;

signals:
    // A device was added, changed or removed: the device bar should show the new list.
    void devicesChanged();

private:
    void reloadList(const QString& select = {});
    void showDevice(const Device& device);
    void newDevice();
    void save();
    void check();
    void remove();
    void showMessage(const QString& text, bool error);
    void readPredictors();
    void showPredictor(const QString& id);
    Device formDevice() const;

    QListWidget* m_list = nullptr;
    QLineEdit* m_id = nullptr;
    QComboBox* m_runtime = nullptr;
    QSpinBox* m_threads = nullptr;
    QLineEdit* m_transport = nullptr;
    QLineEdit* m_agent = nullptr;
    QLineEdit* m_name = nullptr;
    QPushButton* m_new = nullptr;
    QPushButton* m_save = nullptr;
    QPushButton* m_check = nullptr;
    QPushButton* m_remove = nullptr;
    QLabel* m_message = nullptr;
    QLabel* m_predictor = nullptr;
    std::vector<Device> m_devices;
    bool m_editingBuiltin = false;
    JobRunner m_checkRunner{this};
    // Per device id: its predictor's line and, without one, why (devicePredictorStatus).
    struct PredictorLine {
        QString line, why;
    };
    QHash<QString, PredictorLine> m_predictors;
    JobRunner m_predictorRunner{this};
};

}  // namespace km::ui
