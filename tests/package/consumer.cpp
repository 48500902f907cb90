// A program built against the installed or add_subdirectory()'d library.
#include <rtsp/version.hpp>
#include <rtsp/result.hpp>

int main() {
    rtsp::result<int> r = rtsp::fail(rtsp::errc::jpeg_truncated);
    return (!r && rtsp::version_major >= 0) ? 0 : 1;
}
