// SPDX-License-Identifier: MIT
// rtsp/session.hpp - one RTSP session's state machine (RFC 2326 Appendix A.2), without I/O.
//
//   init --SETUP--> ready --PLAY--> playing --PAUSE--> ready
//   any  --TEARDOWN, connection loss, timeout--> gone
//
// The server asks this table what a method does in a state; keeping it pure makes every
// transition testable on its own and keeps the server's request handling a flat dispatch.
#pragma once

#include <cstdint>

#include "rtsp/protocol/method.hpp"

namespace rtsp {

enum class session_state : std::uint8_t { init, ready, playing };

struct transition {
    int status;               ///< RTSP status to answer (200 on success)
    session_state next;       ///< state after the request (unchanged on error)
};

/// What `m` does to a session in state `s`. Methods that do not act on a session state
/// (OPTIONS, DESCRIBE, GET_PARAMETER, SET_PARAMETER) leave it unchanged with 200.
[[nodiscard]] constexpr transition next_state(session_state s, protocol::method m) noexcept {
    using protocol::method;
    switch (m) {
    case method::setup:
        // A SETUP on a playing session would change its transport under a live stream.
        if (s == session_state::playing) return {455, s};
        return {200, session_state::ready};
    case method::play:
        if (s == session_state::init) return {455, s};
        return {200, session_state::playing};
    case method::pause:
        if (s == session_state::init) return {455, s};
        return {200, session_state::ready};
    case method::teardown:
        return {200, session_state::init};
    case method::options:
    case method::describe:
    case method::get_parameter:
    case method::set_parameter:
        return {200, s};
    case method::announce:
    case method::record:
    case method::redirect:
        return {405, s};
    case method::unknown:
        return {501, s};
    }
    return {501, s};
}

}  // namespace rtsp
