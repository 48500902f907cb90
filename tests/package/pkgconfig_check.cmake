# SPDX-License-Identifier: MIT
# rtsp_check_pkg_config(PC_DIR WORK): the installed rtsp.pc, seen by pkg-config alone (no other
# .pc file), must give the version of include/rtsp/version.hpp and -I flags that compile a
# program against the installed headers (included by deb_test.cmake and pkgconfig_test.cmake).
# Uses CXX and EXPECT_VERSION from the caller.
function(rtsp_check_pkg_config pc_dir work)
  find_program(_pkg_config NAMES pkg-config pkgconf)
  if(NOT _pkg_config)
    message(FATAL_ERROR "pkg-config not found (Debian: pkgconf)")
  endif()
  if(NOT EXISTS ${pc_dir}/rtsp.pc)
    message(FATAL_ERROR "rtsp.pc was not installed into ${pc_dir}")
  endif()
  set(_env ${CMAKE_COMMAND} -E env PKG_CONFIG_LIBDIR=${pc_dir} PKG_CONFIG_PATH=)
  foreach(_q modversion cflags)
    execute_process(COMMAND ${_env} ${_pkg_config} --${_q} rtsp
      RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _err OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(NOT _rc EQUAL 0)
      message(FATAL_ERROR "pkg-config --${_q} rtsp failed (${_rc}): ${_err}")
    endif()
    set(_${_q} "${_out}")
  endforeach()
  if(NOT _modversion STREQUAL EXPECT_VERSION)
    message(FATAL_ERROR "pkg-config --modversion rtsp is '${_modversion}', expected ${EXPECT_VERSION}")
  endif()
  if(NOT _cflags MATCHES "-std=c\\+\\+20")
    message(FATAL_ERROR "pkg-config --cflags rtsp lacks -std=c++20: '${_cflags}'")
  endif()
  # The -I directory must be the installed one (not a path baked in at configure time).
  separate_arguments(_flags UNIX_COMMAND "${_cflags}")
  set(_found OFF)
  foreach(_f IN LISTS _flags)
    if(_f MATCHES "^-I(.*)$")
      file(REAL_PATH "${CMAKE_MATCH_1}" _inc)
      if(EXISTS ${_inc}/rtsp/version.hpp)
        file(REAL_PATH "${pc_dir}/../.." _prefix)
        string(FIND "${_inc}" "${_prefix}" _at)
        if(_at EQUAL 0)
          set(_found ON)
        endif()
      endif()
    endif()
  endforeach()
  if(NOT _found)
    message(FATAL_ERROR "pkg-config --cflags rtsp ('${_cflags}') does not point into the installed tree under ${pc_dir}/../..")
  endif()
  file(WRITE ${work}/pc_consumer.cpp [=[
// Built with nothing but `pkg-config --cflags rtsp`.
#include <rtsp/jpeg/parser.hpp>
#include <rtsp/version.hpp>
#include <cstring>
int main(int argc, char** argv) {
    constexpr unsigned char not_a_jpeg[] = {0x00, 0x01};
    const bool refused = !rtsp::jpeg::parse(std::as_bytes(std::span(not_a_jpeg)));
    return argc == 2 && refused && std::strcmp(argv[1], RTSP_VERSION_STRING) == 0 ? 0 : 1;
}
]=])
  execute_process(COMMAND ${CXX} ${_flags} ${work}/pc_consumer.cpp -o ${work}/pc_consumer
    RESULT_VARIABLE _rc OUTPUT_VARIABLE _out ERROR_VARIABLE _out)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "compiling with `pkg-config --cflags rtsp` (${_cflags}) failed:\n${_out}")
  endif()
  execute_process(COMMAND ${work}/pc_consumer ${EXPECT_VERSION} RESULT_VARIABLE _rc)
  if(NOT _rc EQUAL 0)
    message(FATAL_ERROR "the pkg-config consumer failed (${_rc}): version header and rtsp.pc disagree?")
  endif()
  message(STATUS "pkg-config: rtsp ${_modversion}, cflags '${_cflags}': consumer built and ran")
endfunction()
