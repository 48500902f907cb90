# SPDX-License-Identifier: MIT
# `cmake --install` into a scratch prefix, then pkg-config --cflags/--modversion rtsp against the
# installed rtsp.pc and a program built with those flags (cmake -P script, run by CTest).
cmake_minimum_required(VERSION 3.25)
include(${CMAKE_CURRENT_LIST_DIR}/pkgconfig_check.cmake)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${RTSP_BUILD_DIR} --prefix ${WORK_DIR}/prefix
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc}):\n${out}")
endif()
rtsp_check_pkg_config(${WORK_DIR}/prefix/share/pkgconfig ${WORK_DIR})
file(REMOVE_RECURSE ${WORK_DIR})
