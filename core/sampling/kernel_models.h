// SPDX-License-Identifier: Apache-2.0
// ONNX models of kernel configurations, measured to train the kernel regressors. The root op
// takes the spec's parameters; the other ops of the type follow as in the fusion test cases
// (fusion/test_cases.h), and every model ends in the same in-place tail so that the runtime fuses
// the kernel as it would inside a network (OpenCV fuses nothing into a requested output).
#pragma once

#include <string>

#include "common/result.h"
#include "sampling/kernel_spec.h"

namespace km {

// The kernel alone, nodes named "k<i>_..." in type order, then the tail "t_tail".
Result<std::string> buildKernelModel(const KernelSpec& spec, uint32_t seed);
// The same graph for analysis only (its kernel, shapes and FLOPs; specKernel): large weights
// without values (OnnxBuilder::leaveOutLargeWeightValues), so that describing thousands of
// training kernels does not generate gigabytes of weights. Not for running.
Result<std::string> buildKernelModelForAnalysis(const KernelSpec& spec);

// The tail alone on the kernel's first input: each kernel model's fixed cost (dispatch, input,
// output), subtracted round by round so kernel times add up to a model's.
Result<std::string> buildKernelOverheadModel(const KernelSpec& spec, uint32_t seed);

}  // namespace km
