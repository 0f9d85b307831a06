// SPDX-License-Identifier: Apache-2.0
// A prepared SQLite statement with positional binding helpers, for core/store's own files only.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <vector>

namespace km {

// RAII: finalized when it goes out of scope.
class Stmt {
public:
    Stmt(sqlite3* db, const char* sql) { m_rc = sqlite3_prepare_v2(db, sql, -1, &m_s, nullptr); }
    ~Stmt() { sqlite3_finalize(m_s); }
    bool ok() const { return m_rc == SQLITE_OK; }
    Stmt& bind(int i, const std::string& v) {
        sqlite3_bind_text(m_s, i, v.c_str(), -1, SQLITE_TRANSIENT);
        return *this;
    }
    Stmt& bind(int i, double v) {
        sqlite3_bind_double(m_s, i, v);
        return *this;
    }
    Stmt& bind(int i, int64_t v) {
        sqlite3_bind_int64(m_s, i, v);
        return *this;
    }
    Stmt& bind(int i, int v) {
        sqlite3_bind_int(m_s, i, v);
        return *this;
    }
    Stmt& bindBlob(int i, const std::vector<unsigned char>& v) {
        sqlite3_bind_blob(m_s, i, v.data(), int(v.size()), SQLITE_TRANSIENT);
        return *this;
    }
    int step() { return sqlite3_step(m_s); }
    std::vector<unsigned char> blob(int c) const {
        const auto* b = static_cast<const unsigned char*>(sqlite3_column_blob(m_s, c));
        return b ? std::vector<unsigned char>(b, b + sqlite3_column_bytes(m_s, c)) : std::vector<unsigned char>{};
    }
    std::string text(int c) const {
        const auto* t = sqlite3_column_text(m_s, c);
        return t ? reinterpret_cast<const char*>(t) : "";
    }
    double real(int c) const { return sqlite3_column_double(m_s, c); }
    int64_t integer(int c) const { return sqlite3_column_int64(m_s, c); }

private:
    sqlite3_stmt* m_s = nullptr;
    int m_rc = SQLITE_ERROR;
};

}  // namespace km
