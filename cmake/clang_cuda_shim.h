// cmake/clang_cuda_shim.h — minimal stand-ins for the CUDA headers so that clang can compile kernels/*.cu for
// an NVPTX target without a CUDA toolkit (target `kernel_check` in CMakeLists.txt). This only checks that the
// kernels are valid CUDA C++ and generate PTX; the real builds are NVRTC at run time and nvcc for the fatbin.
// Semantics of the stand-ins match CUDA's where it matters for compilation (types, signatures), not for precision.
#pragma once
#define __host__ __attribute__((host))
#define __device__ __attribute__((device))
#define __global__ __attribute__((global))
#define __shared__ __attribute__((shared))
#define __forceinline__ __inline__ __attribute__((always_inline))
#define __align__(n) __attribute__((aligned(n)))
#include <__clang_cuda_builtin_vars.h>
struct __attribute__((aligned(16))) uint4 { unsigned int x, y, z, w; };
struct __attribute__((aligned(16))) float4 { float x, y, z, w; };
__device__ inline float __uint_as_float(unsigned int u) { return __builtin_bit_cast(float, u); }
__device__ inline unsigned int __float_as_uint(float f) { return __builtin_bit_cast(unsigned int, f); }
__device__ inline float __int_as_float(int u) { return __builtin_bit_cast(float, u); }
__device__ inline float __fmaf_rn(float a, float b, float c) { return __builtin_fmaf(a, b, c); }
__device__ inline float __fmul_rn(float a, float b) { return a * b; }
__device__ inline float fmaxf(float a, float b) { return __builtin_fmaxf(a, b); }
__device__ inline uint4 __ldg(const uint4* p) { return *p; }
__device__ inline float4 __ldg(const float4* p) { return *p; }
__device__ inline float __shfl_xor_sync(unsigned mask, float v, int lane) { return __nvvm_shfl_sync_bfly_f32(mask, v, lane, 0x1f); }
__device__ inline float atomicAdd(float* p, float v) { return __nvvm_atom_add_gen_f(p, v); }

// Warp intrinsics used by the op kernels.
__device__ inline float __shfl_sync(unsigned mask, float v, int lane) { return __nvvm_shfl_sync_idx_f32(mask, v, lane, 0x1f); }
__device__ inline void __syncwarp(unsigned mask = 0xffffffffu) { __nvvm_bar_warp_sync(mask); }

// Math functions: NVRTC and nvcc provide these implicitly; here they forward to libdevice names, which stay unresolved
// externals in the PTX (-nocudalib). Enough for a compile check.
extern "C" {
__device__ float __nv_expf(float);
__device__ float __nv_logf(float);
__device__ float __nv_tanhf(float);
__device__ float __nv_sqrtf(float);
__device__ float __nv_fadd_rn(float, float);
__device__ float __nv_fsub_rn(float, float);
__device__ float __nv_fdiv_rn(float, float);
__device__ float __nv_fsqrt_rn(float);
__device__ double __nv_cos(double);
__device__ double __nv_sin(double);
__device__ double __nv_pow(double, double);
}
__device__ inline float expf(float x) { return __nv_expf(x); }
__device__ inline float logf(float x) { return __nv_logf(x); }
__device__ inline float tanhf(float x) { return __nv_tanhf(x); }
__device__ inline float sqrtf(float x) { return __nv_sqrtf(x); }
__device__ inline float fminf(float a, float b) { return __builtin_fminf(a, b); }
__device__ inline float fabsf(float a) { return __builtin_fabsf(a); }
__device__ inline float fmaf(float a, float b, float c) { return __builtin_fmaf(a, b, c); }
__device__ inline float __fadd_rn(float a, float b) { return __nv_fadd_rn(a, b); }
__device__ inline float __fsub_rn(float a, float b) { return __nv_fsub_rn(a, b); }
__device__ inline float __fdiv_rn(float a, float b) { return __nv_fdiv_rn(a, b); }
__device__ inline float __fsqrt_rn(float a) { return __nv_fsqrt_rn(a); }
__device__ inline double cos(double x) { return __nv_cos(x); }
__device__ inline double sin(double x) { return __nv_sin(x); }
__device__ inline double pow(double x, double y) { return __nv_pow(x, y); }
__device__ inline int min(int a, int b) { return a < b ? a : b; }
__device__ inline int max(int a, int b) { return a > b ? a : b; }
