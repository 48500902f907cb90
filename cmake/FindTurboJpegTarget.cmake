# Locates libjpeg-turbo (Debian: libturbojpeg0-dev and libjpeg62-turbo-dev) and, when found,
# defines the INTERFACE target rtsp_turbojpeg_dep that links it: the TurboJPEG API
# (libturbojpeg) for RGB, RGB565 and gray frames, and the libjpeg API of the same project
# (libjpeg) whose raw-data interface takes YUYV one MCU row at a time. Used by the build and,
# installed, by rtspConfig.cmake, so that find_package(rtsp) consumers get rtsp::turbojpeg only
# when both are present and never need them otherwise.
if(NOT TARGET rtsp_turbojpeg_dep)
  find_path(RTSP_TURBOJPEG_INCLUDE_DIR turbojpeg.h)
  find_library(RTSP_TURBOJPEG_LIBRARY NAMES turbojpeg libturbojpeg)
  find_path(RTSP_LIBJPEG_INCLUDE_DIR jpeglib.h)
  find_library(RTSP_LIBJPEG_LIBRARY NAMES jpeg libjpeg)
  if(RTSP_TURBOJPEG_INCLUDE_DIR AND RTSP_TURBOJPEG_LIBRARY AND RTSP_LIBJPEG_INCLUDE_DIR AND RTSP_LIBJPEG_LIBRARY)
    add_library(rtsp_turbojpeg_dep INTERFACE IMPORTED GLOBAL)
    set_target_properties(rtsp_turbojpeg_dep PROPERTIES
      INTERFACE_INCLUDE_DIRECTORIES "${RTSP_TURBOJPEG_INCLUDE_DIR};${RTSP_LIBJPEG_INCLUDE_DIR}"
      INTERFACE_LINK_LIBRARIES "${RTSP_TURBOJPEG_LIBRARY};${RTSP_LIBJPEG_LIBRARY}")
  endif()
endif()
