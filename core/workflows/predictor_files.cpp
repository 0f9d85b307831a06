// SPDX-License-Identifier: Apache-2.0
#include "workflows/predictor_files.h"

#include <fmt/format.h>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fusion/rule_set.h"
#include "store/measurement_store.h"
#include "workflows/data_sources.h"
#include "workflows/device_analyzer.h"
#include "workflows/devices.h"

namespace km {

namespace fs = std::filesystem;

namespace {

std::string describe(const PredictorSet& p) {
    const std::string made = p.builtAtUtc.empty() ? std::string("at an unrecorded time") : p.builtAtUtc;
    if (p.adaptation) {
        const Adaptation& a = *p.adaptation;
        return fmt::format("{}'s predictor adapted to {} from {} network{} ({}), {}", a.sourceDevice, p.deviceId, a.networks.size(),
                           a.networks.size() == 1 ? "" : "s", a.timesFrom.empty() ? p.timesSource() : a.timesFrom, made);
    }
    return fmt::format("{}'s predictor, built on {} with {}{}, {}", p.deviceId, p.timesSource(), p.runtime,
                       p.runtimeVersion.empty() ? "" : " " + p.runtimeVersion, made);
}

}  // namespace

Result<PredictorFile> readPredictorFile(const std::string& path) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return ioError(fmt::format("{}: no such predictor file.", path));
    std::ifstream in(path, std::ios::binary);
    if (!in) return ioError(fmt::format("{}: cannot open the predictor.", path));
    std::stringstream text;
    text << in.rdbuf();
    Result<PredictorSet> set = PredictorSet::fromJson(text.str(), path);
    if (!set) return set.error();
    if (set.value().types.empty() && !set.value().generic)
        return badInput(fmt::format("{}: not a predictor (no kernel type and no generic regressor in it).", path));
    // The rules it carries are what every prediction of it splits models with: checked now, not
    // at the first model opened.
    if (!set.value().rulesJson.empty())
        if (Result<RuleSet> rules = parseRuleSet(set.value().rulesJson, path + " (the fusion rules it carries)"); !rules)
            return rules.error();
    PredictorFile f;
    f.path = path;
    f.predictor = std::move(set).value();
    f.description = describe(f.predictor);
    return f;
}

Result<PredictorImport> importPredictor(const PredictorFile& file, const std::string& deviceId, const std::string& db) {
    const PredictorSet& p = file.predictor;
    PredictorImport out;
    out.deviceId = deviceId.empty() ? p.deviceId : deviceId;
    if (out.deviceId.empty())
        return badInput(fmt::format("{}: the predictor names no device; give the id to import it as (--device ID).", file.path));
    // The database first: one that cannot be written leaves no device defined either.
    Result<std::unique_ptr<MeasurementStore>> store = MeasurementStore::open(db.empty() ? defaultDatabasePath() : db);
    if (!store) return store.error();
    std::string rulesUsed;
    const bool hasRules = !p.rulesJson.empty() || deviceRules(out.deviceId, "", rulesUsed).ok();
    Result<Device> device = findDevice(out.deviceId, db);
    if (device) {
        const Device& d = device.value();
        // A device known only from imported measurements takes any runtime's predictor (its times
        // came from elsewhere too); a device that measures takes only its own runtime's kernels.
        if (d.canMeasure() && !p.runtime.empty() && p.runtime != d.runtime)
            return badInput(
                fmt::format("{}: a predictor for {} (made for {}), and device {} runs {}: its kernels are not the ones {} runs. Import it "
                            "under an id of its own (--device NEW-ID).",
                            file.path, p.runtime == kNoRuntime ? "a device known from imported measurements" : p.runtime,
                            p.deviceId.empty() ? "an unnamed device" : p.deviceId, d.id, d.runtime, d.id));
        // Another device's of the same runtime at other threads is not this device's either; made
        // on another machine, it is said now, as wherever it predicts.
        if (d.canMeasure()) {
            const HostComparison host = compareHost(builtOnOf(p), d, db);
            if (host.notThisDevice())
                return badInput(fmt::format("{}: {} Import it under an id of its own (--device NEW-ID).", file.path, host.message));
            if (host.mismatch() && !host.message.empty()) out.notes.push_back(host.message);
        }
        if (!hasRules)
            out.notes.push_back(
                fmt::format("the file carries no fusion rules and {} has none here: detect them (kernelmeter-cli detect-rules --device {}) "
                            "before it predicts.",
                            d.id, d.id));
    } else {
        if (!hasRules)
            return badInput(fmt::format(
                "{}: the predictor carries no fusion rules (a file written by build-predictor -o), and there is no device {} here to "
                "detect them on: write the file again with `kernelmeter-cli predictor export --device {} -o FILE` where it was built, "
                "which adds them.",
                file.path, out.deviceId, p.deviceId.empty() ? out.deviceId : p.deviceId));
        Device d;
        d.id = out.deviceId;
        d.displayName = fmt::format("{} (predictor imported from {})", out.deviceId, fs::path(file.path).filename().string());
        d.runtime = std::string(kNoRuntime);
        d.userDefined = true;
        if (Status s = validateDeviceDefinition(d); !s) return badInput(fmt::format("{}: {}", file.path, s.error().message));
        if (Result<Device> added = addDevice(d, db); !added) return added.error();
        out.definedDevice = true;
        const auto& runtimes = deviceRuntimes();
        if (p.runtime != kNoRuntime && std::find(runtimes.begin(), runtimes.end(), p.runtime) != runtimes.end())
            out.runtimeToMeasure = p.runtime;
    }
    const std::string json = p.toJson();
    Result<std::optional<std::string>> newest = store.value()->latestPredictor(out.deviceId);
    if (!newest) return newest.error();
    if (newest.value() && *newest.value() == json) {
        out.alreadyThere = true;
        return out;
    }
    if (Status s = store.value()->addPredictor(out.deviceId, p.builtAtUtc, json); !s) return s.error();
    return out;
}

Result<std::string> exportPredictor(const std::string& deviceId, const std::string& path, const std::string& db) {
    std::string used;
    Result<PredictorSet> p = devicePredictor(deviceId, "", db, used);
    if (!p) return tableOnlyDeviceError(deviceId, db).value_or(p.error());
    PredictorSet set = std::move(p).value();
    if (set.rulesJson.empty()) {
        std::string rulesUsed;
        Result<RuleSet> rules = deviceRules(deviceId, "", rulesUsed);
        if (!rules) return rules.error();
        set.rulesJson = ruleSetToJson(rules.value());
    }
    // Written beside the file and renamed over it: a failed write leaves no half a predictor.
    const fs::path out(path);
    const fs::path part(path + ".part");
    std::error_code ec;
    if (!out.parent_path().empty()) fs::create_directories(out.parent_path(), ec);
    std::ofstream file(part, std::ios::trunc);
    file << set.toJson() << "\n";
    file.close();
    if (file) fs::rename(part, out, ec);
    if (!file || ec) {
        fs::remove(part, ec);
        return ioError(fmt::format("{}: cannot write the predictor.", out.string()));
    }
    return used;
}

}  // namespace km
