// Splits what a server sent on one connection into RTSP responses and interleaved '$' frames,
// for tests that play the client (server_test.cpp, server_auth_test.cpp). Strict: anything
// that is neither a well-formed response nor a complete '$' frame fails the test.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

namespace rtsp::test {

struct rtsp_response {
    int status = 0;
    std::multimap<std::string, std::string> headers;  // lower-case names, duplicates kept in order
    std::string body;

    /// The first value of header `name` (lower case), or "" when absent.
    [[nodiscard]] std::string get(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
    /// Every value of header `name`, in the order sent (e.g. several WWW-Authenticate).
    [[nodiscard]] std::vector<std::string> all(const std::string& name) const {
        std::vector<std::string> v;
        auto [b, e] = headers.equal_range(name);
        for (auto it = b; it != e; ++it) v.push_back(it->second);
        return v;
    }
};

struct rtsp_output {
    std::vector<rtsp_response> responses;
    std::map<int, std::vector<std::vector<std::byte>>> interleaved;  // channel -> payloads
};

inline rtsp_output parse_rtsp_output(const std::string& out) {
    rtsp_output v;
    std::size_t i = 0;
    while (i < out.size()) {
        if (out[i] == '$') {
            REQUIRE(i + 4 <= out.size());
            int ch = static_cast<unsigned char>(out[i + 1]);
            std::size_t len = (std::size_t(static_cast<unsigned char>(out[i + 2])) << 8) |
                              static_cast<unsigned char>(out[i + 3]);
            REQUIRE(i + 4 + len <= out.size());
            std::vector<std::byte> p(len);
            for (std::size_t k = 0; k < len; ++k) p[k] = std::byte(static_cast<unsigned char>(out[i + 4 + k]));
            v.interleaved[ch].push_back(std::move(p));
            i += 4 + len;
            continue;
        }
        auto end = out.find("\r\n\r\n", i);
        REQUIRE(end != std::string::npos);
        std::string head = out.substr(i, end - i);
        REQUIRE(head.rfind("RTSP/1.0 ", 0) == 0);
        rtsp_response r;
        r.status = std::stoi(head.substr(9, 3));
        std::size_t pos = head.find("\r\n");
        while (pos != std::string::npos && pos < head.size()) {
            std::size_t next = head.find("\r\n", pos + 2);
            std::string line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
            auto colon = line.find(':');
            REQUIRE(colon != std::string::npos);
            std::string name = line.substr(0, colon);
            std::transform(name.begin(), name.end(), name.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            std::string value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.erase(0, 1);
            r.headers.emplace(name, value);
            pos = next;
        }
        i = end + 4;
        if (auto cl = r.get("content-length"); !cl.empty()) {
            std::size_t len = std::stoul(cl);
            REQUIRE(i + len <= out.size());
            r.body = out.substr(i, len);
            i += len;
        }
        v.responses.push_back(std::move(r));
    }
    return v;
}

}  // namespace rtsp::test
