// SPDX-License-Identifier: Apache-2.0
#include "predict/predictor.h"
#include "predict/transfer.h"

#include <fmt/format.h>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "predict/accuracy.h"
#include "predict/features.h"

namespace km {
namespace {

using Json = nlohmann::json;

Json roundsJson(const std::vector<RoundMetrics>& rounds) {
    Json a = Json::array();
    for (const auto& m : rounds)
        a.push_back({{"round", m.round},
                     {"samples", m.samples},
                     {"kind", regressorKindName(m.kind)},
                     {"rmse_ms", m.rmseMs},
                     {"rmspe", m.rmspe},
                     {"within5", m.within5},
                     {"within10", m.within10}});
    return a;
}

Json bandJson(const ErrorBand& b) { return {{"low", b.low}, {"high", b.high}, {"kernels", b.kernels}}; }

ErrorBand bandFrom(const Json& j) {
    ErrorBand b;
    if (!j.is_object()) return b;
    b.low = j.value("low", 1.0);
    b.high = j.value("high", 1.0);
    b.kernels = j.value("kernels", size_t{0});
    return b;
}

}  // namespace

ErrorBand errorBandOf(const std::vector<double>& predicted, const std::vector<double>& measured) {
    std::vector<double> ratios;
    for (size_t i = 0; i < std::min(predicted.size(), measured.size()); ++i)
        if (predicted[i] > 0 && measured[i] > 0) ratios.push_back(measured[i] / predicted[i]);
    ErrorBand b;
    if (ratios.empty()) return b;
    std::sort(ratios.begin(), ratios.end());
    auto at = [&](double q) { return ratios[std::min(ratios.size() - 1, size_t(q * double(ratios.size() - 1) + 0.5))]; };
    b.low = std::min(1.0, at(0.05));
    b.high = std::max(1.0, at(0.95));
    b.kernels = ratios.size();
    return b;
}

ErrorBand transferBandOf(const std::vector<AdaptedNetwork>& networks) {
    std::vector<double> errors;  // |log(measured / left out)|
    for (const AdaptedNetwork& n : networks)
        if (n.measuredMs > 0 && n.leaveOneOutMs > 0) errors.push_back(std::abs(std::log(n.measuredMs / n.leaveOneOutMs)));
    ErrorBand b;
    if (errors.empty()) return b;
    std::sort(errors.begin(), errors.end());
    const size_t k = std::min(errors.size(), size_t(std::ceil(0.8 * double(errors.size() + 1))));
    const double halfWidth = std::max(std::log(kMinTransferBand), errors[k - 1]);
    b.low = std::exp(-halfWidth);
    b.high = std::exp(halfWidth);
    b.kernels = errors.size();
    return b;
}

namespace {

// The relative least-squares fit over the chosen columns of x (rows: networks), as a full
// 3-vector; empty when singular or when a term breaks its constraint (the overhead and the
// per-kernel cost >= 0, the scale > 0). `skip`: a row left out (leave-one-out).
std::vector<double> relativeFit(const std::vector<std::array<double, 3>>& x, const std::vector<double>& m,
                                const std::vector<size_t>& columns, size_t skip) {
    std::vector<std::vector<double>> rows;
    for (const auto& r : x) {
        std::vector<double> row;
        for (size_t c : columns) row.push_back(r[c]);
        rows.push_back(std::move(row));
    }
    const std::vector<double> fit = relativeLeastSquares(rows, m, skip);
    if (fit.empty()) return {};
    std::vector<double> b(3, 0.0);
    for (size_t r = 0; r < columns.size(); ++r) b[columns[r]] = fit[r];
    if (b[0] < 0 || !(b[1] > 0) || b[2] < 0) return {};
    return b;
}

}  // namespace

ModelCalibration fitModelCalibration(const std::vector<double>& kernelSum, const std::vector<double>& kernelCounts,
                                     const std::vector<double>& measured) {
    ModelCalibration c;
    std::vector<std::array<double, 3>> x;  // overhead (1), kernel sum, kernel count
    std::vector<double> m;
    for (size_t i = 0; i < std::min(kernelSum.size(), measured.size()); ++i)
        if (kernelSum[i] > 0 && measured[i] > 0) {
            x.push_back({1.0, kernelSum[i], i < kernelCounts.size() ? kernelCounts[i] : 0.0});
            m.push_back(measured[i]);
        }
    c.models = x.size();
    if (x.empty()) return c;
    const bool counts = !kernelCounts.empty();
    struct Candidate {
        std::vector<size_t> columns;
        const char* name;
    };
    std::vector<Candidate> candidates{{{1}, "scale"}, {{0, 1}, "overhead+scale"}};
    if (counts) {
        candidates.push_back({{1, 2}, "scale+per-kernel"});
        candidates.push_back({{0, 1, 2}, "overhead+scale+per-kernel"});
    }
    auto predict = [&](const std::vector<double>& b, size_t i) { return b[0] + b[1] * x[i][1] + b[2] * x[i][2]; };
    std::vector<double> best;
    double bestLoo = std::numeric_limits<double>::infinity();
    for (const Candidate& cand : candidates) {
        std::vector<double> b = relativeFit(x, m, cand.columns, x.size());
        if (b.empty()) continue;
        // Leave-one-out RMSPE (with fewer networks than terms + 2, the in-sample error).
        double sq = 0;
        bool ok = true;
        for (size_t i = 0; i < x.size() && ok; ++i) {
            std::vector<double> loo = x.size() >= cand.columns.size() + 2 ? relativeFit(x, m, cand.columns, i) : b;
            if (loo.empty())
                ok = false;
            else
                sq += std::pow(predict(loo, i) / m[i] - 1, 2);
        }
        if (!ok || !(sq < bestLoo)) continue;  // ties keep the simpler (earlier) candidate
        bestLoo = sq;
        best = std::move(b);
        c.terms = cand.name;
    }
    if (best.empty()) {
        std::vector<double> d;
        for (size_t i = 0; i < x.size(); ++i) d.push_back(m[i] - x[i][1]);
        std::sort(d.begin(), d.end());
        best = {std::max(0.0, d[d.size() / 2]), 1.0, 0.0};
        c.terms = "median difference";
    }
    c.overheadMs = best[0];
    c.kernelScale = best[1];
    c.perKernelMs = best[2];
    double sq = 0;
    size_t within = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        const double e = predict(best, i) / m[i] - 1;
        sq += e * e;
        within += std::abs(e) <= 0.10;
    }
    c.rmspe = std::sqrt(sq / double(x.size()));
    c.within10 = double(within) / double(x.size());
    return c;
}

Json kernelGroupsToJson(const std::vector<AdaptedKernelGroup>& groups) {
    Json out = Json::array();
    for (const AdaptedKernelGroup& k : groups)
        out.push_back({{"group", k.group},
                       {"kernels", k.kernels},
                       {"ratio", k.ratio},
                       {"low_ratio", k.lowRatio},
                       {"high_ratio", k.highRatio},
                       {"scale", k.scale},
                       {"fixed_ms", k.fixedMs},
                       {"times_ms", k.timesMs},
                       {"power_scale", k.powerScale},
                       {"exponent", k.exponent},
                       {"leave_one_out_rmspe", k.leaveOneOutRmspe},
                       {"work",
                        {{"ms_per_mflop", k.workMsPerMflop},
                         {"ms_per_mb", k.workMsPerMb},
                         {"fixed_ms", k.workFixedMs},
                         {"leave_one_out_rmspe", k.workLeaveOneOutRmspe},
                         {"priced", k.pricedByWork}}}});
    return out;
}

std::string PredictorSet::timesSource() const {
    const bool fromDataset = adaptation && adaptation->timesFrom.rfind("dataset ", 0) == 0;
    if (fromDataset && (cpuModel.empty() || cpuModel == adaptation->timesFrom)) return adaptation->timesFrom;
    return cpuModel.empty() ? "an unrecorded CPU" : cpuModel;
}

std::string PredictorSet::toJson() const {
    Json t = Json::object();
    for (const auto& [type, p] : types) {
        t[type] = {{"samples", p.samples},
                   {"band", bandJson(p.band)},
                   {"rounds", roundsJson(p.rounds)},
                   {"regressor", Json::parse(p.regressor.toJson())}};
        if (!p.training.empty()) {
            Json rows = Json::array();
            for (const KernelSample& k : p.training) rows.push_back(Json::array({k.spec.key(), k.ms}));
            t[type]["training"] = std::move(rows);
        }
    }
    Json j{
        {"schema", "kernelmeter.predictor/1"},
        {"device", deviceId},
        {"runtime", runtime},
        {"runtime_version", runtimeVersion},
        {"cpu_model", cpuModel},
        {"logical_cores", logicalCores},
        {"built_at_utc", builtAtUtc},
        {"command", command},
        {"overhead_ms", overheadMs},
        {"kernel_scale", kernelScale},
        {"per_kernel_ms", perKernelMs},
        {"reference_ms", referenceMs},
        {"regressor_reference_ms", regressorReferenceMs},
        {"calibration",
         {{"models", calibration.models}, {"within10", calibration.within10}, {"rmspe", calibration.rmspe}, {"terms", calibration.terms}}},
        {"types", t}};
    if (!groupScale.empty()) j["group_scale"] = groupScale;
    if (!groupKernelMs.empty()) j["group_kernel_ms"] = groupKernelMs;
    if (!groupExponent.empty()) j["group_exponent"] = {{"exponents", groupExponent}, {"unit_scale", exponentUnitScale}};
    if (!groupMsPerMflop.empty() || !groupMsPerMb.empty() || msPerMflop > 0 || msPerMb > 0) {
        j["work_rates"] = {{"group_ms_per_mflop", groupMsPerMflop}, {"ms_per_mflop", msPerMflop}, {"ms_per_mb", msPerMb}};
        if (!groupMsPerMb.empty()) j["work_rates"]["group_ms_per_mb"] = groupMsPerMb;
    }
    if (dropsUnreadOps) j["drops_unread_ops"] = true;
    if (adaptation) {
        const Adaptation& a = *adaptation;
        Json nets = Json::array();
        for (const AdaptedNetwork& n : a.networks)
            nets.push_back({{"name", n.name},
                            {"sha256", n.modelHash},
                            {"measured_ms", n.measuredMs},
                            {"source_ms", n.sourceMs},
                            {"fitted_ms", n.fittedMs},
                            {"leave_one_out_ms", n.leaveOneOutMs},
                            {"weight", n.weight}});
        j["adaptation"] = {{"source_device", a.sourceDevice},
                           {"source_runtime", a.sourceRuntime},
                           {"source_runtime_version", a.sourceRuntimeVersion},
                           {"source_cpu_model", a.sourceCpuModel},
                           {"source_built_at_utc", a.sourceBuiltAtUtc},
                           {"times_from", a.timesFrom},
                           {"terms", a.terms},
                           {"common_scale", a.commonScale},
                           {"rmspe", a.rmspe},
                           {"leave_one_out_rmspe", a.leaveOneOutRmspe},
                           {"within10", a.within10},
                           {"leave_one_out_within10", a.leaveOneOutWithin10},
                           {"networks", std::move(nets)}};
        if (!a.kernelGroups.empty()) j["adaptation"]["kernel_groups"] = kernelGroupsToJson(a.kernelGroups);
        if (!a.kernelDevice.empty()) j["adaptation"]["kernel_device"] = a.kernelDevice;
        if (a.earlierMeasurements > 0) {
            j["adaptation"]["earlier_reference_ms"] = a.earlierReferenceMs;
            j["adaptation"]["earlier_measurements"] = a.earlierMeasurements;
        }
    }
    if (!rulesJson.empty()) j["rules"] = Json::parse(rulesJson);
    if (generic) {
        j["generic_band"] = bandJson(genericBand);
        j["generic"] = Json::parse(generic->toJson());
    }
    return j.dump();
}

namespace {

Result<PredictorSet> predictorFromJson(const std::string& text, const std::string& displayName, bool regressors);

}  // namespace

Result<PredictorSet> PredictorSet::fromJson(const std::string& text, const std::string& displayName) {
    return predictorFromJson(text, displayName, true);
}

Result<PredictorSet> PredictorSet::headerFromJson(const std::string& text, const std::string& displayName) {
    return predictorFromJson(text, displayName, false);
}

namespace {

Result<PredictorSet> predictorFromJson(const std::string& text, const std::string& displayName, bool regressors) {
    // Without the regressors, their values are dropped as they are read (the bulk of the text).
    const Json::parser_callback_t dropRegressors = [](int depth, Json::parse_event_t event, Json& parsed) {
        return !(depth == 1 && event == Json::parse_event_t::key && (parsed == "types" || parsed == "generic"));
    };
    Json j = Json::parse(text, regressors ? nullptr : dropRegressors, false);
    if (j.is_discarded() || j.value("schema", "") != "kernelmeter.predictor/1")
        return badInput(fmt::format("{}: not a kernelmeter.predictor/1 document.", displayName));
    if (!j.is_object() || !j.contains("device") || !j.at("device").is_string())
        return badInput(fmt::format("{}: the predictor has no \"device\" field (the id of the device it predicts for).", displayName));
    PredictorSet p;
    try {
        p.deviceId = j.at("device").get<std::string>();
        p.runtime = j.value("runtime", "");
        p.runtimeVersion = j.value("runtime_version", "");
        p.cpuModel = j.value("cpu_model", "");
        p.logicalCores = j.value("logical_cores", 0);
        p.builtAtUtc = j.value("built_at_utc", "");
        p.command = j.value("command", "");
        p.overheadMs = j.value("overhead_ms", 0.0);
        p.kernelScale = j.value("kernel_scale", 1.0);
        // 0 only for a predictor adapted without its source's kernel times (kernel costs or work
        // rates): checked once those are read.
        if (!(p.kernelScale >= 0)) return badInput(fmt::format("{}: kernel_scale must not be negative.", displayName));
        p.perKernelMs = j.value("per_kernel_ms", 0.0);
        if (!(p.perKernelMs >= 0)) return badInput(fmt::format("{}: per_kernel_ms must not be negative.", displayName));
        p.referenceMs = j.value("reference_ms", 0.0);
        p.regressorReferenceMs = j.value("regressor_reference_ms", 0.0);
        if (!(p.referenceMs >= 0) || !(p.regressorReferenceMs >= 0))
            return badInput(fmt::format("{}: reference_ms and regressor_reference_ms must not be negative.", displayName));
        if (const Json c = j.value("calibration", Json::object()); c.is_object()) {
            p.calibration.overheadMs = p.overheadMs;
            p.calibration.kernelScale = p.kernelScale;
            p.calibration.perKernelMs = p.perKernelMs;
            p.calibration.terms = c.value("terms", "");
            p.calibration.models = c.value("models", size_t{0});
            p.calibration.within10 = c.value("within10", 0.0);
            p.calibration.rmspe = c.value("rmspe", 0.0);
        }
        const Json noTypes = Json::object();
        const Json& types = regressors ? j.at("types") : noTypes;
        for (const auto& [type, t] : types.items()) {
            Result<Regressor> r = Regressor::fromJson(t.at("regressor"));
            if (!r) return badInput(fmt::format("{}: kernel type {}: {}", displayName, type, r.error().message));
            KernelTypePredictor k{std::move(r).value(), {}, t.value("samples", size_t{0}), bandFrom(t.value("band", Json())), {}};
            for (const auto& m : t.value("rounds", Json::array())) {
                RoundMetrics rm;
                rm.round = m.value("round", 0);
                rm.samples = m.value("samples", size_t{0});
                rm.kind = m.value("kind", "") == "random_forest" ? RegressorKind::RandomForest : RegressorKind::GradientBoosted;
                rm.rmseMs = m.value("rmse_ms", 0.0);
                rm.rmspe = m.value("rmspe", 0.0);
                rm.within5 = m.value("within5", 0.0);
                rm.within10 = m.value("within10", 0.0);
                k.rounds.push_back(rm);
            }
            for (const auto& row : t.value("training", Json::array())) {
                Result<KernelSpec> spec = KernelSpec::fromKey(row.at(0).get<std::string>());
                if (!spec) return badInput(fmt::format("{}: kernel type {}: {}", displayName, type, spec.error().message));
                const double ms = row.at(1).get<double>();
                if (!(ms > 0))
                    return badInput(fmt::format("{}: kernel type {}: training time {} ms is not positive.", displayName, type, ms));
                k.training.push_back({std::move(spec).value(), ms});
            }
            p.types.emplace(type, std::move(k));
        }
        p.dropsUnreadOps = j.value("drops_unread_ops", false);
        const Json groupScales = j.value("group_scale", Json::object());  // kept alive: items() refers to it
        for (const auto& [group, scale] : groupScales.items()) {
            const double v = scale.get<double>();
            if (!(v >= 0)) return badInput(fmt::format("{}: group_scale of {} must not be negative.", displayName, group));
            p.groupScale[group] = v;
        }
        const Json groupKernel = j.value("group_kernel_ms", Json::object());
        for (const auto& [group, cost] : groupKernel.items()) {
            const double v = cost.get<double>();
            if (!(v >= 0)) return badInput(fmt::format("{}: group_kernel_ms of {} must not be negative.", displayName, group));
            p.groupKernelMs[group] = v;
        }
        if (const auto e = j.find("group_exponent"); e != j.end() && e->is_object()) {
            const Json exponents = e->value("exponents", Json::object());
            for (const auto& [group, b] : exponents.items()) {
                const double v = b.is_number() ? b.get<double>() : 0.0;
                if (!(v > 0 && v < 4))
                    return badInput(fmt::format("{}: group_exponent of {} must be between 0 and 4.", displayName, group));
                p.groupExponent[group] = v;
            }
            p.exponentUnitScale = e->value("unit_scale", 1.0);
            if (!(p.exponentUnitScale > 0)) return badInput(fmt::format("{}: group_exponent's unit_scale must be positive.", displayName));
        }
        if (const auto w = j.find("work_rates"); w != j.end() && w->is_object()) {
            for (const auto& [field, into] : {std::pair{"group_ms_per_mflop", &p.groupMsPerMflop}, {"group_ms_per_mb", &p.groupMsPerMb}}) {
                const Json rates = w->value(field, Json::object());  // kept alive: items() refers to it
                for (const auto& [group, rate] : rates.items()) {
                    const double v = rate.is_number() ? rate.get<double>() : -1.0;
                    if (!(v >= 0))
                        return badInput(fmt::format("{}: work_rates' {} of {} must not be negative.", displayName, field, group));
                    (*into)[group] = v;
                }
            }
            p.msPerMflop = w->value("ms_per_mflop", 0.0);
            p.msPerMb = w->value("ms_per_mb", 0.0);
            if (!(p.msPerMflop >= 0) || !(p.msPerMb >= 0))
                return badInput(fmt::format("{}: work_rates must not be negative.", displayName));
        }
        if (p.kernelScale == 0 && p.groupKernelMs.empty() && p.groupMsPerMflop.empty() && p.groupMsPerMb.empty() && !(p.msPerMflop > 0) &&
            !(p.msPerMb > 0) && !(p.perKernelMs > 0))
            return badInput(fmt::format("{}: kernel_scale is 0 and nothing else prices a kernel.", displayName));
        if (const auto a = j.find("adaptation"); a != j.end() && a->is_object()) {
            Adaptation ad;
            ad.sourceDevice = a->value("source_device", "");
            ad.sourceRuntime = a->value("source_runtime", "");
            ad.sourceRuntimeVersion = a->value("source_runtime_version", "");
            ad.sourceCpuModel = a->value("source_cpu_model", "");
            ad.sourceBuiltAtUtc = a->value("source_built_at_utc", "");
            ad.timesFrom = a->value("times_from", "");
            ad.terms = a->value("terms", "");
            ad.commonScale = a->value("common_scale", 1.0);
            ad.rmspe = a->value("rmspe", 0.0);
            ad.leaveOneOutRmspe = a->value("leave_one_out_rmspe", 0.0);
            ad.within10 = a->value("within10", 0.0);
            ad.leaveOneOutWithin10 = a->value("leave_one_out_within10", 0.0);
            ad.earlierReferenceMs = a->value("earlier_reference_ms", 0.0);
            ad.earlierMeasurements = a->value("earlier_measurements", 0);
            for (const auto& n : a->value("networks", Json::array()))
                ad.networks.push_back({n.value("name", ""), n.value("sha256", ""), n.value("measured_ms", 0.0), n.value("source_ms", 0.0),
                                       n.value("fitted_ms", 0.0), n.value("leave_one_out_ms", 0.0), n.value("weight", 1.0)});
            for (const auto& k : a->value("kernel_groups", Json::array())) {
                AdaptedKernelGroup g;
                g.group = k.value("group", "");
                g.kernels = k.value("kernels", size_t(0));
                g.ratio = k.value("ratio", 0.0);
                g.lowRatio = k.value("low_ratio", 0.0);
                g.highRatio = k.value("high_ratio", 0.0);
                g.scale = k.value("scale", 0.0);
                g.fixedMs = k.value("fixed_ms", 0.0);
                for (const auto& t : k.value("times_ms", Json::array()))
                    if (t.is_array() && t.size() == 2 && t[0].is_number() && t[1].is_number())
                        g.timesMs.emplace_back(t[0].get<double>(), t[1].get<double>());
                g.powerScale = k.value("power_scale", 0.0);
                g.exponent = k.value("exponent", 1.0);
                g.leaveOneOutRmspe = k.value("leave_one_out_rmspe", 0.0);
                if (const auto w = k.find("work"); w != k.end() && w->is_object()) {
                    g.workMsPerMflop = w->value("ms_per_mflop", 0.0);
                    g.workMsPerMb = w->value("ms_per_mb", 0.0);
                    g.workFixedMs = w->value("fixed_ms", 0.0);
                    g.workLeaveOneOutRmspe = w->value("leave_one_out_rmspe", 0.0);
                    g.pricedByWork = w->value("priced", false);
                }
                ad.kernelGroups.push_back(std::move(g));
            }
            ad.kernelDevice = a->value("kernel_device", "");
            p.adaptation = std::move(ad);
        }
        if (const auto r = j.find("rules"); r != j.end() && r->is_object()) p.rulesJson = r->dump();
        if (regressors && j.contains("generic")) {
            Result<Regressor> g = Regressor::fromJson(j.at("generic"));
            if (!g) return badInput(fmt::format("{}: the generic regressor: {}", displayName, g.error().message));
            p.generic = std::move(g).value();
            p.genericBand = bandFrom(j.value("generic_band", Json()));
        }
    } catch (const std::exception& e) {
        return badInput(fmt::format("{}: {}", displayName, e.what()));
    }
    return p;
}

}  // namespace

void KernelPredictionCache::clear() {
    m_entries.clear();
    m_owner = nullptr;
    m_hits = m_misses = 0;
}

bool KernelPredictionCache::Key::operator==(const Key& o) const {
    // Bitwise, so that NaN (a missing feature) equals NaN.
    return regressor == o.regressor && std::memcmp(features.data(), o.features.data(), sizeof(float) * features.size()) == 0;
}

size_t KernelPredictionCache::KeyHash::operator()(const Key& k) const {
    uint64_t h = std::hash<const Regressor*>{}(k.regressor);
    for (float f : k.features) {
        uint32_t bits = 0;
        std::memcpy(&bits, &f, sizeof bits);
        h = (h ^ bits) * 0x100000001b3ULL;
    }
    return size_t(h ^ (h >> 29));
}

ModelPrediction predictModel(const KernelPartition& partition, const std::vector<NodeMetrics>& metrics, const PredictorSet& set,
                             KernelPredictionCache* cache) {
    if (cache && cache->m_owner != &set) {
        cache->clear();
        cache->m_owner = &set;
    }
    // The regressor's output for kernel k's features, through the cache when there is one. Without
    // one, kernels repeated within the model (a network's identical blocks) are walked once.
    struct Seen {
        const Regressor* regressor;
        uint64_t hash;  // of the features: most comparisons end here
        KernelFeatures features;
        double ms;
    };
    std::vector<Seen> seen;
    if (!cache) seen.reserve(partition.kernels.size());
    auto regress = [&](const Regressor& r, const KernelFeatures& f) {
        if (!cache) {
            const uint64_t hash = KernelPredictionCache::KeyHash{}({&r, f});
            for (const Seen& s : seen)
                if (s.hash == hash && s.regressor == &r && std::memcmp(s.features.data(), f.data(), sizeof(float) * f.size()) == 0)
                    return s.ms;
            seen.push_back({&r, hash, f, r.predictMs(f.data(), f.size())});
            return seen.back().ms;
        }
        KernelPredictionCache::Key key{&r, f};
        if (auto it = cache->m_entries.find(key); it != cache->m_entries.end()) {
            ++cache->m_hits;
            return it->second;
        }
        ++cache->m_misses;
        const double ms = r.predictMs(f.data(), f.size());
        cache->m_entries.emplace(std::move(key), ms);
        return ms;
    };
    // An adapted predictor's intervals are the transfer's (transferBandOf): the left-out errors on
    // its networks hold the whole error of its predictions, the source regressors' included, on
    // the target; only a kernel predicted by fallback keeps the generic band where it is wider.
    const ErrorBand transfer = set.adaptation ? transferBandOf(set.adaptation->networks) : ErrorBand{};
    const bool transferred = transfer.kernels > 0;
    ModelPrediction out;
    out.kernels.reserve(partition.kernels.size());
    out.overheadMs = set.overheadMs;
    out.totalMs = out.lowMs = out.highMs = set.overheadMs;
    if (transferred) {  // the left-out errors are of whole networks, their fixed part included
        out.lowMs *= transfer.low;
        out.highMs *= transfer.high;
    }
    std::set<std::string> fellBack, missing;
    // An adapted predictor's fit knows the groups its networks had (and those whose kernels it
    // measured on the target): a kernel of any other group keeps the source's time at the fit's
    // common scale, which nothing measured on the device checked. Per kernel type: how many such
    // kernels, and their time.
    const bool groupsKnown = set.adaptation && (!set.groupScale.empty() || !set.groupKernelMs.empty() || !set.groupMsPerMflop.empty());
    std::map<std::string, std::pair<size_t, double>> unadapted;
    std::vector<const std::string*> unadaptedType(partition.kernels.size(), nullptr);
    for (const Kernel& k : partition.kernels) {
        KernelPrediction p{k.id, k.type, 0.0, 0.0, 0.0, "none"};
        const KernelFeatures f = kernelFeatures(k, metrics);
        ErrorBand band;
        std::optional<double> raw;  // the scaled regressor output, when the kernel can be predicted
        double scale = set.kernelScale, fixedMs = set.perKernelMs, msPerMflop = set.msPerMflop, msPerMb = set.msPerMb;
        double exponent = 1;  // the power form: the source's time of the kernel to its group's exponent (groupExponent)
        if (!set.groupScale.empty() || !set.groupKernelMs.empty() || !set.groupMsPerMflop.empty() || !set.groupMsPerMb.empty() ||
            !set.groupExponent.empty()) {
            const std::string group = transferGroupOf(k.type, f);
            if (groupsKnown && !k.unknown && !groupValueOf(set.groupScale, group) && !groupValueOf(set.groupKernelMs, group) &&
                !groupValueOf(set.groupKernelMs, transferRootOf(group)) && !groupValueOf(set.groupMsPerMflop, group))
                unadaptedType[out.kernels.size()] = &k.type;
            if (const double* g = groupValueOf(set.groupScale, group)) scale *= *g;
            if (const double* g = groupValueOf(set.groupKernelMs, group))
                fixedMs = *g;
            else if (const double* r = groupValueOf(set.groupKernelMs, transferRootOf(group)))
                fixedMs = *r;  // a fusion variant no network had, priced as its root
            if (const double* g = groupValueOf(set.groupMsPerMflop, group)) msPerMflop = *g;
            if (const double* g = groupValueOf(set.groupMsPerMb, group)) msPerMb = *g;
            if (const double* e = groupValueOf(set.groupExponent, group)) exponent = *e;
        }
        if (msPerMflop > 0 || msPerMb > 0)  // work rates: priced like the rest of the fixed part
            fixedMs += msPerMflop * kernelMflops(f) + msPerMb * kernelMovedMb(f);
        auto powered = [&](double r) {
            return exponent == 1 || !(r > 0) ? scale * r : scale * r * std::pow(set.exponentUnitScale * r, exponent - 1);
        };
        if (auto it = set.types.find(k.type); it != set.types.end() && !k.unknown) {
            raw = powered(regress(it->second.regressor, f));
            p.source = "regressor";
            band = it->second.band;
        } else if (set.generic && !k.unknown) {
            raw = powered(regress(*set.generic, f));
            p.source = "fallback";
            band = set.genericBand;
            fellBack.insert(k.type);
        } else {
            missing.insert(k.type);
        }
        if (raw) {
            p.ms = *raw + fixedMs;
            p.lowMs = *raw * band.low + fixedMs;
            p.highMs = *raw * band.high + fixedMs;
            if (transferred) {
                const bool fallback = p.source == "fallback";
                p.lowMs = fallback ? std::min(p.lowMs, p.ms * transfer.low) : p.ms * transfer.low;
                p.highMs = fallback ? std::max(p.highMs, p.ms * transfer.high) : p.ms * transfer.high;
            }
        }
        out.totalMs += p.ms;
        out.lowMs += p.lowMs;
        out.highMs += p.highMs;
        out.kernels.push_back(std::move(p));
    }
    if (set.speedScale != 1) {  // carried to another machine speed: every term alike
        for (KernelPrediction& p : out.kernels) {
            p.ms *= set.speedScale;
            p.lowMs *= set.speedScale;
            p.highMs *= set.speedScale;
        }
        for (double* v : {&out.totalMs, &out.lowMs, &out.highMs, &out.overheadMs}) *v *= set.speedScale;
    }
    for (size_t i = 0; i < out.kernels.size(); ++i)
        if (unadaptedType[i]) {
            auto& [count, ms] = unadapted[*unadaptedType[i]];
            ++count;
            ms += out.kernels[i].ms;
        }
    if (!unadapted.empty()) {
        std::vector<std::string> types;
        size_t count = 0;
        double ms = 0;
        for (const auto& [type, seen] : unadapted) {
            types.push_back(type);
            count += seen.first;
            ms += seen.second;
        }
        const Adaptation& a = *set.adaptation;
        const double share = out.totalMs > 0 ? ms / out.totalMs : 0.0;
        out.beyondAdaptation = true;
        out.warnings.push_back(fmt::format(
            "kernel type{} {} ({} kernel{}, {} of the predicted time) {} in none of the {} networks this predictor was adapted "
            "on ({}){}: {} times are {}'s at the fit's common scale, checked by nothing measured on the device and not covered by "
            "the interval.",
            types.size() == 1 ? "" : "s", fmt::join(types, ", "), count, count == 1 ? "" : "s",
            share < 0.001 ? std::string("under 0.1%") : fmt::format("{:.{}f}%", 100 * share, share < 0.0095 ? 1 : 0),
            types.size() == 1 ? "was" : "were", a.networks.size(), a.timesFrom,
            a.kernelGroups.empty() ? "" : " nor among the kernels it measured", types.size() == 1 ? "its" : "their", a.sourceDevice));
    }
    if (set.adaptation && !set.adaptation->networks.empty() && set.speedScale > 0) {
        // Far outside the networks the fit was made on: nothing says its terms hold there.
        double shortest = 0, longest = 0;
        for (const AdaptedNetwork& n : set.adaptation->networks) {
            if (!(n.measuredMs > 0)) continue;
            shortest = shortest > 0 ? std::min(shortest, n.measuredMs) : n.measuredMs;
            longest = std::max(longest, n.measuredMs);
        }
        const double total = out.totalMs / set.speedScale;  // in the unit the networks were measured in
        const size_t n = set.adaptation->networks.size();
        out.beyondAdaptation |=
            (longest > 0 && total > kAdaptedRangeFactor * longest) || (shortest > 0 && total > 0 && total < shortest / kAdaptedRangeFactor);
        if (longest > 0 && total > kAdaptedRangeFactor * longest)
            out.warnings.push_back(
                fmt::format("the prediction is {:.1f} times the longest of the {} networks this predictor was adapted on ({:.3g} ms "
                            "measured): its fit was not checked that far, and the interval does not cover that.",
                            total / longest, n, longest));
        else if (shortest > 0 && total > 0 && total < shortest / kAdaptedRangeFactor)
            out.warnings.push_back(fmt::format(
                "the prediction is {:.1f} times shorter than the shortest of the {} networks this predictor was adapted on ({:.3g} ms "
                "measured): its fit was not checked that far, and the interval does not cover that.",
                shortest / total, n, shortest));
    }
    for (const auto& t : fellBack)
        out.warnings.push_back(
            fmt::format("no predictor for kernel type {}: estimated by the generic kernel regressor "
                        "(less accurate), marked 'fallback'.",
                        t));
    for (const auto& t : missing)
        out.warnings.push_back(
            fmt::format("kernel type {} cannot be predicted (unknown op or no fallback): counted as 0 ms, "
                        "so the total is too low.",
                        t));
    return out;
}

}  // namespace km
