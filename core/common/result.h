// SPDX-License-Identifier: Apache-2.0
// Result<T> and Error: how every core function reports failure. No exception crosses the core's
// public boundary; messages are whole sentences naming the file, node or field at fault.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace km {

enum class ErrorCode {
    BadInput,     // the user's file or argument is wrong (CLI exit code 2)
    Unsupported,  // valid input that this version cannot handle (CLI exit code 2)
    Io,           // a file could not be read or written (CLI exit code 2)
    Cancelled,    // the caller cancelled through Progress
    Internal,     // a bug in KernelMeter (CLI exit code 1)
};

struct Error {
    ErrorCode code = ErrorCode::Internal;
    std::string message;
};

inline Error badInput(std::string message) { return {ErrorCode::BadInput, std::move(message)}; }
inline Error unsupported(std::string message) { return {ErrorCode::Unsupported, std::move(message)}; }
inline Error ioError(std::string message) { return {ErrorCode::Io, std::move(message)}; }
inline Error internalError(std::string message) { return {ErrorCode::Internal, std::move(message)}; }

// Holds either a value or an Error. Check ok() before value(); value() on an error is a bug.
template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : m_state(std::move(value)) {}
    Result(Error error) : m_state(std::move(error)) {}

    bool ok() const { return std::holds_alternative<T>(m_state); }
    explicit operator bool() const { return ok(); }

    T& value() & { return std::get<T>(m_state); }
    const T& value() const& { return std::get<T>(m_state); }
    T&& value() && { return std::get<T>(std::move(m_state)); }
    const Error& error() const { return std::get<Error>(m_state); }

private:
    std::variant<T, Error> m_state;
};

// Result of an operation with no value.
struct Ok {};
using Status = Result<Ok>;

}  // namespace km
