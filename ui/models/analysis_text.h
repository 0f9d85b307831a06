// SPDX-License-Identifier: GPL-3.0-or-later
// The texts that describe an analysis (the summary column, the selected kernel, device status),
// as small HTML fragments shared by the main window and the PDF report.
#pragma once

#include <QString>
#include <QStringList>
#include <map>

#include "ui/models/measured_latency.h"

#include "workflows/analyze_model.h"
#include "workflows/evaluation_data.h"

namespace km::ui {

// Model name, format, size, and per device the predicted total with its interval (and the
// measured latency with the prediction's error, where `measured` has the device), or the short
// reason there is none. `deviceHints` receives the full reasons with the fixing commands (for a
// tooltip).
QString summaryHtml(const ModelAnalysis& analysis, QString* deviceHints = nullptr, const std::map<QString, MeasuredLatency>& measured = {});

// One kernel of device `kernelDevice`: type, nodes, shapes, key attributes, FLOPs, and what each
// device predicts for the ops of that kernel.
QString kernelHtml(const ModelAnalysis& analysis, int kernelDevice, int kernelId);

// "built 2026-11-22 on AMD EPYC ... (xnnpack 0.0~git...)" or the reason there is no predictor.
QString provenanceText(const DeviceAnalysis& device);
// When the device is not the machine its predictor was built on: what differs and what to do;
// empty otherwise (also when that is unknown).
QString hostMismatchText(const DeviceAnalysis& device);
// The same in a few words for beside the number (the summary): for another machine, what differs
// and the two ways with their durations, pointing at the Predictor tab, which offers both and
// gives the commands; else hostMismatchText.
QString hostMismatchBrief(const DeviceAnalysis& device);
// When `measured` was taken at a machine speed more than 10% from the one the device's predictor
// predicts at (its reference times; same CPU only): by how much, and the prediction's error at the
// predictor's speed (as evaluate --at-reference-speed scores it); empty otherwise.
QString speedGapText(const DeviceAnalysis& device, const MeasuredLatency& measured);
// What the machine's speed says of `measured` beside the device's prediction: its phase against
// the device's earlier measurements (MeasuredLatency::machinePhase) and speedGapText. When the
// prediction is carried to the machine's usual speed the phase note is left out: speedGapText
// then compares against that same usual speed, which the phase note's earlier measurements alone
// can put elsewhere (two "usual" times side by side).
QStringList measuredSpeedNotes(const DeviceAnalysis& device, const MeasuredLatency& measured);
// How an adapted predictor was made (its source, networks and fit); empty for a built one.
QString adaptationText(const PredictorSet& predictor);

// How often the predictions' intervals held the measured times of `data` ("intervals held 91% of
// them, a median 0.89 to 1.17 times the prediction"); empty without a model with an interval.
QString intervalCoverageText(const DatasetPredictions& data);

// The first clause of a device error ("no fusion rules", "no predictor").
QString shortReason(const DeviceAnalysis& device);

}  // namespace km::ui
