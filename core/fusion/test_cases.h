// SPDX-License-Identifier: Apache-2.0
// Fusion test cases (docs/fusion.md): for an ordered pair (op1, op2) at an operating point, the
// models op1 alone, op2 alone (fed with op1's output shape), the block op1 -> op2, and an overhead
// model. Every model ends in the same tail (a same-shape Reshape, in place in OpenCV), and the
// overhead model is that tail alone: the fixed cost each model pays once. A
// batch holds everything one verdict compares, so all of it is measured in the same rounds of the
// same processes and the saving T1 + T2 - T0 - T12 is paired round by round.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "onnx/onnx_builder.h"

namespace km {

struct OperatingPoint {
    std::string name;  // "hw56_c24"
    int64_t hw = 0;    // H = W of 4-D activations
    int64_t channels = 0;
    // 2-D activations (fc pairs) are [rows, features] with as many values as the 4-D point: with
    // one row (or a quarter of the values) an activation after fc had too little work to measure.
    int64_t features() const { return channels * 4; }
    int64_t rows() const { return std::max<int64_t>(1, hw * hw / 4); }
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

// Builds canonical op `op` on tensor `x` with nodes named "<prefix>...": convolutions 3x3 stride 1
// keeping the channels, add/mul with a second model input, concat with a second operand made by a
// layer, split as a Slice of the first half, and so on (docs/fusion.md, Test cases).
std::string applyCanonicalOp(OnnxBuilder& b, const std::string& op, const std::string& x, const std::string& prefix);

// Chains a -> b -> c whose pair rules alone can mislead (conv -> bn -> relu: OpenCV folds bn into
// the convolution, then fuses relu although bn -> relu alone does not fuse).
std::vector<std::vector<std::string>> defaultChains();
// Producers tested with a second reader of their output (consumer: relu).
std::vector<std::string> defaultMultiOutputProducers();
// Canonical ops with a multi-node spelling the loader merges (hswish as x * HardSigmoid(x), ...).
std::vector<std::string> defaultSpellings();

// What detection measures; the defaults cover everything above.
struct TestPlan {
    std::vector<std::pair<std::string, std::string>> pairs = defaultPairs();
    std::vector<std::vector<std::string>> chains = defaultChains();
    std::vector<std::string> multiOutputProducers = defaultMultiOutputProducers();
    std::vector<std::string> spellings = defaultSpellings();
    std::string batchSuffix;  // appended to batch ids ("__retry"): new ids, new model bytes
};

struct TestModel {
    std::string key;    // unique file stem within a batch, e.g. "block__conv__relu"
    std::string bytes;  // ONNX
};

enum class CaseKind { Pair, Chain, MultiOutput };

// saving = T(head) + T(last op alone) - T(overhead) - T(block). Node names in the models carry
// the op's role: "p_" (op1 / a), "q_" (op2 / b), "r_" (c), "t_" (the tail and a second reader).
struct FusionCase {
    CaseKind kind = CaseKind::Pair;
    std::vector<std::string> ops;                         // pair and multi-output: {op1, op2}; chain: {a, b, c}
    std::string headKey, lastKey, blockKey, overheadKey;  // TestModel keys within the batch
};

// A spelled op beside the runtime's native op (where ONNX has one) and the overhead model.
struct SpellingCase {
    std::string op, spelling;
    std::string spelledKey, nativeKey, overheadKey;  // nativeKey empty: no single ONNX op
};

struct TestBatch {
    std::string id;  // "hw56_c24__conv": the point and the first op ("__spellings" for spellings)
    OperatingPoint point;
    std::vector<TestModel> models;
    std::vector<FusionCase> cases;
    std::vector<SpellingCase> spellings;
};

// One batch per (point, first op) holding its pairs, chains and multi-output cases, and one per
// point for the spellings. Model bytes depend on the batch id, so a model measured in one batch is
// never taken for another batch's (verdicts pair rounds within a batch). Errors name the op and point.
Result<std::vector<TestBatch>> makeTestBatches(const TestPlan& plan, const std::vector<OperatingPoint>& points);

}  // namespace km
