# cmake/KernelCheck.cmake — optional `kernel_check` target: compiles every kernels/*.cu for NVPTX with clang
# (device side only, no CUDA toolkit needed; CUDA headers replaced by cmake/clang_cuda_shim.h). It catches syntax
# and type errors on machines without nvcc. Not part of `all`; run `cmake --build <dir> --target kernel_check`.

file(GLOB _nw_llvm_bins LIST_DIRECTORIES true "/usr/lib/llvm-*/bin")
find_program(NATIVEWAN_CLANG NAMES clang++ HINTS ${_nw_llvm_bins})

function(nativewan_add_kernel_check)
  cmake_parse_arguments(ARG "" "OUTPUT_DIR" "SOURCES;HEADERS" ${ARGN})
  if(NOT NATIVEWAN_CLANG)
    message(STATUS "NativeWan: clang++ not found; target kernel_check not available")
    return()
  endif()
  set(outputs "")
  foreach(src IN LISTS ARG_SOURCES)
    get_filename_component(stem "${src}" NAME_WE)
    get_filename_component(dir "${src}" DIRECTORY)
    set(out "${ARG_OUTPUT_DIR}/${stem}.ptx")
    add_custom_command(
      OUTPUT "${out}"
      COMMAND "${CMAKE_COMMAND}" -E make_directory "${ARG_OUTPUT_DIR}"
      COMMAND "${NATIVEWAN_CLANG}" -x cuda --cuda-device-only --cuda-gpu-arch=sm_80 -nocudainc -nocudalib
              -Xclang -target-feature -Xclang +ptx70 -std=c++17 -O2 -Wall -Wextra -Werror
              -include "${CMAKE_CURRENT_SOURCE_DIR}/cmake/clang_cuda_shim.h" "-I${dir}" -S -o "${out}" "${src}"
      DEPENDS "${src}" ${ARG_HEADERS} "${CMAKE_CURRENT_SOURCE_DIR}/cmake/clang_cuda_shim.h"
      COMMENT "clang (NVPTX check): ${stem}.cu"
      VERBATIM)
    list(APPEND outputs "${out}")
  endforeach()
  add_custom_target(kernel_check DEPENDS ${outputs})
  message(STATUS "NativeWan: kernel_check available (clang: ${NATIVEWAN_CLANG})")
endfunction()
