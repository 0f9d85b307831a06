// SPDX-License-Identifier: Apache-2.0
// Recognises multi-node spellings of one operation and rewrites them to the canonical op:
//   add(x,3) -> relu6 -> div 6 | mul 1/6             => hsigmoid(x)
//   x * hsigmoid(x), mul(x, relu6(x+3)) / 6           => hswish(x)
//   x * sigmoid(x)                                    => swish(x)
//   reshape(N,g,C/g,H,W) -> transpose(0,2,1,3,4) -> reshape(N,C,H,W) => channelshuffle(groups=g)
// and marks squeeze-excitation blocks (gap -> ... -> sigmoid|hsigmoid -> mul with the gap's input)
// with patternGroup "se:<k>". Merged nodes keep every source node's name in sourceNodes.
// Linear in the graph size; deterministic. Spellings of the canonical ops in `keepLiteral`
// ("hswish", "swish", "hsigmoid", "channelshuffle") stay node by node: a runtime that executes
// them that way (docs/fusion.md, "Spellings") must be partitioned on what it runs.
#pragma once

#include <string>
#include <vector>

#include "graph/graph.h"

namespace km {

void recognisePatterns(Graph& graph, const std::vector<std::string>& keepLiteral = {});

}  // namespace km
