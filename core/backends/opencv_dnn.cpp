// SPDX-License-Identifier: Apache-2.0
// OpenCV DNN runtime (the only file that includes OpenCV). Runs ONNX exported with the OpenCvDnn
// dialect on the CPU with the device's thread count. OpenCV reports per-layer times through
// getPerfProfile; a layer it fused into another (conv+bn+relu, in-place reshapes) reports exactly
// 0 and is grouped with the layer that executes it.
#include <opencv2/core/utils/logger.hpp>
#include <opencv2/dnn.hpp>

#include <fmt/format.h>
#include <unordered_map>

#include "backends/runtime_registry.h"

namespace km {
namespace {

constexpr const char* kLayerPrefix = "onnx_node!";

std::string plainName(const std::string& layer) {
    return layer.rfind(kLayerPrefix, 0) == 0 ? layer.substr(std::char_traits<char>::length(kLayerPrefix)) : layer;
}

class OpenCvModel : public RuntimeModel {
public:
    OpenCvModel(cv::dnn::Net net, std::vector<std::pair<std::string, cv::Mat>> inputs)
        : m_net(std::move(net)), m_inputs(std::move(inputs)) {}

    Status run() override {
        try {
            for (const auto& [name, blob] : m_inputs) m_net.setInput(blob, name);
            m_net.forward();
            return Ok{};
        } catch (const cv::Exception& e) {
            return unsupported(fmt::format("OpenCV DNN failed to run the model: {}", e.what()));
        }
    }

    std::vector<LayerTime> lastLayerTimes() override {
        std::vector<double> ticks;
        m_net.getPerfProfile(ticks);
        const std::vector<cv::String> names = m_net.getLayerNames();
        std::vector<LayerTime> out;
        const double msPerTick = 1000.0 / cv::getTickFrequency();
        for (size_t i = 0; i < names.size() && i < ticks.size(); ++i) out.push_back({plainName(names[i]), ticks[i] * msPerTick});
        return out;
    }

    // A zero-time layer was executed by the layer that produces its input (walk up while zero).
    std::vector<std::vector<std::string>> fusionGroups(const std::vector<LayerTime>& medianTimes) override {
        std::unordered_map<std::string, double> ms;
        for (const auto& l : medianTimes) ms[l.layer] = l.ms;
        std::vector<std::string> order;
        std::unordered_map<std::string, std::vector<std::string>> members;
        for (const cv::String& full : m_net.getLayerNames()) {
            const std::string name = plainName(full);
            std::string owner = name;
            int id = m_net.getLayerId(full);
            for (int guard = 0; guard < 64 && ms.count(owner) && ms[owner] == 0.0; ++guard) {
                const auto inputs = m_net.getLayerInputs(id);
                if (inputs.empty() || inputs[0]->name == "_input" || inputs[0]->name.empty()) break;
                owner = plainName(inputs[0]->name);
                id = m_net.getLayerId(inputs[0]->name);
            }
            if (!members.count(owner)) order.push_back(owner);
            auto& group = members[owner];
            if (group.empty() || group.front() != owner) group.insert(group.begin(), owner);
            if (name != owner) group.push_back(name);
        }
        std::vector<std::vector<std::string>> groups;
        for (const auto& owner : order)
            if (members[owner].size() > 1) groups.push_back(members[owner]);
        return groups;
    }

private:
    cv::dnn::Net m_net;
    std::vector<std::pair<std::string, cv::Mat>> m_inputs;
};

class OpenCvRuntime : public Runtime {
public:
    OpenCvRuntime() { cv::utils::logging::setLogLevel(cv::utils::logging::LOG_LEVEL_ERROR); }
    std::string name() const override { return "opencv-dnn"; }
    std::string version() const override { return CV_VERSION; }

    Result<std::unique_ptr<RuntimeModel>> load(const std::string& bytes, const Device& device,
                                               const std::vector<InputSpec>& inputs) override {
        try {
            cv::setNumThreads(device.threads);
            cv::dnn::Net net = cv::dnn::readNetFromONNX(bytes.data(), bytes.size());
            net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
            net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
            net.enableFusion(true);
            std::vector<std::pair<std::string, cv::Mat>> blobs;
            cv::RNG rng(12345);
            for (const auto& in : inputs) {
                std::vector<int> dims(in.shape.begin(), in.shape.end());
                cv::Mat blob(dims, CV_32F);
                rng.fill(blob, cv::RNG::UNIFORM, -1.0, 1.0);
                blobs.emplace_back(in.name, blob);
            }
            auto model = std::make_unique<OpenCvModel>(std::move(net), std::move(blobs));
            if (Status s = model->run(); !s) return s.error();  // builds the network once
            return std::unique_ptr<RuntimeModel>(std::move(model));
        } catch (const cv::Exception& e) {
            std::string what = e.what();
            while (!what.empty() && (what.back() == '\n' || what.back() == ' ')) what.pop_back();
            return unsupported(fmt::format("OpenCV DNN {} cannot load the model: {}", CV_VERSION, what));
        }
    }
};

}  // namespace

std::unique_ptr<Runtime> makeOpenCvRuntime() { return std::make_unique<OpenCvRuntime>(); }

}  // namespace km
