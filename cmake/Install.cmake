# Install and export rules: find_package(rtsp) -> rtsp::rtsp (and rtsp::turbojpeg when
# libjpeg-turbo is installed on the consumer's machine).
include(CMakePackageConfigHelpers)

install(DIRECTORY include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS rtsp EXPORT rtspTargets)
set(_rtsp_cmake_dir ${CMAKE_INSTALL_DATADIR}/cmake/rtsp)
install(EXPORT rtspTargets NAMESPACE rtsp:: DESTINATION ${_rtsp_cmake_dir})

configure_package_config_file(cmake/rtspConfig.cmake.in
  ${PROJECT_BINARY_DIR}/rtspConfig.cmake
  INSTALL_DESTINATION ${_rtsp_cmake_dir})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/rtspConfigVersion.cmake
  COMPATIBILITY SameMinorVersion ARCH_INDEPENDENT)
install(FILES
  ${PROJECT_BINARY_DIR}/rtspConfig.cmake
  ${PROJECT_BINARY_DIR}/rtspConfigVersion.cmake
  cmake/FindTurboJpegTarget.cmake
  DESTINATION ${_rtsp_cmake_dir})

# pkg-config, for Makefile and meson users.
configure_file(cmake/rtsp.pc.in ${PROJECT_BINARY_DIR}/rtsp.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/rtsp.pc DESTINATION ${CMAKE_INSTALL_DATADIR}/pkgconfig)
install(FILES LICENSE README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
