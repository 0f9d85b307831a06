// SPDX-License-Identifier: GPL-3.0-or-later
// The save dialog every export of the window uses (a PDF report, the kernels as CSV, a predictor):
// it opens in the folder of the last export, else Documents.
#pragma once

#include <QString>

class QWidget;

namespace km::ui {

// Asks where to write `fileName` (a suggestion); empty when cancelled. Remembers the folder chosen.
QString askExportPath(QWidget* parent, const QString& title, const QString& fileName, const QString& filter);

}  // namespace km::ui
