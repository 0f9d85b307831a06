// SPDX-License-Identifier: Apache-2.0
#include "workflows/build_dataset.h"

#include <fmt/format.h>
#include <algorithm>
#include <filesystem>
#include <fstream>

#include "common/sha256.h"
#include "common/utc_time.h"

namespace fs = std::filesystem;

namespace km {

Result<DatasetReport> buildDataset(const std::vector<Device>& devices, const BuildDatasetOptions& options, Progress* progress) {
    MeasurementStore* store = options.measure.store;
    if (!store) return badInput("dataset: a database is needed to record the dataset.");
    if (options.modelDir.empty()) return badInput("dataset: no folder for the models was given.");
    if (options.perFamily < 1) return badInput("dataset: at least one model per family is needed.");
    if (options.name.empty() || options.name.find_first_of("/\\") != std::string::npos)
        return badInput(fmt::format("dataset: '{}' is not a usable dataset name (no slashes, not empty).", options.name));
    const std::vector<std::string> families = options.families.empty() ? zooFamilies() : options.families;
    for (const std::string& f : families)
        if (std::find(zooFamilies().begin(), zooFamilies().end(), f) == zooFamilies().end())
            return badInput(fmt::format("dataset: unknown model family '{}'; the zoo has: {}.", f, fmt::join(zooFamilies(), ", ")));
    const fs::path dir = fs::path(options.modelDir) / options.name;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return ioError(fmt::format("{}: cannot create the model folder ({}).", dir.string(), ec.message()));

    // Seed-major order: the first model of every family, then the second, ... so that a campaign
    // stopped early still covers every family.
    const std::string generator = fmt::format("zoo/1 {}..{}", options.zoo.minResolution, options.zoo.maxResolution);
    DatasetReport report;
    std::vector<std::string> paths;
    for (int i = 0; i < options.perFamily; ++i)
        for (const std::string& family : families) {
            const uint32_t seed = options.firstSeed + uint32_t(i);
            Result<ZooModel> model = generateZooModel(family, seed, options.zoo);
            if (!model) return model.error();
            const ZooModel& m = model.value();
            const fs::path path = dir / (m.name + ".onnx");
            const std::string hash = sha256Hex(m.bytes);
            Result<std::string> onDisk = sha256OfFile(path.string());
            if (!onDisk || onDisk.value() != hash) {  // missing, or left half-written by a killed run
                std::ofstream out(path, std::ios::binary | std::ios::trunc);
                out.write(m.bytes.data(), std::streamsize(m.bytes.size()));
                if (!out.flush()) return ioError(fmt::format("{}: cannot write the model.", path.string()));
            }
            DatasetModel row{options.name,  m.name, m.family,      int64_t(m.seed), m.resolution,
                             m.description, hash,   path.string(), generator,       ""};
            if (Status s = store->addDatasetModel(row); !s) return s.error();
            paths.push_back(path.string());
        }
    Result<std::vector<DatasetModel>> all = store->datasetModels(options.name);
    if (!all) return all.error();
    report.models = std::move(all).value();

    for (size_t d = 0; d < devices.size(); ++d) {
        if (progress && progress->isCancelled()) break;
        if (Status s = store->upsertDevice(devices[d]); !s) return s.error();
        // The device's share of the progress bar; a cancel of the caller reaches measureModels.
        Progress* child = nullptr;
        Progress forDevice([&, d](double f, const std::string& message) {
            if (!progress) return;
            if (progress->isCancelled() && child) child->cancel();
            progress->report((double(d) + f) / double(devices.size()), devices[d].id + ": " + message);
        });
        child = &forDevice;
        MeasureModelsOptions mo = options.measure;
        mo.remeasure = false;
        const std::string startedAtUtc = utcNowIso8601();
        const std::vector<ModelReport> measured = measureModels(paths, devices[d], mo, &forDevice);
        DatasetDeviceReport r{devices[d].id};
        for (const ModelReport& m : measured) {
            if (m.ok)
                (m.fromStore ? r.reused : r.measured) += 1;
            else {
                ++r.failed;
                report.warnings.push_back(fmt::format("{} on {}: not measured: {}", m.path, devices[d].id, m.error));
            }
        }
        report.devices.push_back(r);
        // The dataset's times in ms are those of this campaign's machine speed, which evaluate
        // scores predictors against: said when the device's earlier measurements saw another one.
        if (const std::string w = measuredPhaseWarning(measured, *store, devices[d].id, "the dataset's models were", startedAtUtc);
            !w.empty())
            report.warnings.push_back(w +
                                      "; their times in ms carry that, their times at the reference speed (evaluate "
                                      "--at-reference-speed) do not.");
    }
    return report;
}

}  // namespace km
