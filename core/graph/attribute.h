// Node attributes in canonical form (kernel, stride, pads, dilation, groups, axis, perm, ...).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace km {

using AttrValue = std::variant<int64_t, double, std::string, std::vector<int64_t>, std::vector<double>>;

// Ordered by key so that every printed form of a node is deterministic.
class Attributes {
public:
    void set(const std::string& key, AttrValue value) { m_values[key] = std::move(value); }
    bool has(const std::string& key) const { return m_values.count(key) != 0; }
    void erase(const std::string& key) { m_values.erase(key); }

    int64_t getInt(const std::string& key, int64_t fallback) const;
    double getFloat(const std::string& key, double fallback) const;
    std::string getString(const std::string& key, const std::string& fallback) const;
    std::vector<int64_t> getInts(const std::string& key, std::vector<int64_t> fallback = {}) const;

    const std::map<std::string, AttrValue>& all() const { return m_values; }

private:
    std::map<std::string, AttrValue> m_values;
};

// "3", "0.5", "NOTSET", "[1,1,1,1]"
std::string attrToString(const AttrValue& value);

}  // namespace km
