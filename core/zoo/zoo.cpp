// SPDX-License-Identifier: Apache-2.0
#include "zoo/zoo.h"

#include <fmt/format.h>
#include <algorithm>
#include <utility>

#include "zoo/zoo_draft.h"

namespace km {
namespace {

// The registration list: one line per family.
const std::vector<std::pair<std::string, zoo::FamilyGenerator>>& generators() {
    static const std::vector<std::pair<std::string, zoo::FamilyGenerator>> list = {
        {"alexnet", zoo::alexnet},
        {"vgg", zoo::vgg},
        {"resnet", zoo::resnet},
        {"densenet", zoo::densenet},
        {"googlenet", zoo::googlenet},
        {"squeezenet", zoo::squeezenet},
        {"mobilenetv1", zoo::mobilenetV1},
        {"mobilenetv2", zoo::mobilenetV2},
        {"mobilenetv3", zoo::mobilenetV3},
        {"shufflenetv2", zoo::shufflenetV2},
        {"mnasnet", zoo::mnasnet},
        {"proxylessnas", zoo::proxylessnas},
        {"efficientnet", zoo::efficientnet},
        {"regnet", zoo::regnet},
        {"nasbench201", zoo::nasbench201},
    };
    return list;
}

}  // namespace

const std::vector<std::string>& zooFamilies() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const auto& [name, generator] : generators()) out.push_back(name);
        return out;
    }();
    return names;
}

Result<ZooModel> generateZooModel(std::string_view family, uint32_t seed, const ZooOptions& options) {
    const auto& list = generators();
    const auto it = std::find_if(list.begin(), list.end(), [&](const auto& g) { return g.first == family; });
    if (it == list.end())
        return badInput(fmt::format("unknown model family '{}'; the zoo has: {}.", family, fmt::join(zooFamilies(), ", ")));
    if (options.classes < 1) return badInput(fmt::format("{}: the classifier needs at least one class.", family));
    zoo::Draft d(it->first, seed, options);
    ZooModel model;
    model.family = it->first;
    model.seed = seed;
    model.name = fmt::format("{}-{}", it->first, seed);
    const std::string output = it->second(d, model.description);
    if (!d.error().empty()) return badInput(fmt::format("{}: {}.", model.name, d.error()));
    model.resolution = d.b().shapeOf("input").at(2);
    Result<std::string> bytes = d.b().finish({output});
    if (!bytes) return internalError(fmt::format("{} ({}): {}", model.name, model.description, bytes.error().message));
    model.bytes = std::move(bytes).value();
    return model;
}

}  // namespace km
