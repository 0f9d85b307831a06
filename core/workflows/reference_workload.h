// SPDX-License-Identifier: Apache-2.0
// The reference workload: a small fixed network measured in every round of every measurement
// process next to the models, so that each model's time can also be given relative to it
// (docs/measurement.md, "Reference workload"). Its architecture and weights are part of the
// reference's identity: change them and bump kReferenceWorkloadId, since stored ratios and
// baselines are only comparable under the same id.
#pragma once

#include "backends/measurement.h"
#include "common/result.h"

namespace km {

inline constexpr const char* kReferenceWorkloadId = "ref-convnet-v1";

// The reference as ONNX (opset 13): 1x24x32x32 -> conv3x3 48 + relu -> dwconv3x3 + relu ->
// conv1x1 48 + residual add -> global average pool -> fc 10. 13,418,976 MACs: around 1 ms on one
// core, a mix of dense, depthwise, element-wise and memory-bound work, runnable by every runtime.
Result<ModelInput> referenceWorkload();

}  // namespace km
