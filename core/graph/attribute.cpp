#include "graph/attribute.h"

#include <algorithm>
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace km {

int64_t Attributes::getInt(const std::string& key, int64_t fallback) const {
    auto it = m_values.find(key);
    if (it == m_values.end()) return fallback;
    if (auto* v = std::get_if<int64_t>(&it->second)) return *v;
    if (auto* d = std::get_if<double>(&it->second)) return static_cast<int64_t>(*d);
    return fallback;
}

double Attributes::getFloat(const std::string& key, double fallback) const {
    auto it = m_values.find(key);
    if (it == m_values.end()) return fallback;
    if (auto* v = std::get_if<double>(&it->second)) return *v;
    if (auto* i = std::get_if<int64_t>(&it->second)) return static_cast<double>(*i);
    return fallback;
}

std::string Attributes::getString(const std::string& key, const std::string& fallback) const {
    auto it = m_values.find(key);
    if (it == m_values.end()) return fallback;
    if (auto* v = std::get_if<std::string>(&it->second)) return *v;
    return fallback;
}

std::vector<int64_t> Attributes::getInts(const std::string& key, std::vector<int64_t> fallback) const {
    auto it = m_values.find(key);
    if (it == m_values.end()) return fallback;
    if (auto* v = std::get_if<std::vector<int64_t>>(&it->second)) return *v;
    if (auto* i = std::get_if<int64_t>(&it->second)) return {*i};
    return fallback;
}

std::string attrToString(const AttrValue& value) {
    return std::visit([](const auto& v) -> std::string {
        using V = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<V, std::vector<int64_t>>) return fmt::format("[{}]", fmt::join(v, ","));
        else if constexpr (std::is_same_v<V, std::vector<double>>) return fmt::format("[{:g}]", fmt::join(v, ","));
        else if constexpr (std::is_same_v<V, double>) return fmt::format("{:g}", v);
        else if constexpr (std::is_same_v<V, int64_t>) return std::to_string(v);
        else return v;
    }, value);
}

}  // namespace km
