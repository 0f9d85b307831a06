// SPDX-License-Identifier: Apache-2.0
#include "fusion/test_cases.h"

#include <fmt/format.h>
#include <algorithm>
#include <map>

#include "onnx/onnx_builder.h"

namespace km {

std::string applyCanonicalOp(OnnxBuilder& b, const std::string& op, const std::string& x, const std::string& prefix) {
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
    // The second operand is made by a layer, as in real networks: OpenCV then writes both producers'
    // outputs straight into the concatenation (the concat itself does nothing), which it cannot do
    // for a model input.
    if (op == "concat") return b.concat({x, b.relu(b.input(prefix + "other", s), prefix + "other_relu")}, prefix + "concat");
    if (op == "split") return b.sliceChannels(x, 0, c / 2, prefix + "split");  // one half, as exporters spell chunk
    if (op == "channelshuffle") return b.channelShuffle(x, 2, prefix + "channelshuffle");
    if (op == "reshape") return b.reshape(x, {s[0], s[1], s[2] * s[3], 1}, prefix + "reshape");
    if (op == "transpose") return b.transpose(x, {0, 1, 3, 2}, prefix + "transpose");
    if (op == "pad") return b.pad(x, 1, prefix + "pad");
    if (op == "flatten") return b.flatten(x, prefix + "flatten");  // kernel models only (not a tested pair op)
    return b.unary("Unknown_" + op, x, prefix + op);               // finish() reports it
}

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

// A model of `ops` applied in sequence to an input of `shape` (roles p_, q_, r_); `seed` makes the
// bytes unique to a batch. With `secondReader`, the first op's output is also read by another
// layer (an in-place reshape to an extra model output named "t_extra").
Result<std::string> chainModel(const std::string& graphName, uint32_t seed, const std::vector<std::string>& ops,
                               const std::vector<int64_t>& shape, std::vector<int64_t>* outShape = nullptr, bool secondReader = false) {
    OnnxBuilder b(graphName, seed, /*opset=*/14);
    std::string x = b.input("x", shape);
    std::vector<std::string> outputs;
    char role = 'p';
    for (size_t i = 0; i < ops.size(); ++i) {
        x = applyCanonicalOp(b, ops[i], x, std::string(1, role++) + "_");
        if (i == 0 && secondReader) outputs.push_back(b.reshape(x, b.shapeOf(x), "t_extra"));
    }
    // Every model ends in the same tail: OpenCV fuses nothing into a layer whose output the caller
    // asked for, and the tail alone is the overhead model, so each model's fixed cost (dispatch,
    // input, output and the tail layer) cancels in T1 + T2 - T0 - T12.
    x = b.reshape(x, b.shapeOf(x), "t_tail");
    outputs.insert(outputs.begin(), x);
    if (outShape) *outShape = b.shapeOf(x);
    return b.finish(outputs);
}

// A spelled op on an input of `shape`, nodes named "s_...", then the tail.
Result<std::string> spelledModel(const std::string& graphName, uint32_t seed, const std::string& op, const std::vector<int64_t>& shape,
                                 std::string* spelling) {
    OnnxBuilder b(graphName, seed, /*opset=*/14);
    std::string x = b.input("x", shape);
    if (op == "hswish") {
        *spelling = "x * HardSigmoid(x)";
        x = b.mul(x, b.unary("HardSigmoid", x, "s_hsigmoid"), "s_mul");
    } else if (op == "hsigmoid") {
        *spelling = "Clip(x + 3, 0, 6) / 6";
        x = b.withScalar("Div", b.clip(b.withScalar("Add", x, 3, "s_add"), 0, 6, "s_relu6"), 6, "s_div");
    } else if (op == "swish") {
        *spelling = "x * Sigmoid(x)";
        x = b.swish(x, "s_swish");
    } else if (op == "channelshuffle") {
        *spelling = "Reshape -> Transpose -> Reshape";
        x = b.channelShuffle(x, 2, "s_channelshuffle");
    } else {
        return unsupported(fmt::format("no spelling of '{}' to test.", op));
    }
    return b.finish({b.reshape(x, b.shapeOf(x), "t_tail")});
}

// The runtime's own op for a spelling, where ONNX has one.
std::string nativeOpOf(const std::string& op) {
    if (op == "hswish") return "HardSwish";
    if (op == "hsigmoid") return "HardSigmoid";
    return "";
}

uint32_t seedOf(const std::string& text) {
    uint32_t h = 2166136261u;  // FNV-1a
    for (unsigned char ch : text) h = (h ^ ch) * 16777619u;
    return h;
}

}  // namespace

std::vector<OperatingPoint> defaultOperatingPoints() { return {{"hw56_c24", 56, 24}, {"hw28_c96", 28, 96}, {"hw14_c256", 14, 256}}; }

const std::vector<std::string>& testableOps() {
    static const std::vector<std::string> ops{
        "conv",  "dwconv",         "gconv",    "fc",        "convtranspose", "add",     "mul",     "bn",  "relu",
        "relu6", "hswish",         "hsigmoid", "sigmoid",   "swish",         "maxpool", "avgpool", "gap", "concat",
        "split", "channelshuffle", "reshape",  "transpose", "pad",           "softmax"};
    return ops;
}

bool chainable(const std::string& first, const std::string& second) {
    if (first == "fc" || second == "fc") return takes2d(first) && takes2d(second);
    return true;
}

std::vector<std::vector<std::string>> defaultChains() {
    std::vector<std::vector<std::string>> chains;
    for (const char* x : {"conv", "dwconv", "gconv", "convtranspose"})
        for (const char* act : {"relu", "relu6", "hswish", "hsigmoid", "sigmoid"}) chains.push_back({x, "bn", act});
    for (const char* x : {"conv", "dwconv"}) chains.push_back({x, "bn", "add"});
    for (const char* x : {"conv", "dwconv", "gconv"})
        for (const char* act : {"relu", "relu6"}) chains.push_back({x, "add", act});
    for (const char* act : {"relu", "relu6"})
        for (const char* y : {"conv", "dwconv"}) chains.push_back({"add", act, y});
    for (const char* x : {"conv", "dwconv"})
        for (const char* act : {"relu", "relu6"}) chains.push_back({x, act, "add"});
    return chains;
}

std::vector<std::string> defaultMultiOutputProducers() { return {"conv", "dwconv", "gconv", "fc", "add", "mul", "bn"}; }

std::vector<std::string> defaultSpellings() { return {"hswish", "hsigmoid", "swish", "channelshuffle"}; }

std::vector<std::pair<std::string, std::string>> defaultPairs() {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto& a : testableOps())
        for (const auto& b : testableOps())
            if (chainable(a, b)) pairs.emplace_back(a, b);
    return pairs;
}

namespace {

bool isTwoD(const std::vector<std::string>& ops) { return std::find(ops.begin(), ops.end(), "fc") != ops.end(); }

std::vector<int64_t> inputShape(const OperatingPoint& p, bool twoD) {
    return twoD ? std::vector<int64_t>{p.rows(), p.features()} : std::vector<int64_t>{1, p.channels, p.hw, p.hw};
}

std::string joinedOps(const std::vector<std::string>& ops) {
    std::string s;
    for (const auto& op : ops) s += (s.empty() ? "" : "__") + op;
    return s;
}

class BatchBuilder {
public:
    explicit BatchBuilder(TestBatch& batch) : m_batch(batch), m_seed(seedOf(batch.id)) {}

    // Adds the model of `ops` under `key` once; returns its output shape.
    Result<std::vector<int64_t>> model(const std::string& key, const std::vector<std::string>& ops, const std::vector<int64_t>& in,
                                       bool secondReader = false) {
        if (auto it = m_out.find(key); it != m_out.end()) return it->second;
        std::vector<int64_t> out;
        Result<std::string> bytes = chainModel(m_batch.id + "/" + key, m_seed, ops, in, &out, secondReader);
        if (!bytes) return unsupported(fmt::format("fusion test case {} of batch {}: {}", key, m_batch.id, bytes.error().message));
        m_batch.models.push_back({key, std::move(bytes).value()});
        return m_out[key] = out;
    }

    // head -> last op, as a pair, chain or multi-output case.
    Status fusionCase(CaseKind kind, const std::vector<std::string>& ops) {
        const auto in = inputShape(m_batch.point, isTwoD(ops));
        const std::vector<std::string> head(ops.begin(), ops.end() - 1);
        const bool reader = kind == CaseKind::MultiOutput;
        const std::string tag = reader ? "shared__" : "";
        FusionCase c{kind, ops, "", "", "", ""};
        c.headKey = (head.size() == 1 ? "single__" : "block__") + tag + joinedOps(head) + "__" + shapeText(in);
        auto mid = model(c.headKey, head, in, reader);
        if (!mid) return mid.error();
        c.lastKey = "single__" + ops.back() + "__" + shapeText(mid.value());
        if (auto r = model(c.lastKey, {ops.back()}, mid.value()); !r) return r.error();
        c.blockKey = "block__" + tag + joinedOps(ops) + "__" + shapeText(in);
        if (auto r = model(c.blockKey, ops, in, reader); !r) return r.error();
        // The overhead model: the tail alone at the intermediate shape (the input the last op reads
        // and the output the head writes are what the block saves besides any fusion).
        c.overheadKey = "overhead__" + shapeText(mid.value());
        if (auto r = model(c.overheadKey, {}, mid.value()); !r) return r.error();
        m_batch.cases.push_back(std::move(c));
        return Ok{};
    }

    Status spelling(const std::string& op) {
        const auto in = inputShape(m_batch.point, false);
        SpellingCase c{op, "", "spelled__" + op + "__" + shapeText(in), "", "overhead__" + shapeText(in)};
        Result<std::string> bytes = spelledModel(m_batch.id + "/" + c.spelledKey, m_seed, op, in, &c.spelling);
        if (!bytes) return unsupported(fmt::format("spelling test of {} in batch {}: {}", op, m_batch.id, bytes.error().message));
        m_batch.models.push_back({c.spelledKey, std::move(bytes).value()});
        if (const std::string native = nativeOpOf(op); !native.empty()) {
            c.nativeKey = "single__" + op + "__" + shapeText(in);
            if (auto r = model(c.nativeKey, {op}, in); !r) return r.error();
        }
        if (auto r = model(c.overheadKey, {}, in); !r) return r.error();
        m_batch.spellings.push_back(std::move(c));
        return Ok{};
    }

private:
    TestBatch& m_batch;
    uint32_t m_seed;
    std::map<std::string, std::vector<int64_t>> m_out;
};

}  // namespace

Result<std::vector<TestBatch>> makeTestBatches(const TestPlan& plan, const std::vector<OperatingPoint>& points) {
    std::vector<TestBatch> batches;
    for (const auto& point : points) {
        std::vector<std::string> firsts;
        auto note = [&](const std::string& op) {
            if (std::find(firsts.begin(), firsts.end(), op) == firsts.end()) firsts.push_back(op);
        };
        for (const auto& [a, b] : plan.pairs) note(a);
        for (const auto& chain : plan.chains) note(chain.at(0));
        for (const auto& p : plan.multiOutputProducers) note(p);
        for (const auto& first : firsts) {
            TestBatch batch;
            batch.id = point.name + "__" + first + plan.batchSuffix;
            batch.point = point;
            BatchBuilder builder(batch);
            for (const auto& [a, b] : plan.pairs)
                if (a == first)
                    if (auto s = builder.fusionCase(CaseKind::Pair, {a, b}); !s) return s.error();
            for (const auto& chain : plan.chains) {
                if (chain.size() != 3) return badInput(fmt::format("fusion test chain of {} ops: chains have three.", chain.size()));
                if (chain[0] == first)
                    if (auto s = builder.fusionCase(CaseKind::Chain, chain); !s) return s.error();
            }
            for (const auto& p : plan.multiOutputProducers)
                if (p == first)
                    if (auto s = builder.fusionCase(CaseKind::MultiOutput, {p, "relu"}); !s) return s.error();
            if (!batch.cases.empty()) batches.push_back(std::move(batch));
        }
        if (!plan.spellings.empty()) {
            TestBatch batch;
            batch.id = point.name + "__spellings" + plan.batchSuffix;
            batch.point = point;
            BatchBuilder builder(batch);
            for (const auto& op : plan.spellings)
                if (auto s = builder.spelling(op); !s) return s.error();
            batches.push_back(std::move(batch));
        }
    }
    return batches;
}

}  // namespace km
