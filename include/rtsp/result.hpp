// SPDX-License-Identifier: MIT
// rtsp/result.hpp - result<T>: a value or an rtsp::errc, without exceptions.
//
// A minimal std::expected-like type (std::expected is C++23). It is [[nodiscard]] so a
// dropped error is a compiler warning, and it never throws: reading the value of an error
// result is a precondition violation checked by RTSP_ASSERT.
#pragma once

#include <new>
#include <type_traits>
#include <utility>

#include "rtsp/assert.hpp"
#include "rtsp/error.hpp"

namespace rtsp {

/// Tag wrapper to construct an error result: `return fail(errc::jpeg_truncated);`
struct failure {
    errc code;
};
[[nodiscard]] constexpr failure fail(errc e) noexcept { return failure{e}; }

template <class T>
class [[nodiscard]] result {
    static_assert(!std::is_reference_v<T>, "result<T&> is not supported");

public:
    using value_type = T;

    constexpr result(const T& v) noexcept(std::is_nothrow_copy_constructible_v<T>)  // NOLINT
        : has_(true) {
        std::construct_at(&value_, v);
    }
    constexpr result(T&& v) noexcept(std::is_nothrow_move_constructible_v<T>)  // NOLINT
        : has_(true) {
        std::construct_at(&value_, std::move(v));
    }
    constexpr result(failure f) noexcept : error_(f.code), has_(false) {}  // NOLINT

    constexpr result(const result& o) : has_(o.has_) {
        if (has_) std::construct_at(&value_, o.value_);
        else error_ = o.error_;
    }
    constexpr result(result&& o) noexcept(std::is_nothrow_move_constructible_v<T>) : has_(o.has_) {
        if (has_) std::construct_at(&value_, std::move(o.value_));
        else error_ = o.error_;
    }
    constexpr result& operator=(const result& o) {
        if (this != &o) { this->~result(); std::construct_at(this, o); }
        return *this;
    }
    constexpr result& operator=(result&& o) noexcept(std::is_nothrow_move_constructible_v<T>) {
        if (this != &o) { this->~result(); std::construct_at(this, std::move(o)); }
        return *this;
    }
    constexpr ~result() {
        if constexpr (!std::is_trivially_destructible_v<T>) {
            if (has_) value_.~T();
        }
    }

    [[nodiscard]] constexpr bool has_value() const noexcept { return has_; }
    constexpr explicit operator bool() const noexcept { return has_; }

    /// The error; errc{} (0, no enumerator) when the result holds a value.
    [[nodiscard]] constexpr errc error() const noexcept { return has_ ? errc{} : error_; }

    constexpr T& value() & noexcept { RTSP_ASSERT(has_); return value_; }
    constexpr const T& value() const& noexcept { RTSP_ASSERT(has_); return value_; }
    constexpr T&& value() && noexcept { RTSP_ASSERT(has_); return std::move(value_); }
    constexpr T& operator*() & noexcept { return value(); }
    constexpr const T& operator*() const& noexcept { return value(); }
    constexpr T* operator->() noexcept { return &value(); }
    constexpr const T* operator->() const noexcept { return &value(); }

private:
    union {
        T value_;
        errc error_;
    };
    bool has_;
};

/// result<void>: success, or an error code.
template <>
class [[nodiscard]] result<void> {
public:
    constexpr result() noexcept = default;
    constexpr result(failure f) noexcept : error_(f.code) {}  // NOLINT
    [[nodiscard]] constexpr bool has_value() const noexcept { return error_ == errc{}; }
    constexpr explicit operator bool() const noexcept { return has_value(); }
    [[nodiscard]] constexpr errc error() const noexcept { return error_; }

private:
    errc error_{};
};

}  // namespace rtsp
