// SPDX-License-Identifier: GPL-3.0-or-later
// A measured latency as the GUI shows it beside a prediction (the newest stored measurement of the
// open model on one device).
#pragma once

#include <QString>

namespace km::ui {

struct MeasuredLatency {
    QString deviceId;
    double medianMs = 0, p10Ms = 0, p90Ms = 0;  // over the measurement's rounds
    QString takenAtUtc;
};

}  // namespace km::ui
