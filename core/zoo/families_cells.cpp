// SPDX-License-Identifier: Apache-2.0
// The design-space families: RegNet (X and Y) and the NAS-Bench-201 cell space.
#include <fmt/format.h>
#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "zoo/zoo_draft.h"

namespace km::zoo {

std::string regnet(Draft& d, std::string& description) {
    OnnxBuilder& b = d.b();
    const int64_t r = d.resolution({128, 160, 192, 224, 256, 288});
    const bool y = d.chance(0.5);  // RegNetY: squeeze-excite in every block
    const int64_t groupWidth = d.pick<int64_t>({8, 16, 24, 32, 48});
    // Stage widths grow by a ratio near 2 and are whole numbers of groups, as the quantised
    // linear rule of the RegNet design space gives them (RegNetX-400MF: 32-64-160-384, g 16).
    const double ratio = d.pick({1.8, 2.0, 2.2, 2.5});
    const int64_t w0 = d.pick<int64_t>({24, 32, 48, 64, 80});
    std::array<int64_t, 4> widths{};
    for (size_t s = 0; s < widths.size(); ++s) {
        const double w = double(w0) * std::pow(ratio, double(s));
        const int64_t g = std::min<int64_t>(groupWidth, Draft::divisible(w));
        widths[s] = std::max<int64_t>(g, int64_t(std::lround(w / double(g))) * g);
    }
    const std::array<int, 4> depths{d.uniform(1, 2), d.uniform(1, 5), d.uniform(3, 12), d.uniform(1, 8)};
    description = fmt::format("r{} {} widths {} depths {} group width {}", r, y ? "Y" : "X", fmt::join(widths, "-"), fmt::join(depths, "-"),
                              groupWidth);
    std::string x = b.input("input", {1, 3, r, r});
    x = d.convAct(x, 32, 3, 2, 1, "relu", "stem_");
    for (size_t s = 0; s < 4; ++s)
        for (int i = 0; i < depths[s]; ++i) {
            const std::string p = fmt::format("s{}b{}_", s, i);
            const int64_t w = widths[s], stride = i == 0 ? 2 : 1, in = d.channels(x);
            const int64_t groups = w / std::min(groupWidth, w);
            std::string h = d.convAct(x, w, 1, 1, 1, "relu", p + "a_");
            h = d.convAct(h, w, 3, stride, groups, "relu", p + "b_");
            if (y) h = d.squeezeExcite(h, std::max<int64_t>(1, int64_t(std::lround(0.25 * double(in)))), "relu", "sigmoid", p + "se_");
            h = b.conv(h, w, 1, 1, 1, p + "c_conv");
            const std::string shortcut = stride == 1 && in == w ? x : b.conv(x, w, 1, stride, 1, p + "down_conv");
            x = b.relu(b.add(h, shortcut, p + "add"), p + "relu");
        }
    return d.classifier(x, "head_");
}

// NAS-Bench-201: a cell is a DAG on four nodes; each of the six edges i -> j (i < j) is one of
// none, skip, conv 1x1, conv 3x3 (both relu -> conv -> batch norm, folded) or 3x3 average pool, and
// node j sums its edges. The same cell repeats N times in each of three stages joined by residual
// reduction blocks, after a stride-4 stem.
std::string nasbench201(Draft& d, std::string& description) {
    OnnxBuilder& b = d.b();
    enum Op { None, Skip, Conv1, Conv3, Pool };
    static constexpr std::array<const char*, 5> opNames{"none", "skip", "conv1x1", "conv3x3", "avgpool"};
    const int64_t r = d.resolution({96, 128, 160, 192, 224});
    const int64_t c = d.pick<int64_t>({16, 24, 32});
    const int n = d.pick({3, 5});
    // Edges in the order (0,1) (0,2) (1,2) (0,3) (1,3) (2,3). Drawn again until the output node
    // is reached from the input through edges that are not "none" (otherwise the cell is zero).
    std::array<Op, 6> edges{};
    auto from = [](size_t e) { return e == 0 || e == 1 || e == 3 ? 0 : e == 2 || e == 4 ? 1 : 2; };
    auto to = [](size_t e) { return e == 0 ? 1 : e <= 2 ? 2 : 3; };
    std::array<bool, 4> live{};
    do {
        for (Op& e : edges) e = Op(d.uniform(0, 4));
        live = {true, false, false, false};
        for (size_t e = 0; e < edges.size(); ++e)
            if (edges[e] != None && live[size_t(from(e))]) live[size_t(to(e))] = true;
    } while (!live[3]);
    std::vector<std::string> cellOps;
    for (Op e : edges) cellOps.push_back(opNames[size_t(e)]);
    description = fmt::format("r{} C{} N{} cell {}", r, c, n, fmt::join(cellOps, ","));

    auto cell = [&](const std::string& in, const std::string& p) {
        std::array<std::string, 4> nodes{in, "", "", ""};
        for (size_t j = 1; j < 4; ++j) {
            std::vector<std::string> terms;
            for (size_t e = 0; e < edges.size(); ++e) {
                if (size_t(to(e)) != j || edges[e] == None || !live[size_t(from(e))]) continue;
                const std::string& src = nodes[size_t(from(e))];
                const std::string q = fmt::format("{}e{}{}_", p, from(e), j);
                if (edges[e] == Skip) terms.push_back(src);
                if (edges[e] == Conv1 || edges[e] == Conv3)
                    terms.push_back(b.conv(b.relu(src, q + "relu"), d.channels(src), edges[e] == Conv1 ? 1 : 3, 1, 1, q + "conv"));
                if (edges[e] == Pool) terms.push_back(b.avgPool(src, 3, 1, q + "pool"));
            }
            if (terms.empty()) continue;
            std::string sum = terms[0];
            for (size_t t = 1; t < terms.size(); ++t) sum = b.add(sum, terms[t], fmt::format("{}n{}_add{}", p, j, t));
            nodes[j] = sum;
        }
        return nodes[3];
    };
    std::string x = b.input("input", {1, 3, r, r});
    // The benchmark's cells run on 32 x 32 images; a stride-4 stem (two stride-2 convolutions, as
    // ImageNet versions of cell spaces use) keeps the cells at a comparable 24..56 pixels.
    x = b.conv(b.relu(b.conv(x, c, 3, 2, 1, "stem1_conv"), "stem1_relu"), c, 3, 2, 1, "stem2_conv");
    for (int s = 0; s < 3; ++s) {
        if (s > 0) {  // residual reduction: relu-conv 3x3 s2, relu-conv 3x3, shortcut avg-pool 2 + conv 1x1
            const std::string p = fmt::format("reduce{}_", s);
            const int64_t out = c << s;
            std::string h = b.conv(b.relu(x, p + "a_relu"), out, 3, 2, 1, p + "a_conv");
            h = b.conv(b.relu(h, p + "b_relu"), out, 3, 1, 1, p + "b_conv");
            x = b.add(h, b.conv(b.avgPool(x, 2, 2, p + "short_pool", 0), out, 1, 1, 1, p + "short_conv"), p + "add");
        }
        for (int i = 0; i < n; ++i) x = cell(x, fmt::format("s{}c{}_", s, i));
    }
    return d.classifier(b.relu(x, "head_relu"), "head_");
}

}  // namespace km::zoo
