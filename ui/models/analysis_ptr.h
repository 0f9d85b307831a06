// SPDX-License-Identifier: GPL-3.0-or-later
// The analysis every view of the main window shows: immutable and shared between threads.
#pragma once

#include <memory>

#include "workflows/analyze_model.h"

namespace km::ui {
using AnalysisPtr = std::shared_ptr<const km::ModelAnalysis>;
}  // namespace km::ui
