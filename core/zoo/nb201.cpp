// SPDX-License-Identifier: Apache-2.0
// NAS-Bench-201 networks from their arch strings, as the benchmark defines them (docs/zoo.md):
// every edge is computed and summed into its node, `none` as x * 0, as the benchmark's PyTorch
// cell does.
// CIFAR setting, C = 16, N = 5 cells per stage, 32 x 32 input, residual reduction blocks,
// ReLU-Conv-BN edges, 10 classes. Batch norms after convolutions are folded into them, as
// everywhere in the zoo; the one before the head follows an addition and stays.
#include <fmt/format.h>
#include <array>
#include <string>
#include <vector>

#include "zoo/zoo.h"
#include "zoo/zoo_draft.h"

namespace km {
namespace {

constexpr std::array<std::string_view, 5> kNb201Ops{"none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"};

std::vector<std::string_view> splitOn(std::string_view s, char c) {
    std::vector<std::string_view> out;
    size_t start = 0;
    for (size_t i = 0; i <= s.size(); ++i)
        if (i == s.size() || s[i] == c) {
            out.push_back(s.substr(start, i - start));
            start = i + 1;
        }
    return out;
}

}  // namespace

Result<Nb201Cell> parseNb201Arch(std::string_view arch) {
    auto bad = [&](const std::string& why) {
        return badInput(
            fmt::format("NAS-Bench-201 arch string '{}': {} (expected |op~0|+|op~0|op~1|+|op~0|op~1|op~2| with op one "
                        "of none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3).",
                        arch, why));
    };
    const std::vector<std::string_view> nodes = splitOn(arch, '+');
    if (nodes.size() != 3) return bad(fmt::format("{} nodes instead of 3", nodes.size()));
    Nb201Cell cell;
    size_t edge = 0;
    for (size_t j = 0; j < 3; ++j) {
        std::string_view n = nodes[j];
        if (n.size() < 2 || n.front() != '|' || n.back() != '|') return bad(fmt::format("node {} is not enclosed in '|'", j + 1));
        const std::vector<std::string_view> edges = splitOn(n.substr(1, n.size() - 2), '|');
        if (edges.size() != j + 1) return bad(fmt::format("node {} has {} inputs instead of {}", j + 1, edges.size(), j + 1));
        for (size_t i = 0; i <= j; ++i) {
            const std::string_view e = edges[i];
            const size_t tilde = e.find('~');
            if (tilde == std::string_view::npos || e.substr(tilde + 1) != std::to_string(i))
                return bad(fmt::format("input {} of node {} is '{}', not OP~{}", i + 1, j + 1, e, i));
            const std::string_view op = e.substr(0, tilde);
            size_t k = 0;
            while (k < kNb201Ops.size() && kNb201Ops[k] != op) ++k;
            if (k == kNb201Ops.size()) return bad(fmt::format("unknown operation '{}'", op));
            cell.edges[edge++] = Nb201Op(k);
        }
    }
    return cell;
}

bool Nb201Cell::computesZeros() const {
    static constexpr std::array<size_t, 6> from{0, 0, 1, 0, 1, 2}, to{1, 2, 2, 3, 3, 3};
    std::array<bool, 4> live{true, false, false, false};
    for (size_t e = 0; e < 6; ++e)
        if (edges[e] != Nb201Op::None && live[from[e]]) live[to[e]] = true;
    return !live[3];
}

std::string Nb201Cell::arch() const {
    std::string out;
    size_t edge = 0;
    for (size_t j = 0; j < 3; ++j) {
        out += j ? "+|" : "|";
        for (size_t i = 0; i <= j; ++i) out += fmt::format("{}~{}|", kNb201Ops[size_t(edges[edge++])], i);
    }
    return out;
}

Result<ZooModel> generateNb201Model(std::string_view arch, ModelBytes bytes) {
    Result<Nb201Cell> parsed = parseNb201Arch(arch);
    if (!parsed) return parsed.error();
    const Nb201Cell cell = parsed.value();
    ZooOptions options;
    options.classes = 10;
    zoo::Draft d("nb201", 0, options);
    OnnxBuilder& b = d.b();
    if (bytes == ModelBytes::AnalysisOnly) b.leaveOutLargeWeightValues();
    // Edge e runs from node fromOf[e] to node toOf[e] (the arch string's order).
    static constexpr std::array<size_t, 6> fromOf{0, 0, 1, 0, 1, 2}, toOf{1, 2, 2, 3, 3, 3};
    auto runCell = [&](const std::string& in, const std::string& p) {
        std::array<std::string, 4> nodes{in, "", "", ""};
        for (size_t j = 1; j < 4; ++j) {
            std::vector<std::string> terms;
            for (size_t e = 0; e < 6; ++e) {
                if (toOf[e] != j) continue;
                const std::string& src = nodes[fromOf[e]];
                const std::string q = fmt::format("{}e{}{}_", p, fromOf[e], j);
                switch (cell.edges[e]) {
                // `none` is the benchmark's Zero operation, x * 0, summed like every other edge: the
                // devices of its measured tables that run every edge pay for it (docs/adapt.md).
                case Nb201Op::None: terms.push_back(b.withScalar("Mul", src, 0.0f, q + "zero")); break;
                case Nb201Op::Skip: terms.push_back(src); break;
                case Nb201Op::Conv1x1:
                case Nb201Op::Conv3x3:
                    terms.push_back(
                        b.conv(b.relu(src, q + "relu"), d.channels(src), cell.edges[e] == Nb201Op::Conv1x1 ? 1 : 3, 1, 1, q + "conv"));
                    break;
                case Nb201Op::AvgPool3x3: terms.push_back(b.avgPool(src, 3, 1, q + "pool")); break;
                }
            }
            std::string sum = terms[0];
            for (size_t t = 1; t < terms.size(); ++t) sum = b.add(sum, terms[t], fmt::format("{}n{}_add{}", p, j, t));
            nodes[j] = sum;
        }
        return nodes[3];
    };
    constexpr int64_t kChannels = 16;
    constexpr int kCellsPerStage = 5;
    std::string x = b.input("input", {1, 3, 32, 32});
    x = b.conv(x, kChannels, 3, 1, 1, "stem_conv");
    for (int s = 0; s < 3; ++s) {
        if (s > 0) {  // ResNet basic block, stride 2: relu-conv-bn twice, shortcut avg-pool 2x2 s2 + conv 1x1
            const std::string p = fmt::format("reduce{}_", s);
            const int64_t out = kChannels << s;
            std::string h = b.conv(b.relu(x, p + "a_relu"), out, 3, 2, 1, p + "a_conv");
            h = b.conv(b.relu(h, p + "b_relu"), out, 3, 1, 1, p + "b_conv");
            x = b.add(b.conv(b.avgPool(x, 2, 2, p + "short_pool", 0), out, 1, 1, 1, p + "short_conv"), h, p + "add");
        }
        for (int i = 0; i < kCellsPerStage; ++i) x = runCell(x, fmt::format("s{}c{}_", s, i));
    }
    x = b.relu(b.batchNorm(x, "head_bn"), "head_relu");
    const std::string output = d.classifier(x, "head_");
    b.setDocString("NAS-Bench-201 " + cell.arch());
    ZooModel model;
    model.family = "nb201";
    model.name = "nb201";
    model.description = cell.arch();
    model.resolution = 32;
    Result<std::string> written = b.finish({output});
    if (!written) return internalError(fmt::format("NAS-Bench-201 {}: {}", model.description, written.error().message));
    model.bytes = std::move(written).value();
    return model;
}

}  // namespace km
