// SPDX-License-Identifier: Apache-2.0
#include "workflows/import_table.h"

#include <fmt/format.h>
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/parallel_for.h"
#include "common/sha256.h"
#include "workflows/devices.h"
#include "workflows/evaluation_data.h"
#include "workflows/model_file.h"
#include "zoo/zoo.h"

namespace km {
namespace {

namespace fs = std::filesystem;

std::string trim(std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    size_t i = 0;
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    s.erase(0, i);
    if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
    return s;
}

// One row's cells, split at `separator` outside double quotes ("" inside quotes is one quote).
std::vector<std::string> cells(const std::string& line, char separator) {
    std::vector<std::string> out;
    std::string cur;
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (c == '"' && quoted && i + 1 < line.size() && line[i + 1] == '"') {
            cur += "\"\"";
            ++i;
            continue;
        }
        if (c == '"') quoted = !quoted;
        if (c == separator && !quoted) {
            out.push_back(trim(cur));
            cur.clear();
        } else {
            cur += c;
        }
    }
    out.push_back(trim(cur));
    for (std::string& cell : out)
        for (size_t at = cell.find("\"\""); at != std::string::npos; at = cell.find("\"\"", at + 1)) cell.erase(at, 1);
    return out;
}

// The table's separator, from its header: a comma, or what spreadsheets write where the comma is
// the decimal mark (a semicolon) or a tab, when the header has no comma.
char separatorOf(const std::string& header) {
    for (char c : {',', ';', '\t'})
        if (header.find(c) != std::string::npos) return c;
    return ',';
}

std::string lower(std::string s) {
    for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// A column's or cell's device text as an id: lower case, '_' and each run of spaces as '-'.
std::string deviceIdOf(const std::string& text) {
    std::string id;
    for (char c : lower(text)) {
        if (c == '_' || std::isspace(static_cast<unsigned char>(c))) {
            if (!(std::isspace(static_cast<unsigned char>(c)) && !id.empty() && id.back() == '-')) id += '-';
        } else {
            id += c;
        }
    }
    return id;
}

// A positive number of milliseconds, or nothing. In a table not separated by commas a comma is
// the decimal mark (12,5).
std::optional<double> parseMs(std::string text, char separator) {
    if (text.empty()) return std::nullopt;
    if (separator != ',' && text.find('.') == std::string::npos) std::replace(text.begin(), text.end(), ',', '.');
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(text.c_str(), &end);
    if (errno || end != text.c_str() + text.size() || !(v > 0) || !std::isfinite(v)) return std::nullopt;
    return v;
}

}  // namespace

Result<TableImportReport> importLatencyTable(const std::string& file, const TableImportOptions& options) {
    if (!options.store) return internalError("import-table: no store.");
    std::ifstream in(file);
    if (!in) return ioError(fmt::format("{}: cannot open the table.", file));
    TableImportReport report;
    report.dataset = options.name.empty() ? fs::path(file).stem().string() : options.name;
    std::string line;
    if (!std::getline(in, line)) return badInput(fmt::format("{}: the table is empty.", file));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("\xEF\xBB\xBF", 0) == 0) line.erase(0, 3);  // the byte-order mark spreadsheets write
    const char separator = separatorOf(line);
    const std::vector<std::string> header = cells(line, separator);
    auto column = [&](std::initializer_list<const char*> names) -> int {
        for (size_t i = 0; i < header.size(); ++i)
            for (const char* n : names)
                if (lower(header[i]) == n) return int(i);
        return -1;
    };
    const int modelCol = column({"model", "arch", "arch_str", "file"});
    if (modelCol < 0)
        return badInput(
            fmt::format("{}:1: no model column (a column named model or arch: an ONNX file or a NAS-Bench-201 arch string).", file));
    const int indexCol = column({"index", "name"}), familyCol = column({"family"});
    const int deviceCol = column({"device", "device_id"}), latencyCol = column({"latency_ms", "ms", "latency"});
    const bool longLayout = deviceCol >= 0 || latencyCol >= 0;
    if (longLayout && (deviceCol < 0 || latencyCol < 0))
        return badInput(fmt::format("{}:1: a table with a {} column needs a {} column too.", file, deviceCol < 0 ? "latency_ms" : "device",
                                    deviceCol < 0 ? "device" : "latency_ms"));
    // Wide: the device columns.
    std::vector<std::pair<int, std::string>> deviceColumns;
    if (!longLayout)
        for (size_t i = 0; i < header.size(); ++i) {
            if (int(i) == modelCol || int(i) == indexCol || int(i) == familyCol) continue;
            deviceColumns.emplace_back(int(i), deviceIdOf(header[i]));
        }
    if (!longLayout && deviceColumns.empty())
        return badInput(
            fmt::format("{}:1: no device column (one column of milliseconds per device, or device and latency_ms columns).", file));

    std::map<std::string, bool> deviceReady;  // id -> known or defined now
    auto ensureDevice = [&](const std::string& text) -> Result<std::string> {
        const std::string id = deviceIdOf(text);
        if (id != text) report.renamed[text] = id;
        if (deviceReady[id]) return id;
        Result<Device> known = findDevice(id, options.userDb);
        if (!known) {
            Device d{id,  fmt::format("{} (measured elsewhere: {})", text, fs::path(file).filename().string()), kNoRuntime, 1, "", {}, "",
                     true};
            Result<Device> added = addDevice(d, options.userDb);
            if (!added) return badInput(fmt::format("{}: device '{}': {}", file, text, added.error().message));
            report.addedDevices.push_back(id);
            known = added;
        }
        if (Status s = options.store->upsertDevice(known.value()); !s) return s.error();
        deviceReady[id] = true;
        return id;
    };
    for (const auto& [col, id] : deviceColumns)
        if (Result<std::string> r = ensureDevice(header[size_t(col)]); !r) return r.error();

    // The rows (line number, cells), then every distinct arch string's network generated on every
    // core: generating and hashing them is nearly all of a NAS-Bench-201 table's import. The rows
    // are stored one by one afterwards, in the file's order.
    std::vector<std::pair<int, std::vector<std::string>>> rows;
    for (int number = 2; std::getline(in, line); ++number) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (!trim(line).empty()) rows.emplace_back(number, cells(line, separator));
    }
    // A row with more cells than the header has columns is left out unless the extra ones are
    // empty: in a comma-separated table a decimal comma splits a latency in two (12,5 read as 12).
    auto extraCells = [&](const std::vector<std::string>& row) {
        return row.size() > header.size() &&
               std::any_of(row.begin() + std::ptrdiff_t(header.size()), row.end(), [](const std::string& c) { return !c.empty(); });
    };
    std::map<std::string, size_t> archIndex;  // arch string -> its slot in `networks`
    for (const auto& numbered : rows) {
        const std::vector<std::string>& row = numbered.second;
        if (row.size() >= header.size() && !extraCells(row) && !row[size_t(modelCol)].empty() && row[size_t(modelCol)].front() == '|')
            archIndex.emplace(row[size_t(modelCol)], archIndex.size());
    }
    struct Network {  // what the dataset keeps of a generated network (not its bytes)
        std::string description, hash, error;
        int64_t resolution = 0;
    };
    std::vector<std::string> archs(archIndex.size());
    for (const auto& [arch, i] : archIndex) archs[i] = arch;
    std::vector<Network> networks(archs.size());
    parallelFor(archs.size(), [&](size_t i) {
        Result<ZooModel> z = generateNb201Model(archs[i]);
        if (!z) {
            networks[i].error = z.error().message;
            return;
        }
        networks[i] = {z.value().description, sha256Hex(z.value().bytes), "", z.value().resolution};
    });

    std::map<std::string, DatasetModel> modelOf;  // model cell -> its dataset row
    size_t usable = 0;
    const fs::path folder = fs::path(file).parent_path();
    for (const auto& numbered : rows) {
        const int number = numbered.first;
        const std::vector<std::string>& row = numbered.second;
        auto skip = [&](std::string why) {
            if (!why.empty() && why.back() == '.') why.pop_back();  // a sentence of its own; here, part of one
            report.warnings.push_back(fmt::format("{}:{}: {}; row left out.", file, number, why));
        };
        if (row.size() < header.size()) {
            skip(fmt::format("{} cells for {} columns", row.size(), header.size()));
            continue;
        }
        if (extraCells(row)) {
            skip(fmt::format("{} cells for {} columns{}", row.size(), header.size(),
                             separator == ',' ? " (a latency with a decimal comma? write 12.5, or quote the cell)" : ""));
            continue;
        }
        const std::string& modelText = row[size_t(modelCol)];
        if (modelText.empty()) {
            skip("no model");
            continue;
        }
        // The dataset row of this model (once per distinct model cell).
        auto known = modelOf.find(modelText);
        if (known == modelOf.end()) {
            DatasetModel m;
            m.dataset = report.dataset;
            m.family = familyCol >= 0 && !row[size_t(familyCol)].empty() ? row[size_t(familyCol)] : "";
            if (modelText.front() == '|') {
                const Network& z = networks[archIndex.at(modelText)];
                if (!z.error.empty()) {
                    skip(z.error);
                    continue;
                }
                m.description = z.description;
                m.modelHash = z.hash;
                m.generator = kNb201Generator;
                m.resolution = z.resolution;
                if (m.family.empty()) m.family = "nb201";
                m.name = indexCol >= 0 && !row[size_t(indexCol)].empty() ? "nb201-" + row[size_t(indexCol)]
                                                                         : "nb201-" + sha256Hex(m.description).substr(0, 10);
            } else {
                const fs::path path = fs::path(modelText).is_absolute() ? fs::path(modelText) : folder / modelText;
                Result<std::shared_ptr<const ModelFile>> f = ModelFile::read(path.string(), {}, ModelFile::Keep::Hash);
                if (!f) {
                    skip(f.error().message);
                    continue;
                }
                m.modelHash = f.value()->sha256();
                m.path = path.string();
                m.generator = "file";
                m.description = fmt::format("imported from {}", fs::path(file).filename().string());
                if (m.family.empty()) m.family = "imported";
                m.name = indexCol >= 0 && !row[size_t(indexCol)].empty() ? row[size_t(indexCol)] : path.stem().string();
            }
            known = modelOf.emplace(modelText, m).first;
        }
        DatasetModel& m = known->second;
        // (device id, cell text) pairs of this row.
        std::vector<std::pair<std::string, std::string>> values;
        if (longLayout) {
            Result<std::string> id = ensureDevice(row[size_t(deviceCol)]);
            if (!id) {
                skip(id.error().message);
                continue;
            }
            values.emplace_back(id.value(), row[size_t(latencyCol)]);
        } else {
            for (const auto& [col, id] : deviceColumns) values.emplace_back(id, row[size_t(col)]);
        }
        bool any = false;
        for (const auto& [deviceId, text] : values) {
            // An empty cell of a wide table: not measured on that device (counted, not a warning:
            // a table of several devices is often measured on different models).
            if (!longLayout && text.empty()) {
                ++report.emptyCells[deviceId];
                continue;
            }
            const std::optional<double> ms = parseMs(text, separator);
            if (!ms) {
                report.warnings.push_back(fmt::format("{}:{}: {} on {}: latency '{}' is not a positive number of milliseconds; left out.",
                                                      file, number, m.name, deviceId, text));
                continue;
            }
            if (m.addedAtUtc.empty())  // the model joins the dataset with its first usable latency
                if (Status st = options.store->addDatasetModel(m); !st) return st.error();
            if (Status st = options.store->addImportedLatency(
                    m.modelHash, m.path.empty() ? m.description : m.path, deviceId, *ms, "table " + fs::path(file).filename().string(),
                    nlohmann::json{{"source", "imported table"}, {"file", file}, {"line", number}}.dump());
                !st)
                return st.error();
            ++report.latencies[deviceId];
            any = true;
        }
        usable += any;
    }
    if (usable == 0)
        return badInput(fmt::format("{}: no usable row (first problem: {}).", file,
                                    !report.warnings.empty()    ? report.warnings.front()
                                    : report.emptyCells.empty() ? "the table has no rows"
                                                                : "every latency cell is empty"));
    Result<std::vector<DatasetModel>> all = options.store->datasetModels(report.dataset);
    if (!all) return all.error();
    report.models = all.value().size();
    return report;
}

}  // namespace km
