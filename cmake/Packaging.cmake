# SPDX-License-Identifier: MIT
# Debian package: `cpack -G DEB` (run in the build tree, after building) writes
# packages/rtsp-cpp_<version>_<arch>.deb with everything `cmake --install` installs: the headers,
# the find_package(rtsp) config, rtsp.pc, the license and README, and rtsp-serve when the
# examples are built. Included from the top-level CMakeLists.txt, after the install rules.
#
# Choices, and why:
#  - One package, not -dev plus a tool package: the library is headers only, so the only
#    binary is rtsp-serve, and people who install the library want the tool to try it with.
#  - Installed under /usr (Debian policy for packages); rtsp.pc and rtspConfig.cmake find their
#    files relative to where they are, so the same tree also works from `dpkg -x` or any prefix.
#  - Depends are written out, not computed with dpkg-shlibdeps, so building the package needs
#    no dpkg-dev: rtsp-serve links only libjpeg-turbo's libturbojpeg and libjpeg (and
#    libc/libstdc++, always present on a system that has a C++20 compiler). Without rtsp-serve the package is Architecture: all.
#  - A CTest test (label `package`) builds the package, unpacks it with `dpkg -x` into a
#    scratch root (never installing it on the machine) and builds tests/package/find_package
#    and a pkg-config consumer against that root.
if(NOT RTSP_INSTALL)
  return()
endif()

# The changelog travels with the headers (and so into the .deb), next to LICENSE and README.
install(FILES CHANGELOG.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(_rtsp_with_serve OFF)
if(RTSP_BUILD_EXAMPLES AND TARGET rtsp::turbojpeg)
  set(_rtsp_with_serve ON)
endif()

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "rtsp-cpp")
set(CPACK_PACKAGE_VENDOR "The rtsp authors")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_DESCRIPTION
  "Streams live JPEG video as RTSP/RTP to VLC, FFmpeg, GStreamer, OpenCV and NVRs, from\n\
microcontroller firmware (no exceptions, no RTTI, no heap) and POSIX hosts. This package\n\
holds the C++20 headers, the CMake package (find_package(rtsp)), rtsp.pc for pkg-config\n\
and, when built with the examples, the rtsp-serve command.")
set(CPACK_PACKAGE_HOMEPAGE_URL "${PROJECT_HOMEPAGE_URL}")
set(CPACK_PACKAGE_CONTACT "The rtsp authors <rtsp-cpp@users.noreply.github.com>")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
set(CPACK_RESOURCE_FILE_README "${PROJECT_SOURCE_DIR}/README.md")
set(CPACK_PACKAGE_DIRECTORY "${PROJECT_BINARY_DIR}/packages")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # rtsp-cpp_0.1.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION "libdevel")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${PROJECT_HOMEPAGE_URL}")
# The headers need a C++20 compiler; rtsp::turbojpeg needs libjpeg-turbo's headers.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "libturbojpeg0-dev, libjpeg62-turbo-dev | libjpeg-dev, pkgconf | pkg-config, cmake (>= 3.25)")
if(_rtsp_with_serve)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "libturbojpeg0, libjpeg62-turbo, libc6, libstdc++6")
else()
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE "all")
endif()

include(CPack)

if(RTSP_BUILD_TESTS)
  add_test(NAME "package: cpack -G DEB, dpkg -x, find_package and pkg-config"
    COMMAND ${CMAKE_COMMAND}
      -DRTSP_SOURCE_DIR=${PROJECT_SOURCE_DIR}
      -DRTSP_BUILD_DIR=${PROJECT_BINARY_DIR}
      -DWORK_DIR=${PROJECT_BINARY_DIR}/tests/package/deb
      -DCPACK_COMMAND=${CMAKE_CPACK_COMMAND}
      -DEXPECT_VERSION=${PROJECT_VERSION}
      -DEXPECT_SERVE=${_rtsp_with_serve}
      -DCXX=${CMAKE_CXX_COMPILER}
      -P ${PROJECT_SOURCE_DIR}/tests/package/deb_test.cmake)
  add_test(NAME "package: pkg-config --cflags rtsp after cmake --install"
    COMMAND ${CMAKE_COMMAND}
      -DRTSP_SOURCE_DIR=${PROJECT_SOURCE_DIR}
      -DRTSP_BUILD_DIR=${PROJECT_BINARY_DIR}
      -DWORK_DIR=${PROJECT_BINARY_DIR}/tests/package/pkgconfig
      -DEXPECT_VERSION=${PROJECT_VERSION}
      -DCXX=${CMAKE_CXX_COMPILER}
      -P ${PROJECT_SOURCE_DIR}/tests/package/pkgconfig_test.cmake)
  set_tests_properties("package: cpack -G DEB, dpkg -x, find_package and pkg-config"
    "package: pkg-config --cflags rtsp after cmake --install"
    PROPERTIES LABELS package TIMEOUT 300)
endif()
