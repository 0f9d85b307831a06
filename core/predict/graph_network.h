// SPDX-License-Identifier: Apache-2.0
// A graph convolutional latency predictor in the manner of BRP-NAS (Dudziak et al., NeurIPS 2020),
// the model-level baseline for adapting to a device from few measured networks (evaluate on an
// adapted predictor; docs/adapt.md): each kernel of a network is a graph node (its type one-hot,
// log FLOPs, log bytes moved, log parameters), edges follow the data between kernels, four graph
// convolution layers (symmetrically normalised adjacency with self loops, ReLU), then a linear
// layer gives each kernel the log of its milliseconds and the network's time is their sum: a
// network with five times the kernels of any trained on is predicted about five times as long,
// where a linear layer on the log of the summed node features made it e^5 times as long (and
// put RMSPE in the millions of percent). Trained from a seeded initialisation by Adam on the
// squared error of log latency (relative error, as accuracy counts it). Written with Eigen.
#pragma once

#include <Eigen/Dense>
#include <Eigen/SparseCore>
#include <cstdint>
#include <string>
#include <vector>

#include "fusion/partition.h"
#include "graph/graph.h"
#include "graph/metrics.h"

namespace km {

// One network as the graph network sees it.
struct KernelGraph {
    std::vector<std::string> types;         // per kernel
    Eigen::MatrixXd numeric;                // kernels x 3: log1p(MFLOPs), log1p(KB moved), log1p(K params)
    Eigen::SparseMatrix<double> adjacency;  // kernels x kernels, normalised, with self loops (symmetric)
};
KernelGraph kernelGraphOf(const Graph& graph, const KernelPartition& partition, const std::vector<NodeMetrics>& perNode);

struct GraphNetworkOptions {
    int hidden = 32;   // width of every graph convolution
    int layers = 4;    // graph convolutions
    int epochs = 400;  // full-batch Adam steps
    double learningRate = 0.01;
    double weightDecay = 1e-4;
    uint32_t seed = 1;
};

class GraphNetwork {
public:
    // Learns the kernel types seen in `graphs`; types met later share one "other" column.
    // `weights`: how much each network's squared error counts (empty: all alike; otherwise one
    // per graph, > 0, relative to the others'), as adapt weighs the networks it chose.
    static GraphNetwork train(const std::vector<KernelGraph>& graphs, const std::vector<double>& measuredMs,
                              const GraphNetworkOptions& options = {}, const std::vector<double>& weights = {});
    double predictMs(const KernelGraph& g) const;

private:
    std::vector<std::string> m_types;
    std::vector<Eigen::MatrixXd> m_weights;  // per layer: in x hidden
    std::vector<Eigen::RowVectorXd> m_biases;
    Eigen::VectorXd m_out;
    double m_outBias = 0;
    Eigen::RowVectorXd m_mean, m_scale;  // input standardisation of the numeric columns

    Eigen::MatrixXd inputsOf(const KernelGraph& g) const;
};

}  // namespace km
