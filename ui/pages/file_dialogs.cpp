// SPDX-License-Identifier: GPL-3.0-or-later
#include "ui/pages/file_dialogs.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QSettings>
#include <QStandardPaths>

namespace km::ui {

QString askExportPath(QWidget* parent, const QString& title, const QString& fileName, const QString& filter) {
    // The folder of the last export, else Documents (not the folder of the model, which may be
    // read-only, like the installed example's, nor the working directory of a menu launch).
    QSettings settings;
    QString folder = settings.value("files/exportDir", QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation)).toString();
    if (!QDir(folder).exists()) folder = QDir::homePath();
    const QString path = QFileDialog::getSaveFileName(parent, title, QDir(folder).filePath(fileName), filter);
    if (!path.isEmpty()) settings.setValue("files/exportDir", QFileInfo(path).absolutePath());
    return path;
}

}  // namespace km::ui
