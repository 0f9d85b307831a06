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
    // Where a stored measurement was taken when that is not the machine the device has now (CPU,
    // cores, runtime version: "AMD EPYC (family 25) (2 cores), opencv-dnn 4.5.0"); empty when it is,
    // or when nothing tells (an imported time, a device never reached).
    QString takenElsewhere;
    // When the machine ran more than 10% slower or faster during this measurement than during the
    // device's earlier ones on the same machine (the reference workload's times; workflows/
    // measure_models.h, storedPhaseWarning): that sentence, which the measured time carries.
    QString machinePhase;
    // The measurement's ratio to the reference workload of the same rounds (0: none) and the CPU it
    // ran on: with a predictor's reference time, its time at the predictor's machine speed
    // (workflows/evaluation_data.h, atPredictorSpeedMs).
    double referenceRatio = 0;
    QString cpuModel;
    // A measurement taken now whose median is no stable time (its rounds spread more than half of
    // it, or too few met the machine at its fast level: workflows/measure_models.h,
    // unsteadyWarning): that sentence; empty otherwise.
    QString unsteady;
};

}  // namespace km::ui
