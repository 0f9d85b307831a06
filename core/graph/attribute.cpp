// SPDX-License-Identifier: Apache-2.0
#include "graph/attribute.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <algorithm>

namespace km {

const AttrValue* Attributes::find(const std::string& key) const {
    if (!m_values) return nullptr;
    auto it = m_values->find(key);
    return it == m_values->end() ? nullptr : &it->second;
}

Attributes::Map& Attributes::own() {
    if (!m_values)
        m_values = std::make_shared<Map>();
    else if (m_values.use_count() > 1)
        m_values = std::make_shared<Map>(*m_values);
    return *m_values;
}

const std::map<std::string, AttrValue>& Attributes::all() const {
    static const Map kNone;
    return m_values ? *m_values : kNone;
}

int64_t Attributes::getInt(const std::string& key, int64_t fallback) const {
    const AttrValue* value = find(key);
    if (!value) return fallback;
    if (auto* v = std::get_if<int64_t>(value)) return *v;
    if (auto* d = std::get_if<double>(value)) return static_cast<int64_t>(*d);
    return fallback;
}

double Attributes::getFloat(const std::string& key, double fallback) const {
    const AttrValue* value = find(key);
    if (!value) return fallback;
    if (auto* v = std::get_if<double>(value)) return *v;
    if (auto* i = std::get_if<int64_t>(value)) return static_cast<double>(*i);
    return fallback;
}

std::string Attributes::getString(const std::string& key, const std::string& fallback) const {
    const AttrValue* value = find(key);
    if (!value) return fallback;
    if (auto* v = std::get_if<std::string>(value)) return *v;
    return fallback;
}

std::vector<int64_t> Attributes::getInts(const std::string& key, std::vector<int64_t> fallback) const {
    const AttrValue* value = find(key);
    if (!value) return fallback;
    if (auto* v = std::get_if<std::vector<int64_t>>(value)) return *v;
    if (auto* i = std::get_if<int64_t>(value)) return {*i};
    return fallback;
}

const std::vector<int64_t>* Attributes::ints(const std::string& key) const {
    const AttrValue* value = find(key);
    return value ? std::get_if<std::vector<int64_t>>(value) : nullptr;
}

std::string attrToString(const AttrValue& value) {
    return std::visit(
        [](const auto& v) -> std::string {
            using V = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<V, std::vector<int64_t>>)
                return fmt::format("[{}]", fmt::join(v, ","));
            else if constexpr (std::is_same_v<V, std::vector<double>>)
                return fmt::format("[{:g}]", fmt::join(v, ","));
            else if constexpr (std::is_same_v<V, double>)
                return fmt::format("{:g}", v);
            else if constexpr (std::is_same_v<V, int64_t>)
                return std::to_string(v);
            else
                return v;
        },
        value);
}

}  // namespace km
