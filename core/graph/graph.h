// SPDX-License-Identifier: Apache-2.0
// Graph: the model as KernelMeter sees it after import: canonical op types, NCHW shapes, every
// tensor's shape known (or explicitly unknown), nodes in a topological order. Value type: cheap to
// move, safe to share read-only between threads once built.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "graph/attribute.h"
#include "graph/tensor_shape.h"

namespace km {

struct Tensor {
    std::string name;
    TensorShape shape;
    DType dtype = DType::Float;
    bool isConstant = false;  // weights, folded constants; not an activation
    // Values of small constants (at most kMaxKeptValues elements) for pattern matching; else empty.
    std::vector<double> values;
    static constexpr size_t kMaxKeptValues = 16;
};

struct Node {
    std::string name;                  // unique; the source node's name (generated when the file had none)
    std::string opType;                // canonical type: conv, dwconv, ..., or "other:<SourceOp>"
    std::string sourceOp;              // the op as spelled in the file (Conv, Conv2D, Clip, ...)
    std::vector<std::string> inputs;   // tensor names, activations first, then weights
    std::vector<std::string> outputs;  // tensor names
    Attributes attrs;
    // Names of the file's nodes this node stands for (more than one when a pattern such as
    // add/clip/div/mul was recognised as hswish). Always contains at least the node itself.
    std::vector<std::string> sourceNodes;
    // Pattern group this node belongs to, e.g. "se:2" for the third squeeze-excitation block.
    std::string patternGroup;
};

struct GraphInfo {
    std::string sourcePath;  // file it came from
    std::string format;      // "onnx" or "nnmeter-ir"
    std::string producer;    // e.g. "pytorch 1.13.0"
    int64_t opset = 0;       // default-domain opset (0 for nn-Meter IR)
    int64_t irVersion = 0;
};

// A node's tensors resolved once (reindex), so that passes over every node (partitioning, metrics)
// follow pointers instead of hashing tensor names. Aligned with Node::inputs / Node::outputs.
struct NodeLinks {
    std::vector<const Tensor*> inputs;   // nullptr: no such tensor (an optional input left empty)
    std::vector<int32_t> producers;      // per input: index of the node producing it, or -1
    std::vector<uint32_t> inputReaders;  // per input: how many nodes read it
    std::vector<const Tensor*> outputs;
};

class Graph {
public:
    Graph() = default;
    Graph(const Graph& other);  // the links point into each graph's own tensors
    Graph& operator=(const Graph& other);
    Graph(Graph&&) noexcept = default;  // moving keeps the tensors' addresses
    Graph& operator=(Graph&&) noexcept = default;

    GraphInfo info;
    std::vector<std::string> inputs;  // activation inputs of the model
    std::vector<std::string> outputs;
    std::vector<std::string> warnings;  // things the user should know (assumptions, fixes made)

    // Nodes, always in a valid topological order after import.
    const std::vector<Node>& nodes() const { return m_nodes; }
    std::vector<Node>& mutableNodes() { return m_nodes; }
    void setNodes(std::vector<Node> nodes);

    const Tensor* tensor(const std::string& name) const;
    Tensor* mutableTensor(const std::string& name);
    Tensor& addTensor(Tensor t);  // replaces an existing tensor of the same name (links stay right)
    const std::unordered_map<std::string, Tensor>& tensors() const { return m_tensors; }

    // Activation (non-constant) inputs of a node, in order.
    std::vector<const Tensor*> activationInputs(const Node& node) const;
    const Tensor* firstActivationInput(const Node& node) const;
    const Tensor* firstOutput(const Node& node) const;

    // Index of the node producing a tensor; nullopt for graph inputs and constants.
    std::optional<size_t> producerOf(const std::string& tensor) const;
    // Indices of nodes reading a tensor, in node order.
    const std::vector<size_t>& consumersOf(const std::string& tensor) const;
    std::optional<size_t> indexOf(const std::string& nodeName) const;

    // The tensors of node `index` resolved (valid until the nodes are edited; reindex() renews them).
    const NodeLinks& links(size_t index) const { return m_links[index]; }
    // The first input that is not a constant, and the first output; nullptr when there is none.
    const Tensor* firstActivationInput(size_t index) const;
    const Tensor* firstOutput(size_t index) const;

    // Rebuilds the producer/consumer indices and the links; call after editing nodes through
    // mutableNodes().
    void reindex();

private:
    std::vector<Node> m_nodes;
    std::unordered_map<std::string, Tensor> m_tensors;
    std::unordered_map<std::string, size_t> m_producer;
    std::unordered_map<std::string, std::vector<size_t>> m_consumers;
    std::unordered_map<std::string, size_t> m_nodeIndex;
    std::vector<NodeLinks> m_links;  // per node

    void relink();
};

// Orders nodes so that every node comes after the producers of its inputs. Stable: keeps the
// file's order where it is already valid. On a cycle, returns the name of a node on it.
struct TopoResult {
    std::vector<size_t> order;
    std::optional<std::string> cycleNode;
};
TopoResult topologicalOrder(const std::vector<Node>& nodes);

// The graph without the nodes whose results are never read (no node reads any of their outputs
// and none is a graph output, directly or through other such nodes), after additions of a
// multiplication by a constant zero (x + y * 0) became their other term: what a runtime that
// simplifies arithmetic and removes dead code executes (a NAS-Bench-201 cell's `none` edges
// vanish, with what only they read). Except where y is a convolution that nothing else reads and
// such a sum is read: a converter folds the multiplication into the convolution's weights, which
// then runs, its result added (TFLite's; the Pixel 3's). `removed` (optional) receives how many
// nodes were dropped.
Graph withoutUnreadNodes(const Graph& graph, size_t* removed = nullptr);

}  // namespace km
