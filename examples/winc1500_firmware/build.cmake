# Cortex-M7 build of the WINC1500 firmware example, run by CTest as `cmake -P` (registered in
# tests/winc1500/CMakeLists.txt). Compiles main.cpp (the seed's program on
# rtsp::winc1500::rtsp_server), driver_stubs.cpp (weak driver functions) and heap_trap.cpp,
# links them with newlib-nano and --gc-sections, fails if anything reachable allocates (the
# heap trap leaves `rtsp_heap_is_forbidden_on_the_target' undefined), and reports the
# library's footprint: flash = .text + .rodata, static RAM = .data + .bss, from the ELF's
# symbol table, without the driver stubs, the board glue and the frame (pixels + fixed JPEG).
# Built with rtsp::embedded_config; the limits below apply.
# Inputs: ARM_GXX, SOURCE_DIR (project root), WORK_DIR; optional FLASH_LIMIT, RAM_LIMIT (bytes),
# INCLUDE_DIR (the library headers, default SOURCE_DIR/include).
cmake_minimum_required(VERSION 3.25)

set(_install_hint "install the Arm bare-metal toolchain: apt-get install gcc-arm-none-eabi libstdc++-arm-none-eabi-newlib")
if(NOT ARM_GXX OR NOT EXISTS "${ARM_GXX}")
  message(FATAL_ERROR "arm-none-eabi-g++ was not found; ${_install_hint}")
endif()
# Issue 4's targets are the ceilings: 24 KiB of flash, 8 KiB of static RAM (BENCHMARKS.md).
if(NOT FLASH_LIMIT)
  set(FLASH_LIMIT 24576)
endif()
if(NOT RAM_LIMIT)
  set(RAM_LIMIT 8192)
endif()
get_filename_component(_bindir ${ARM_GXX} DIRECTORY)
find_program(ARM_OBJDUMP NAMES arm-none-eabi-objdump HINTS ${_bindir} REQUIRED)
find_program(ARM_SIZE NAMES arm-none-eabi-size HINTS ${_bindir} REQUIRED)

set(_here ${SOURCE_DIR}/examples/winc1500_firmware)
if(NOT INCLUDE_DIR)
  set(INCLUDE_DIR ${SOURCE_DIR}/include)
endif()
set(_cxxflags -std=c++20 -mcpu=cortex-m7 -mthumb -Os -fno-exceptions -fno-rtti
  -Wall -Wextra -Werror -ffunction-sections -fdata-sections -I${INCLUDE_DIR})
set(_ldflags -mcpu=cortex-m7 -mthumb -specs=nano.specs -specs=nosys.specs -nostartfiles
  -Wl,-e,Reset_Handler -Wl,--gc-sections)
file(MAKE_DIRECTORY ${WORK_DIR})

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  string(REPLACE ";" " " cmd "${ARGN}")
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what} failed (exit ${rc}):\n${cmd}\n${out}")
  endif()
endfunction()

# Excluded from the library's figures: the driver stubs, the board glue, the frame.
set(_excluded g_frame_pixels g_fixed_jpeg g_fixed_jpeg_size Reset_Handler SysTick_Handler
  firmware_assert_failed board_trng_u64 nm_bsp_init socketInit socketDeinit registerSocketCallback)

function(build variant defines)
  set(_o ${WORK_DIR}/${variant})
  file(REMOVE ${_o}.elf)
  run("compile main.cpp (${variant})" ${ARM_GXX} ${_cxxflags} ${defines} -c ${_here}/main.cpp -o ${_o}_main.o)
  run("compile driver_stubs.cpp" ${ARM_GXX} ${_cxxflags} -c ${_here}/driver_stubs.cpp -o ${_o}_stubs.o)
  run("compile heap_trap.cpp" ${ARM_GXX} ${_cxxflags} -c ${_here}/heap_trap.cpp -o ${_o}_trap.o)
  set(_link ${ARM_GXX} ${_ldflags} ${_o}_main.o ${_o}_stubs.o ${_o}_trap.o -Wl,-Map=${_o}.map -o ${_o}.elf)
  execute_process(COMMAND ${_link} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  string(REPLACE ";" " " _cmd "${_link}")
  if(NOT rc EQUAL 0)
    # Name the functions that call into throwing or allocating code.
    execute_process(COMMAND ${ARM_OBJDUMP} -dr -C ${_o}_main.o OUTPUT_VARIABLE _dis ERROR_QUIET)
    string(REPLACE ";" "," _dis "${_dis}")
    string(REPLACE "\n" ";" _dis "${_dis}")
    set(_culprits "")
    set(_fn "")
    foreach(line IN LISTS _dis)
      if(line MATCHES "^[0-9a-f]+ <(.*)>:$")
        set(_fn "${CMAKE_MATCH_1}")
      elseif(line MATCHES "R_ARM_[A-Z_0-9]+[ \t]+(.*(__throw_|__cxa_|operator new|operator delete|malloc|calloc|realloc|free).*)$")
        list(APPEND _culprits "  ${_fn}\n      calls ${CMAKE_MATCH_1}")
      endif()
    endforeach()
    list(REMOVE_DUPLICATES _culprits)
    string(REPLACE ";" "\n" _culprits "${_culprits}")
    message(FATAL_ERROR "the WINC1500 firmware (${variant}) did not link (exit ${rc}); an undefined "
      "`rtsp_heap_is_forbidden_on_the_target' means something reachable allocates (or throws: "
      "a checked standard member such as string_view::substr).\n${_cmd}\n${out}\n"
      "Calls into throwing or allocating code:\n${_culprits}")
  endif()

  # Driver stubs: every symbol the stubs object defines.
  execute_process(COMMAND ${ARM_OBJDUMP} -t ${_o}_stubs.o OUTPUT_VARIABLE _stub_syms)
  string(REPLACE "\n" ";" _stub_syms "${_stub_syms}")
  set(_skip ${_excluded})
  foreach(line IN LISTS _stub_syms)
    if(line MATCHES "^[0-9a-f]+ .......  *\\.text[^ \t]*[ \t]+[0-9a-f]+ (.+)$")
      list(APPEND _skip "${CMAKE_MATCH_1}")
    endif()
  endforeach()

  # Section totals of the ELF, minus the excluded symbols in each. Section totals (not symbol
  # sums) so that string literals in merged .rodata.str sections, which have no symbols, count.
  execute_process(COMMAND ${ARM_SIZE} -A ${_o}.elf OUTPUT_VARIABLE _sections)
  string(REPLACE "\n" ";" _sections "${_sections}")
  foreach(k text rodata data bss)
    set(${k} 0)
  endforeach()
  foreach(line IN LISTS _sections)
    if(line MATCHES "^\\.(text|rodata|data|bss)[ \t]+([0-9]+)")
      math(EXPR ${CMAKE_MATCH_1} "${${CMAKE_MATCH_1}} + ${CMAKE_MATCH_2}")
    endif()
  endforeach()
  execute_process(COMMAND ${ARM_OBJDUMP} -t ${_o}.elf OUTPUT_VARIABLE _syms)
  string(REPLACE ";" "," _syms "${_syms}")
  string(REPLACE "\n" ";" _syms "${_syms}")
  set(skipped 0)
  foreach(line IN LISTS _syms)
    if(NOT line MATCHES "^([0-9a-f]+) (.......) \\.(text|rodata|data|bss)[^ \t]*[ \t]+([0-9a-f]+) (.+)$")
      continue()
    endif()
    set(_kind "${CMAKE_MATCH_3}")
    set(_name "${CMAKE_MATCH_5}")
    math(EXPR _size "0x${CMAKE_MATCH_4}")
    list(FIND _skip "${_name}" _i)
    if(_i EQUAL -1 OR _size EQUAL 0)
      continue()
    endif()
    math(EXPR ${_kind} "${${_kind}} - ${_size}")
    math(EXPR skipped "${skipped} + ${_size}")
  endforeach()
  math(EXPR flash "${text} + ${rodata}")
  math(EXPR ram "${data} + ${bss}")
  execute_process(COMMAND ${ARM_SIZE} ${_o}.elf OUTPUT_VARIABLE _size_out)
  string(CONCAT _report "WINC1500 firmware (${variant}): library flash ${flash} B (.text ${text} + .rodata ${rodata}), "
    "static RAM ${ram} B (.data ${data} + .bss ${bss}); excluded (driver stubs, board glue, frame): ${skipped} B\n"
    "whole ELF (arm-none-eabi-size):\n${_size_out}")
  file(WRITE ${_o}_footprint.txt "${_report}")
  message(STATUS "link without a heap: ok\n${_cmd}\n${_report}")
  set(${variant}_flash ${flash} PARENT_SCOPE)
  set(${variant}_ram ${ram} PARENT_SCOPE)
endfunction()

build(embedded_config "")
if(embedded_config_flash GREATER FLASH_LIMIT OR embedded_config_ram GREATER RAM_LIMIT)
  message(FATAL_ERROR "footprint regression: flash ${embedded_config_flash} B (ceiling ${FLASH_LIMIT}), "
    "static RAM ${embedded_config_ram} B (ceiling ${RAM_LIMIT})")
endif()
