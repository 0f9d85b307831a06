// Recognises multi-node spellings of one operation and rewrites them to the canonical op:
//   add(x,3) -> relu6 -> div 6 | mul 1/6             => hsigmoid(x)
//   x * hsigmoid(x), mul(x, relu6(x+3)) / 6           => hswish(x)
//   x * sigmoid(x)                                    => swish(x)
//   reshape(N,g,C/g,H,W) -> transpose(0,2,1,3,4) -> reshape(N,C,H,W) => channelshuffle(groups=g)
// and marks squeeze-excitation blocks (gap -> ... -> sigmoid|hsigmoid -> mul with the gap's input)
// with patternGroup "se:<k>". Merged nodes keep every source node's name in sourceNodes.
// Linear in the graph size; deterministic.
#pragma once

#include "graph/graph.h"

namespace km {

void recognisePatterns(Graph& graph);

}  // namespace km
