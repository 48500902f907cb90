# SPDX-License-Identifier: MIT
# The Debian package, end to end without touching the machine's packages (cmake -P script, run
# by CTest): cpack -G DEB in the build tree, the .deb's control fields, `dpkg -x` into a scratch
# root, the files that must be in it, then tests/package/find_package configured, built and run
# against that root, and pkg-config against its rtsp.pc.
cmake_minimum_required(VERSION 3.25)
include(${CMAKE_CURRENT_LIST_DIR}/pkgconfig_check.cmake)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}\n${out}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

foreach(tool dpkg-deb dpkg)
  find_program(_${tool} ${tool})
  if(NOT _${tool})
    message(FATAL_ERROR "${tool} not found (Debian: dpkg)")
  endif()
endforeach()

# 1. The package, written into the scratch folder (not the build tree's packages/).
run(${CPACK_COMMAND} -G DEB --config ${RTSP_BUILD_DIR}/CPackConfig.cmake -B ${WORK_DIR}/out)
file(GLOB debs ${WORK_DIR}/out/*.deb)
list(LENGTH debs n)
if(NOT n EQUAL 1)
  message(FATAL_ERROR "expected one .deb in ${WORK_DIR}/out, found ${n}: ${debs}")
endif()
get_filename_component(deb_name ${debs} NAME)
if(NOT deb_name MATCHES "^rtsp-cpp_${EXPECT_VERSION}_[a-z0-9]+\\.deb$")
  message(FATAL_ERROR "unexpected package file name ${deb_name}")
endif()

# 2. Its control fields.
foreach(field Package Version Maintainer Section)
  run(${_dpkg-deb} --field ${debs} ${field})
  string(STRIP "${run_output}" value)
  set(field_${field} "${value}")
endforeach()
if(NOT field_Package STREQUAL "rtsp-cpp" OR NOT field_Version STREQUAL EXPECT_VERSION OR field_Maintainer STREQUAL "")
  message(FATAL_ERROR "bad control fields: Package='${field_Package}' Version='${field_Version}' Maintainer='${field_Maintainer}'")
endif()
run(${_dpkg-deb} --field ${debs} Depends)
if(EXPECT_SERVE AND NOT (run_output MATCHES "libturbojpeg0" AND run_output MATCHES "libjpeg62-turbo"))
  message(FATAL_ERROR "rtsp-serve is packaged but Depends lacks libturbojpeg0 or libjpeg62-turbo: '${run_output}'")
endif()

# 3. Unpacked into a scratch root: no system install.
set(root ${WORK_DIR}/root)
run(${_dpkg} -x ${debs} ${root})
set(must_have
  usr/include/rtsp/rtsp.hpp usr/include/rtsp/version.hpp usr/include/rtsp/server.hpp
  usr/share/cmake/rtsp/rtspConfig.cmake usr/share/cmake/rtsp/rtspConfigVersion.cmake
  usr/share/cmake/rtsp/rtspTargets.cmake usr/share/pkgconfig/rtsp.pc)
if(EXPECT_SERVE)
  list(APPEND must_have usr/bin/rtsp-serve)
endif()
foreach(f IN LISTS must_have)
  if(NOT EXISTS ${root}/${f})
    message(FATAL_ERROR "the package lacks /${f}")
  endif()
endforeach()
file(GLOB_RECURSE stray RELATIVE ${root} ${root}/usr/local/* ${root}/home/* ${root}/tmp/*)
if(stray)
  message(FATAL_ERROR "the package installs outside /usr: ${stray}")
endif()
if(EXPECT_SERVE)
  run(${root}/usr/bin/rtsp-serve --help)
  if(NOT run_output MATCHES "Usage: rtsp-serve")
    message(FATAL_ERROR "the packaged rtsp-serve --help printed: ${run_output}")
  endif()
endif()

# 4. find_package(rtsp) against the unpacked root.
run(${CMAKE_COMMAND} -S ${RTSP_SOURCE_DIR}/tests/package/find_package -B ${WORK_DIR}/consumer
  -DCMAKE_PREFIX_PATH=${root}/usr -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF -DCMAKE_CXX_COMPILER=${CXX})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/consumer)
run(${WORK_DIR}/consumer/consumer)
# It must have found this root, not another copy on the machine.
file(STRINGS ${WORK_DIR}/consumer/CMakeCache.txt rtsp_dir REGEX "^rtsp_DIR:")
file(REAL_PATH ${root} real_root)
if(NOT rtsp_dir MATCHES "${real_root}|${root}")
  message(FATAL_ERROR "find_package(rtsp) found ${rtsp_dir}, not the package under ${root}")
endif()

# 5. pkg-config against the unpacked rtsp.pc.
rtsp_check_pkg_config(${root}/usr/share/pkgconfig ${WORK_DIR})

message(STATUS "${deb_name}: unpacked, find_package and pkg-config consumers built and ran")
file(REMOVE_RECURSE ${WORK_DIR})
