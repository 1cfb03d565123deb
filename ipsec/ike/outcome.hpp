#pragma once
// The answer of an IKE crypto step that can fail on bad input from the network or
// the configuration: a value, or a one-line reason the exchange logs and turns into
// a notify (INVALID_SYNTAX, AUTHENTICATION_FAILED, ...).  Never an exception: a
// peer must not be able to unwind the daemon with a malformed payload.
#include <optional>
#include <string>
#include <utility>

namespace vpn::ike {

// `return Failure{"why"};` converts to any Outcome<T>.
struct Failure {
    std::string reason;
};

template <class T>
class Outcome {
public:
    Outcome(T value) : value_(std::move(value)) {}
    Outcome(Failure f) : error_(std::move(f.reason)) {}

    bool ok() const { return value_.has_value(); }
    explicit operator bool() const { return ok(); }

    // Precondition for the accessors: ok().
    T& operator*() { return *value_; }
    const T& operator*() const { return *value_; }
    T* operator->() { return &*value_; }
    const T* operator->() const { return &*value_; }
    T& value() { return *value_; }
    const T& value() const { return *value_; }
    // Moves the value out (for one-shot results such as key material).
    T take() { return std::move(*value_); }

    // Set when !ok().
    const std::string& error() const { return error_; }

private:
    std::optional<T> value_;
    std::string error_;
};

}  // namespace vpn::ike
