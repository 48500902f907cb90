// SPDX-License-Identifier: MIT
// rtsp/detail/inplace_function.hpp - a callable stored inside the object, never on the heap.
//
// std::function may allocate and needs RTTI for target(); firmware has neither. This holds any
// callable up to Capacity bytes (checked at compile time) and calls it through one function
// pointer. Copying is not needed by the server, so it is move-only and minimal.
#pragma once

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace rtsp::detail {

template <class Signature, std::size_t Capacity>
class inplace_function;

template <class R, class... Args, std::size_t Capacity>
class inplace_function<R(Args...), Capacity> {
public:
    inplace_function() noexcept = default;
    inplace_function(const inplace_function&) = delete;
    inplace_function& operator=(const inplace_function&) = delete;
    ~inplace_function() { reset(); }

    template <class F>
    void assign(F f) noexcept {
        using T = std::decay_t<F>;
        static_assert(sizeof(T) <= Capacity,
                      "callback too large for its inplace storage: capture less (e.g. a pointer) "
                      "or raise Config::callback_storage");
        static_assert(alignof(T) <= alignof(std::max_align_t), "callback over-aligned");
        static_assert(std::is_nothrow_move_constructible_v<T>, "callback must be nothrow movable");
        reset();
        ::new (static_cast<void*>(storage_)) T(std::move(f));
        call_ = [](void* p, Args... args) -> R {
            return (*static_cast<T*>(p))(std::forward<Args>(args)...);
        };
        if constexpr (!std::is_trivially_destructible_v<T>)  // lambdas usually are: no code
            destroy_ = [](void* p) noexcept { static_cast<T*>(p)->~T(); };
    }
    void reset() noexcept {
        if (destroy_) destroy_(storage_);
        call_ = nullptr;
        destroy_ = nullptr;
    }
    [[nodiscard]] explicit operator bool() const noexcept { return call_ != nullptr; }
    R operator()(Args... args) { return call_(storage_, std::forward<Args>(args)...); }

private:
    alignas(std::max_align_t) unsigned char storage_[Capacity > 0 ? Capacity : 1];
    R (*call_)(void*, Args...) = nullptr;
    void (*destroy_)(void*) noexcept = nullptr;
};

}  // namespace rtsp::detail
