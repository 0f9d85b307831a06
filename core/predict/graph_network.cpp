// SPDX-License-Identifier: Apache-2.0
#include "predict/graph_network.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "common/parallel_for.h"

namespace km {

KernelGraph kernelGraphOf(const Graph& graph, const KernelPartition& partition, const std::vector<NodeMetrics>& perNode) {
    const size_t n = partition.kernels.size();
    KernelGraph g;
    g.numeric = Eigen::MatrixXd::Zero(long(n), 3);
    std::vector<std::pair<long, long>> links;  // (from, to), both directions
    for (size_t k = 0; k < n; ++k) links.emplace_back(long(k), long(k));
    for (size_t k = 0; k < n; ++k) {
        const Kernel& kernel = partition.kernels[k];
        g.types.push_back(kernel.type);
        NodeMetrics m;
        for (size_t node : kernel.nodes) {
            m += perNode[node];
            for (int32_t producer : graph.links(node).producers) {
                if (producer < 0) continue;
                const int from = partition.kernelOfNode[size_t(producer)];
                if (from >= 0 && size_t(from) != k) {
                    links.emplace_back(from, long(k));
                    links.emplace_back(long(k), from);
                }
            }
        }
        g.numeric(long(k), 0) = std::log1p(double(m.flops) / 1e6);
        g.numeric(long(k), 1) = std::log1p(double(m.bytesRead + m.bytesWritten) / 1e3);
        g.numeric(long(k), 2) = std::log1p(double(m.params) / 1e3);
    }
    std::sort(links.begin(), links.end());
    links.erase(std::unique(links.begin(), links.end()), links.end());
    std::vector<double> degree(n, 0.0);
    for (const auto& [from, to] : links) degree[size_t(from)] += 1;
    std::vector<Eigen::Triplet<double>> entries;
    for (const auto& [from, to] : links) entries.emplace_back(from, to, 1.0 / std::sqrt(degree[size_t(from)] * degree[size_t(to)]));
    g.adjacency.resize(long(n), long(n));
    g.adjacency.setFromTriplets(entries.begin(), entries.end());
    return g;
}

Eigen::MatrixXd GraphNetwork::inputsOf(const KernelGraph& g) const {
    const long n = long(g.types.size()), t = long(m_types.size());
    Eigen::MatrixXd x = Eigen::MatrixXd::Zero(n, t + 1 + 3);
    for (long k = 0; k < n; ++k) {
        const auto it = std::lower_bound(m_types.begin(), m_types.end(), g.types[size_t(k)]);
        x(k, it != m_types.end() && *it == g.types[size_t(k)] ? long(it - m_types.begin()) : t) = 1;
        x.block(k, t + 1, 1, 3) = (g.numeric.row(k) - m_mean).cwiseProduct(m_scale);
    }
    return x;
}

GraphNetwork GraphNetwork::train(const std::vector<KernelGraph>& graphs, const std::vector<double>& measuredMs,
                                 const GraphNetworkOptions& o, const std::vector<double>& weights) {
    GraphNetwork net;
    // Each network's share of the loss: its weight over their sum (alike when not one > 0 each).
    std::vector<double> share(graphs.size(), graphs.empty() ? 0.0 : 1.0 / double(graphs.size()));
    if (weights.size() == graphs.size() && std::all_of(weights.begin(), weights.end(), [](double w) { return w > 0; })) {
        double sum = 0;
        for (double w : weights) sum += w;
        for (size_t s = 0; s < graphs.size(); ++s) share[s] = weights[s] / sum;
    }
    for (const KernelGraph& g : graphs) net.m_types.insert(net.m_types.end(), g.types.begin(), g.types.end());
    std::sort(net.m_types.begin(), net.m_types.end());
    net.m_types.erase(std::unique(net.m_types.begin(), net.m_types.end()), net.m_types.end());
    // Standardise the numeric inputs over every kernel seen.
    Eigen::MatrixXd all(0, 3);
    for (const KernelGraph& g : graphs) {
        Eigen::MatrixXd grown(all.rows() + g.numeric.rows(), 3);
        grown << all, g.numeric;
        all = grown;
    }
    net.m_mean = all.rows() ? Eigen::RowVectorXd(all.colwise().mean()) : Eigen::RowVectorXd::Zero(3);
    Eigen::RowVectorXd sd = Eigen::RowVectorXd::Ones(3);
    if (all.rows() > 1) sd = ((all.rowwise() - net.m_mean).array().square().colwise().sum() / double(all.rows())).sqrt();
    net.m_scale = sd.unaryExpr([](double v) { return v > 1e-9 ? 1.0 / v : 1.0; });

    std::mt19937 rng(o.seed);
    const long in = long(net.m_types.size()) + 1 + 3;
    for (int l = 0; l < o.layers; ++l) {
        const long rows = l == 0 ? in : o.hidden;
        std::normal_distribution<double> init(0.0, std::sqrt(2.0 / double(rows)));
        Eigen::MatrixXd w(rows, o.hidden);
        for (long i = 0; i < w.size(); ++i) w.data()[i] = init(rng);
        net.m_weights.push_back(w);
        net.m_biases.push_back(Eigen::RowVectorXd::Zero(o.hidden));
    }
    std::normal_distribution<double> init(0.0, std::sqrt(1.0 / double(o.hidden)));
    net.m_out = Eigen::VectorXd(o.hidden);
    for (long i = 0; i < net.m_out.size(); ++i) net.m_out(i) = init(rng) * 0.1;
    std::vector<double> targets;
    for (double ms : measuredMs) targets.push_back(std::log(std::max(ms, 1e-6)));
    // Start every kernel at the mean time per kernel, so that a network starts at about its
    // kernel count x that.
    double mean = 0, counted = 0;
    for (size_t s = 0; s < graphs.size() && s < targets.size(); ++s) {
        mean += share[s] * (targets[s] - std::log(double(std::max<Eigen::Index>(graphs[s].numeric.rows(), 1))));
        counted += share[s];
    }
    net.m_outBias = counted > 0 ? mean / counted : 0.0;
    if (graphs.empty()) return net;

    std::vector<Eigen::MatrixXd> inputs;
    for (const KernelGraph& g : graphs) inputs.push_back(net.inputsOf(g));
    // Adam state per parameter block.
    const size_t layers = net.m_weights.size();
    std::vector<Eigen::MatrixXd> mW(layers), vW(layers);
    std::vector<Eigen::RowVectorXd> mB(layers), vB(layers);
    for (size_t l = 0; l < layers; ++l) {
        mW[l] = vW[l] = Eigen::MatrixXd::Zero(net.m_weights[l].rows(), net.m_weights[l].cols());
        mB[l] = vB[l] = Eigen::RowVectorXd::Zero(o.hidden);
    }
    Eigen::VectorXd mO = Eigen::VectorXd::Zero(o.hidden), vO = mO;
    double mOb = 0, vOb = 0;
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    // Each network's part of an epoch's gradient is computed on the machine's cores into its own
    // slot, then the parts are added in the networks' order, as one thread adds them: the same
    // network on any number of cores (900 networks took 18 s on one of this VM's two; an
    // order of addition of its own once moved the Galaxy S7's 10-network baseline by 4 points).
    struct Gradient {
        std::vector<Eigen::MatrixXd> w;
        std::vector<Eigen::RowVectorXd> b;
        Eigen::VectorXd out;
        double outBias = 0;
        bool any = false;  // false: the network has no kernels and adds nothing
    };
    auto zeroGradient = [&] {
        Gradient g;
        for (size_t l = 0; l < layers; ++l) {
            g.w.push_back(Eigen::MatrixXd::Zero(net.m_weights[l].rows(), net.m_weights[l].cols()));
            g.b.push_back(Eigen::RowVectorXd::Zero(o.hidden));
        }
        g.out = Eigen::VectorXd::Zero(o.hidden);
        return g;
    };
    std::vector<Gradient> parts(graphs.size());
    for (int epoch = 1; epoch <= o.epochs; ++epoch) {
        parallelFor(graphs.size(), [&](size_t s) {
            Gradient& g = parts[s];
            g.any = inputs[s].rows() > 0;  // a network without kernels has no time to learn from
            if (!g.any) return;
            g.w.resize(layers);
            g.b.resize(layers);
            const Eigen::SparseMatrix<double>& a = graphs[s].adjacency;
            // Forward, keeping each layer's input and pre-activation.
            std::vector<Eigen::MatrixXd> h{inputs[s]}, pre;
            for (size_t l = 0; l < layers; ++l) {
                Eigen::MatrixXd z = (a * (h.back() * net.m_weights[l])).rowwise() + net.m_biases[l];
                pre.push_back(z);
                h.push_back(z.cwiseMax(0.0));
            }
            // log ms = log(sum over kernels of exp(kernel's output)): dy / d(output_i) = softmax_i.
            const Eigen::VectorXd z = (h.back() * net.m_out).array() + net.m_outBias;
            const double top = z.maxCoeff();
            const Eigen::VectorXd e = (z.array() - top).exp();
            const double y = top + std::log(e.sum());
            const Eigen::VectorXd kernelShare = e / e.sum();
            const double err = share[s] * (y - targets[s]);  // d(weighted mean squared error / 2) / dy
            g.out = err * (h.back().transpose() * kernelShare);
            g.outBias = err;
            Eigen::MatrixXd dh = (err * kernelShare) * net.m_out.transpose();
            for (size_t l = layers; l-- > 0;) {
                const Eigen::MatrixXd dz = dh.cwiseProduct((pre[l].array() > 0).cast<double>().matrix());
                const Eigen::MatrixXd ah = a * h[l];  // (a h) W: the weight gradient is (a h)^T dz
                g.w[l] = ah.transpose() * dz;
                g.b[l] = dz.colwise().sum();
                dh = a * (dz * net.m_weights[l].transpose());  // a is symmetric
            }
        });
        Gradient sum = zeroGradient();
        for (const Gradient& g : parts) {
            if (!g.any) continue;
            for (size_t l = 0; l < layers; ++l) {
                sum.w[l] += g.w[l];
                sum.b[l] += g.b[l];
            }
            sum.out += g.out;
            sum.outBias += g.outBias;
        }
        std::vector<Eigen::MatrixXd>& gW = sum.w;
        std::vector<Eigen::RowVectorXd>& gB = sum.b;
        Eigen::VectorXd& gO = sum.out;
        const double gOb = sum.outBias;
        const double c1 = 1 - std::pow(b1, epoch), c2 = 1 - std::pow(b2, epoch);
        auto adam = [&](auto& param, auto& m, auto& v, auto grad) {
            grad += o.weightDecay * param;
            m = b1 * m + (1 - b1) * grad;
            v = b2 * v + (1 - b2) * grad.cwiseProduct(grad);
            param -= (o.learningRate * (m / c1).array() / ((v / c2).array().sqrt() + eps)).matrix();
        };
        for (size_t l = 0; l < layers; ++l) {
            adam(net.m_weights[l], mW[l], vW[l], gW[l]);
            adam(net.m_biases[l], mB[l], vB[l], gB[l]);
        }
        adam(net.m_out, mO, vO, gO);
        mOb = b1 * mOb + (1 - b1) * gOb;
        vOb = b2 * vOb + (1 - b2) * gOb * gOb;
        net.m_outBias -= o.learningRate * (mOb / c1) / (std::sqrt(vOb / c2) + eps);
    }
    return net;
}

double GraphNetwork::predictMs(const KernelGraph& g) const {
    Eigen::MatrixXd h = inputsOf(g);
    for (size_t l = 0; l < m_weights.size(); ++l) h = ((g.adjacency * (h * m_weights[l])).rowwise() + m_biases[l]).cwiseMax(0.0);
    if (h.rows() == 0) return 0.0;
    return ((h * m_out).array() + m_outBias).exp().sum();
}

}  // namespace km
