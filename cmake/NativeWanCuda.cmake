# cmake/NativeWanCuda.cmake — CUDA toolkit detection and the kernel fatbin rules.
#
# Sets NATIVEWAN_HAVE_NVCC and, when nvcc exists, defines nativewan_add_kernel_fatbins(), which compiles each
# kernels/<name>.cu into <build>/kernels/<name>.fatbin (SASS for every architecture in
# NATIVEWAN_CUDA_ARCHITECTURES plus PTX for the highest, -lineinfo, -std=c++17). The .NET side loads
# <name>.fatbin from NATIVEWAN_FATBIN (or kernels/ next to the executable) when it is newer than its sources,
# and falls back to NVRTC otherwise (src/NativeWan/Cuda/Nvrtc/KernelLoader.cs).

find_package(CUDAToolkit QUIET)

set(NATIVEWAN_HAVE_NVCC OFF)
if(CUDAToolkit_FOUND AND CUDAToolkit_NVCC_EXECUTABLE AND EXISTS "${CUDAToolkit_NVCC_EXECUTABLE}")
  set(NATIVEWAN_HAVE_NVCC ON)
  set(NATIVEWAN_NVCC "${CUDAToolkit_NVCC_EXECUTABLE}")
endif()

# Architectures nvcc can target: sm_89 and sm_90 need CUDA 11.8.
function(nativewan_supported_archs out_var)
  set(result "")
  foreach(arch IN LISTS NATIVEWAN_CUDA_ARCHITECTURES)
    if(arch GREATER_EQUAL 89 AND CUDAToolkit_VERSION VERSION_LESS 11.8)
      message(STATUS "NativeWan: CUDA ${CUDAToolkit_VERSION} cannot target sm_${arch}; skipped")
    else()
      list(APPEND result ${arch})
    endif()
  endforeach()
  set(${out_var} "${result}" PARENT_SCOPE)
endfunction()

# nativewan_add_kernel_fatbins(TARGET name SOURCES a.cu ... HEADERS x.cuh ... OUTPUT_DIR dir)
function(nativewan_add_kernel_fatbins)
  cmake_parse_arguments(ARG "" "TARGET;OUTPUT_DIR" "SOURCES;HEADERS" ${ARGN})
  nativewan_supported_archs(archs)
  if(NOT archs)
    message(WARNING "NativeWan: no usable CUDA architecture in NATIVEWAN_CUDA_ARCHITECTURES; fatbins not built")
    return()
  endif()
  set(gencode "")
  foreach(arch IN LISTS archs)
    list(APPEND gencode "-gencode=arch=compute_${arch},code=sm_${arch}")
  endforeach()
  list(GET archs -1 ptx_arch)
  list(APPEND gencode "-gencode=arch=compute_${ptx_arch},code=compute_${ptx_arch}")

  set(outputs "")
  foreach(src IN LISTS ARG_SOURCES)
    get_filename_component(stem "${src}" NAME_WE)
    get_filename_component(dir "${src}" DIRECTORY)
    set(out "${ARG_OUTPUT_DIR}/${stem}.fatbin")
    add_custom_command(
      OUTPUT "${out}"
      COMMAND "${CMAKE_COMMAND}" -E make_directory "${ARG_OUTPUT_DIR}"
      COMMAND "${NATIVEWAN_NVCC}" -fatbin -std=c++17 -lineinfo "-I${dir}" ${gencode} -o "${out}" "${src}"
      DEPENDS "${src}" ${ARG_HEADERS}
      COMMENT "nvcc: ${stem}.cu -> ${stem}.fatbin (sm_${archs}; PTX compute_${ptx_arch})"
      VERBATIM)
    list(APPEND outputs "${out}")
  endforeach()
  add_custom_target(${ARG_TARGET} ALL DEPENDS ${outputs})
  install(FILES ${outputs} DESTINATION kernels)
endfunction()
