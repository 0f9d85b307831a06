// SPDX-License-Identifier: Apache-2.0
// kernelmeter-cli zoo: seeded variants of the model families, or NAS-Bench-201 networks from their
// arch strings (core/zoo), as ONNX files.
#include <fmt/format.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "common/sha256.h"
#include "zoo/zoo.h"

namespace km::cli {

int runZoo(const ZooArgs& args) {
    if (args.minResolution > args.maxResolution) {
        std::cerr << fmt::format("kernelmeter-cli zoo: --min-resolution {} is above --max-resolution {}.\n", args.minResolution,
                                 args.maxResolution);
        return 2;
    }
    if (!args.nb201.empty() && !args.families.empty()) {
        std::cerr << "kernelmeter-cli zoo: give either --family or --nb201, not both.\n";
        return 2;
    }
    ZooOptions options;
    options.minResolution = args.minResolution;
    options.maxResolution = args.maxResolution;
    if (!args.outputDir.empty()) {
        std::error_code ec;
        std::filesystem::create_directories(args.outputDir, ec);
        if (ec) {
            std::cerr << fmt::format("kernelmeter-cli zoo: {}: cannot create the folder ({}).\n", args.outputDir, ec.message());
            return 2;
        }
    }
    // What to generate, in order: (family, seed) pairs or arch strings.
    std::vector<std::function<Result<ZooModel>()>> jobs;
    for (const std::string& arch : args.nb201)
        jobs.push_back([arch]() -> Result<ZooModel> {
            Result<ZooModel> m = generateNb201Model(arch);
            if (m) m.value().name = "nb201-" + sha256Hex(m.value().description).substr(0, 10);
            return m;
        });
    if (args.nb201.empty())
        for (const std::string& family : args.families.empty() ? zooFamilies() : args.families)
            for (int i = 0; i < args.count; ++i)
                jobs.push_back([family, seed = args.firstSeed + uint32_t(i), options] { return generateZooModel(family, seed, options); });
    nlohmann::json list = nlohmann::json::array();
    for (const auto& job : jobs) {
        Result<ZooModel> model = job();
        if (!model) {
            std::cerr << "kernelmeter-cli zoo: " << model.error().message << "\n";
            return model.error().code == ErrorCode::BadInput ? 2 : 1;
        }
        const ZooModel& m = model.value();
        std::string path;
        if (!args.outputDir.empty()) {
            path = (std::filesystem::path(args.outputDir) / (m.name + ".onnx")).string();
            std::ofstream out(path, std::ios::binary | std::ios::trunc);
            out.write(m.bytes.data(), std::streamsize(m.bytes.size()));
            if (!out.flush()) {
                std::cerr << fmt::format("kernelmeter-cli zoo: {}: cannot write the model.\n", path);
                return 1;
            }
        }
        if (args.json)
            list.push_back({{"name", m.name},
                            {"family", m.family},
                            {"seed", m.seed},
                            {"resolution", m.resolution},
                            {"description", m.description},
                            {"bytes", m.bytes.size()},
                            {"path", path}});
        else
            std::cout << fmt::format("{:<18} {}{}\n", m.name, m.description, path.empty() ? "" : "  -> " + path);
    }
    if (args.json) std::cout << list.dump(2) << "\n";
    return 0;
}

}  // namespace km::cli
