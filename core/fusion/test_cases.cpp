#include "fusion/test_cases.h"

#include <algorithm>
#include <fmt/format.h>
#include <map>

#include "onnx/onnx_builder.h"

namespace km {
namespace {

// Ops that also run on 2-D activations [1, features] (next to fc).
bool takes2d(const std::string& op) {
    static const std::vector<std::string> ops{"fc", "relu", "relu6", "hswish", "hsigmoid", "sigmoid", "swish", "add", "mul", "softmax"};
    return std::find(ops.begin(), ops.end(), op) != ops.end();
}

std::string shapeText(const std::vector<int64_t>& dims) {
    std::string s;
    for (int64_t d : dims) s += (s.empty() ? "" : "x") + std::to_string(d);
    return s;
}

// Builds one op on `x` with nodes named "<prefix>..."; extra inputs (add/mul/concat operands) and
// extra outputs (split's second half) are added to the model as needed.
std::string applyOp(OnnxBuilder& b, const std::string& op, const std::string& x, const std::string& prefix,
                    std::vector<std::string>& extraOutputs) {
    const auto s = b.shapeOf(x);
    const int64_t c = s.size() >= 2 ? s[1] : 0;
    if (op == "conv") return b.conv(x, c, 3, 1, 1, prefix + "conv");
    if (op == "dwconv") return b.conv(x, c, 3, 1, c, prefix + "dwconv");
    if (op == "gconv") return b.conv(x, c, 3, 1, 4, prefix + "gconv");
    if (op == "convtranspose") return b.convTranspose(x, c, 3, 1, prefix + "convtranspose");
    if (op == "fc") return b.gemm(x, c, prefix + "fc");
    if (op == "add") return b.add(x, b.input(prefix + "other", s), prefix + "add");
    if (op == "mul") return b.mul(x, b.input(prefix + "other", s), prefix + "mul");
    if (op == "bn") return b.batchNorm(x, prefix + "bn");
    if (op == "relu") return b.relu(x, prefix + "relu");
    if (op == "relu6") return b.clip(x, 0, 6, prefix + "relu6");
    if (op == "hswish") return b.unary("HardSwish", x, prefix + "hswish");
    if (op == "hsigmoid") return b.unary("HardSigmoid", x, prefix + "hsigmoid");
    if (op == "sigmoid") return b.unary("Sigmoid", x, prefix + "sigmoid");
    if (op == "swish") return b.swish(x, prefix + "swish");
    if (op == "softmax") return b.unary("Softmax", x, prefix + "softmax");
    if (op == "maxpool") return b.maxPool(x, 3, 1, prefix + "maxpool");
    if (op == "avgpool") return b.avgPool(x, 3, 1, prefix + "avgpool");
    if (op == "gap") return b.globalAveragePool(x, prefix + "gap");
    if (op == "concat") return b.concat({x, b.input(prefix + "other", s)}, prefix + "concat");
    if (op == "split") {
        auto halves = b.split(x, prefix + "split");
        extraOutputs.push_back(halves[1]);
        return halves[0];
    }
    if (op == "channelshuffle") return b.channelShuffle(x, 2, prefix + "channelshuffle");
    if (op == "reshape") return b.reshape(x, {s[0], s[1], s[2] * s[3], 1}, prefix + "reshape");
    if (op == "transpose") return b.transpose(x, {0, 1, 3, 2}, prefix + "transpose");
    if (op == "pad") return b.pad(x, 1, prefix + "pad");
    return b.unary("Unknown_" + op, x, prefix + op);  // finish() reports it
}

// A model of `ops` applied in sequence to an input of `shape`; `seed` makes the bytes unique to a batch.
Result<std::string> chainModel(const std::string& graphName, uint32_t seed, const std::vector<std::string>& ops,
                               const std::vector<int64_t>& shape, std::vector<int64_t>* outShape = nullptr) {
    OnnxBuilder b(graphName, seed, /*opset=*/14);
    std::string x = b.input("x", shape);
    std::vector<std::string> outputs;
    char role = 'p';
    for (const auto& op : ops) x = applyOp(b, op, x, std::string(1, role++) + "_", outputs);
    // Every model ends in the same tail: OpenCV fuses nothing into a layer whose output the caller
    // asked for, and the tail alone is the overhead model, so each model's fixed cost (dispatch,
    // input, output and the tail layer) cancels in T1 + T2 - T0 - T12.
    x = b.reshape(x, b.shapeOf(x), "t_tail");
    outputs.insert(outputs.begin(), x);
    if (outShape) *outShape = b.shapeOf(x);
    return b.finish(outputs);
}

uint32_t seedOf(const std::string& text) {
    uint32_t h = 2166136261u;  // FNV-1a
    for (unsigned char ch : text) h = (h ^ ch) * 16777619u;
    return h;
}

}  // namespace

std::vector<OperatingPoint> defaultOperatingPoints() {
    return {{"hw56_c24", 56, 24}, {"hw28_c96", 28, 96}, {"hw14_c256", 14, 256}};
}

const std::vector<std::string>& testableOps() {
    static const std::vector<std::string> ops{
        "conv", "dwconv", "gconv", "fc", "convtranspose", "add", "mul", "bn", "relu", "relu6", "hswish", "hsigmoid",
        "sigmoid", "swish", "maxpool", "avgpool", "gap", "concat", "split", "channelshuffle", "reshape", "transpose",
        "pad", "softmax"};
    return ops;
}

bool chainable(const std::string& first, const std::string& second) {
    if (first == "fc" || second == "fc") return takes2d(first) && takes2d(second);
    return true;
}

std::vector<std::pair<std::string, std::string>> defaultPairs() {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto& a : testableOps())
        for (const auto& b : testableOps())
            if (chainable(a, b)) pairs.emplace_back(a, b);
    return pairs;
}

Result<std::vector<TestBatch>> makeTestBatches(const std::vector<std::pair<std::string, std::string>>& pairs,
                                               const std::vector<OperatingPoint>& points) {
    std::vector<TestBatch> batches;
    for (const auto& point : points) {
        std::vector<std::string> firsts;
        for (const auto& [a, b] : pairs)
            if (std::find(firsts.begin(), firsts.end(), a) == firsts.end()) firsts.push_back(a);
        for (const auto& first : firsts) {
            TestBatch batch;
            batch.id = point.name + "__" + first;
            batch.point = point;
            const uint32_t seed = seedOf(batch.id);
            std::map<std::string, bool> have;
            auto add = [&](const std::string& key, Result<std::string> bytes) -> Status {
                if (!bytes) return unsupported(fmt::format("fusion test case {} of batch {}: {}", key, batch.id, bytes.error().message));
                if (!have[key]) batch.models.push_back({key, std::move(bytes).value()});
                have[key] = true;
                return Ok{};
            };
            for (const auto& [a, second] : pairs) {
                if (a != first) continue;
                const bool twoD = first == "fc" || second == "fc";
                const std::vector<int64_t> in = twoD ? std::vector<int64_t>{1, point.features()}
                                                     : std::vector<int64_t>{1, point.channels, point.hw, point.hw};
                std::vector<int64_t> mid;
                PairCase c{first, second, "single__" + first + "__" + shapeText(in), "", "block__" + first + "__" + second, ""};
                if (auto s = add(c.firstKey, chainModel(batch.id + "/" + c.firstKey, seed, {first}, in, &mid)); !s) return s.error();
                c.secondKey = "single__" + second + "__" + shapeText(mid);
                c.overheadKey = "overhead__" + shapeText(mid);
                if (auto s = add(c.secondKey, chainModel(batch.id + "/" + c.secondKey, seed, {second}, mid)); !s) return s.error();
                if (auto s = add(c.blockKey, chainModel(batch.id + "/" + c.blockKey, seed, {first, second}, in)); !s) return s.error();
                // The overhead model: the tail alone, at the intermediate shape (the input op2 reads
                // and the output op1 writes are what the block saves besides any fusion).
                if (auto s = add(c.overheadKey, chainModel(batch.id + "/" + c.overheadKey, seed, {}, mid)); !s) return s.error();
                batch.cases.push_back(std::move(c));
            }
            if (!batch.cases.empty()) batches.push_back(std::move(batch));
        }
    }
    return batches;
}

}  // namespace km
