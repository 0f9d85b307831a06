// SPDX-License-Identifier: Apache-2.0
#include "workflows/reference_workload.h"

#include "onnx/onnx_builder.h"

namespace km {

Result<ModelInput> referenceWorkload() {
    OnnxBuilder b(kReferenceWorkloadId, /*seed=*/20261122);
    const std::string x = b.input("input", {1, 24, 32, 32});
    const std::string c1 = b.relu(b.conv(x, 48, 3, 1, 1, "ref_conv"), "ref_relu");
    const std::string dw = b.relu(b.conv(c1, 48, 3, 1, 48, "ref_dwconv"), "ref_dwrelu");
    const std::string pw = b.conv(dw, 48, 1, 1, 1, "ref_pwconv");
    const std::string sum = b.add(pw, c1, "ref_add");
    const std::string fc = b.gemm(b.flatten(b.globalAveragePool(sum, "ref_gap"), "ref_flatten"), 10, "ref_fc");
    Result<std::string> bytes = b.finish({fc});
    if (!bytes) return bytes.error();
    ModelInput m;
    m.name = kReferenceWorkloadId;
    m.bytes = std::move(bytes).value();
    m.inputs.push_back({"input", {1, 24, 32, 32}});
    return m;
}

}  // namespace km
