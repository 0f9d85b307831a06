// SPDX-License-Identifier: Apache-2.0
// Node attributes in canonical form (kernel, stride, pads, dilation, groups, axis, perm, ...).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace km {

using AttrValue = std::variant<int64_t, double, std::string, std::vector<int64_t>, std::vector<double>>;

// Ordered by key so that every printed form of a node is deterministic. Copy-on-write: copies
// share one map until one of them is changed, so copying a node's attributes (every kernel keeps
// its root's) costs a reference count, not a map of vectors.
class Attributes {
public:
    void set(const std::string& key, AttrValue value) { own()[key] = std::move(value); }
    bool has(const std::string& key) const { return m_values && m_values->count(key) != 0; }
    void erase(const std::string& key) {
        if (has(key)) own().erase(key);
    }
    int64_t getInt(const std::string& key, int64_t fallback) const;
    double getFloat(const std::string& key, double fallback) const;
    std::string getString(const std::string& key, const std::string& fallback) const;
    std::vector<int64_t> getInts(const std::string& key, std::vector<int64_t> fallback = {}) const;
    // The integer list stored under `key`, without copying it; nullptr when absent or not a list.
    const std::vector<int64_t>* ints(const std::string& key) const;
    const std::map<std::string, AttrValue>& all() const;

private:
    using Map = std::map<std::string, AttrValue>;
    const AttrValue* find(const std::string& key) const;
    Map& own();  // this object's own map, cloned first when shared

    std::shared_ptr<Map> m_values;  // null: no attributes
};

// "3", "0.5", "NOTSET", "[1,1,1,1]"
std::string attrToString(const AttrValue& value);

}  // namespace km
