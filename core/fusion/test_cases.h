// Fusion test cases (docs/fusion.md): for an ordered pair (op1, op2) at an operating point, the
// models op1 alone, op2 alone (fed with op1's output shape), the block op1 -> op2, and an overhead
// model. Every model ends in the same tail (a same-shape Reshape, in place in OpenCV), and the
// overhead model is that tail alone: the fixed cost each model pays once. A
// batch holds everything one verdict compares, so all of it is measured in the same rounds of the
// same processes and the saving T1 + T2 - T0 - T12 is paired round by round.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace km {

struct OperatingPoint {
    std::string name;  // "hw56_c24"
    int64_t hw = 0;    // H = W of 4-D activations
    int64_t channels = 0;
    int64_t features() const { return channels * 4; }  // width of 2-D activations (fc pairs)
};

// Small (56x56, 24 channels), middle (28x28, 96) and large-channel (14x14, 256) points.
std::vector<OperatingPoint> defaultOperatingPoints();

// Canonical op types the generator can build, in the order detection visits them (compute ops
// first, so a cut budget leaves the rules that matter most).
const std::vector<std::string>& testableOps();
// Whether op2 can consume op1's output in a test case (same rank; fc only next to 2-D ops).
bool chainable(const std::string& first, const std::string& second);
// Every chainable ordered pair of testableOps().
std::vector<std::pair<std::string, std::string>> defaultPairs();

struct TestModel {
    std::string key;    // unique file stem within a batch, e.g. "block__conv__relu"
    std::string bytes;  // ONNX
};

struct PairCase {
    std::string first, second;
    std::string firstKey, secondKey, blockKey, overheadKey;  // TestModel keys within the batch
};

struct TestBatch {
    std::string id;      // "hw56_c24__conv": the point and the first op
    OperatingPoint point;
    std::vector<TestModel> models;
    std::vector<PairCase> cases;
};

// One batch per (point, first op) holding its pairs. Model bytes depend on the batch id, so a
// model measured in one batch is never taken for another batch's (verdicts pair rounds within a
// batch). Errors name the op and point.
Result<std::vector<TestBatch>> makeTestBatches(const std::vector<std::pair<std::string, std::string>>& pairs,
                                               const std::vector<OperatingPoint>& points);

}  // namespace km
