// cuda_emu.h — a host emulator of the CUDA execution model, just enough to run kernels/*.cu on the CPU in the tests
// (CudaKernelEmulator.cs builds them into a shared library with g++/clang++ and `-include cuda_emu.h`).
//
// Every thread of a block is a coroutine (cuda_emu_runtime.cpp); the block's threads run one at a time on one OS
// thread and switch only at barriers: __syncthreads() waits for every thread of the block, __syncwarp() and the warp
// shuffles for the 32 lanes of the warp. `__shared__` variables are function statics, i.e. one copy shared by the block
// (blocks run one after another). Memory is host memory: "device pointers" are host addresses.
//
// What this checks: indexing, launch shapes, reductions, tiling, masking, the argument ABI. What it cannot: data races
// and missing barriers are only partly visible (threads switch only at barriers, so most orderings never happen),
// occupancy, shared-memory limits, performance, and the exact rounding of CUDA's expf/logf/tanhf (the host libm is
// used; differences are far below the NMSE thresholds).
#pragma once
#include <math.h>
#include <string.h>

#define __host__
#define __device__
#define __global__
#define __shared__ static
#define __forceinline__ inline
#define __align__(n) alignas(n)

struct uint3 { unsigned int x, y, z; };
struct dim3 { unsigned int x, y, z; };
struct alignas(16) uint4 { unsigned int x, y, z, w; };
struct alignas(16) float4 { float x, y, z, w; };

namespace nwemu {
uint3& thread_idx();
extern uint3 block_idx;
extern dim3 block_dim, grid_dim;
void block_barrier();
void warp_barrier();
float shfl_xor(float v, int lane_mask);
float shfl_idx(float v, int src_lane);
}  // namespace nwemu

#define threadIdx (::nwemu::thread_idx())
#define blockIdx (::nwemu::block_idx)
#define blockDim (::nwemu::block_dim)
#define gridDim (::nwemu::grid_dim)

inline void __syncthreads() { nwemu::block_barrier(); }
inline void __syncwarp(unsigned = 0xffffffffu) { nwemu::warp_barrier(); }
inline float __shfl_xor_sync(unsigned, float v, int lane_mask) { return nwemu::shfl_xor(v, lane_mask); }
inline float __shfl_sync(unsigned, float v, int src) { return nwemu::shfl_idx(v, src); }

inline float __uint_as_float(unsigned int u) { float f; memcpy(&f, &u, 4); return f; }
inline unsigned int __float_as_uint(float f) { unsigned int u; memcpy(&u, &f, 4); return u; }
inline float __int_as_float(int i) { float f; memcpy(&f, &i, 4); return f; }
inline float __fmaf_rn(float a, float b, float c) { return fmaf(a, b, c); }
inline float __fmul_rn(float a, float b) { return a * b; }   // built with -ffp-contract=off: never fused
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline float __fsqrt_rn(float a) { return sqrtf(a); }
inline uint4 __ldg(const uint4* p) { return *p; }
inline float4 __ldg(const float4* p) { return *p; }
inline float atomicAdd(float* p, float v) { float old = *p; *p = old + v; return old; }
inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
