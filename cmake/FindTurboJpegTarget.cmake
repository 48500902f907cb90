# Locates libjpeg-turbo's TurboJPEG API (Debian: libturbojpeg0-dev) and, when found, defines
# the INTERFACE target rtsp_turbojpeg_dep that links it. Used by the build and, installed, by
# rtspConfig.cmake, so that find_package(rtsp) consumers get rtsp::turbojpeg only when the
# library is present and never need it otherwise.
if(NOT TARGET rtsp_turbojpeg_dep)
  find_path(RTSP_TURBOJPEG_INCLUDE_DIR turbojpeg.h)
  find_library(RTSP_TURBOJPEG_LIBRARY NAMES turbojpeg libturbojpeg)
  if(RTSP_TURBOJPEG_INCLUDE_DIR AND RTSP_TURBOJPEG_LIBRARY)
    add_library(rtsp_turbojpeg_dep INTERFACE IMPORTED GLOBAL)
    set_target_properties(rtsp_turbojpeg_dep PROPERTIES
      INTERFACE_INCLUDE_DIRECTORIES "${RTSP_TURBOJPEG_INCLUDE_DIR}"
      INTERFACE_LINK_LIBRARIES "${RTSP_TURBOJPEG_LIBRARY}")
  endif()
endif()
