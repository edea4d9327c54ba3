// kernels/common.cuh — device helpers shared by every NativeWan kernel.
//
// defines: nw::bf16, nw::bf16_to_float, nw::float_to_bf16, nw::load_bf16x8 / nw::store_bf16x8,
//          nw::load_float4 / nw::store_float4, nw::warp_sum / nw::warp_max, nw::block_sum / nw::block_max,
//          nw::global_thread_index, nw::grid_stride, nw::is_aligned,
//          nw::to_float / nw::store (bf16-or-fp32 generic access), nw::neg_inf, nw::warp_broadcast
//
// Compiled two ways, from this same file:
//   * at run time by NVRTC (src/NativeWan/Cuda/Nvrtc/KernelCompiler.cs) with -std=c++17 -lineinfo
//     --include-path=kernels/, and
//   * offline by nvcc through CMakeLists.txt into a fatbin (sm_80/86/89/90 + compute_90 PTX).
// So: no host headers (<cstdint>, <cstdio>, ... do not exist under NVRTC), only device code, and every kernel is
// declared `extern "C" __global__` so the host looks it up by its plain name (cuModuleGetFunction).
//
// bf16: this header deliberately does not include <cuda_bf16.h>. nw::bf16 is the raw 16-bit pattern and the
// conversions below are the exact integer rules of NativeWan.Numerics.BFloat16 (round to nearest even, NaN kept
// quiet, overflow to ±inf), so GPU and CPU reference round bit-identically and the file compiles with any NVRTC.
// Kernels that want the __nv_bfloat16 / __nv_bfloat162 intrinsics may `#include <cuda_bf16.h>`: NVRTC 12.x and 13.x
// ship it as a built-in header (no include path needed); for an older NVRTC add
// NATIVEWAN_NVRTC_OPTIONS="--include-path=/usr/local/cuda/include". A nw::bf16 and an __nv_bfloat16 have the same
// size and bits, so pointers may be reinterpret_cast between them.
//
// Reductions assume blockDim.x is a multiple of 32 (whole warps) and at most 1024, and that every thread of the
// block calls them (they contain __syncthreads()).
#pragma once

namespace nw {

// ---------------------------------------------------------------------------------------------------------------
// bf16 storage type and conversions

struct __align__(2) bf16 {
    unsigned short bits;
};

// Exact: bf16 is the upper half of a binary32.
__device__ __forceinline__ float bf16_to_float(bf16 x) {
    return __uint_as_float(static_cast<unsigned int>(x.bits) << 16);
}

// Round to nearest, ties to even; NaN → quiet NaN with the same sign and top payload bits; values at or beyond the
// halfway point above the largest finite bf16 round to ±inf. Same rule as BFloat16.RoundToBits on the CPU.
__device__ __forceinline__ bf16 float_to_bf16(float f) {
    unsigned int u = __float_as_uint(f);
    bf16 r;
    if ((u & 0x7fffffffu) > 0x7f800000u)
        r.bits = static_cast<unsigned short>((u >> 16) | 0x0040u);
    else
        r.bits = static_cast<unsigned short>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
    return r;
}

// Two bf16 packed in 32 bits (low half = element 0), as a 4-byte vector load returns them.
__device__ __forceinline__ float bf16_lo(unsigned int w) { return __uint_as_float(w << 16); }
__device__ __forceinline__ float bf16_hi(unsigned int w) { return __uint_as_float(w & 0xffff0000u); }
__device__ __forceinline__ unsigned int pack_bf16x2(float lo, float hi) {
    return static_cast<unsigned int>(float_to_bf16(lo).bits) | (static_cast<unsigned int>(float_to_bf16(hi).bits) << 16);
}

// Generic element access for kernels templated on a storage type T ∈ {bf16, float}: compute is always fp32.
__device__ __forceinline__ float to_float(bf16 x) { return bf16_to_float(x); }
__device__ __forceinline__ float to_float(float x) { return x; }
__device__ __forceinline__ void store(bf16* p, float v) { *p = float_to_bf16(v); }
__device__ __forceinline__ void store(float* p, float v) { *p = v; }

// −∞ without <math.h> (NVRTC has no INFINITY macro without host headers).
__device__ __forceinline__ float neg_inf() { return -__int_as_float(0x7f800000); }

// ---------------------------------------------------------------------------------------------------------------
// vector loads and stores (16 bytes per thread: one LDG.128 / STG.128)

__device__ __forceinline__ bool is_aligned(const void* p, unsigned int bytes) {
    return (reinterpret_cast<unsigned long long>(p) & (bytes - 1)) == 0;
}

// Loads 8 consecutive bf16 from p (p must be 16-byte aligned) through the read-only cache, widened to float.
__device__ __forceinline__ void load_bf16x8(const bf16* p, float (&out)[8]) {
    uint4 v = __ldg(reinterpret_cast<const uint4*>(p));
    out[0] = bf16_lo(v.x); out[1] = bf16_hi(v.x);
    out[2] = bf16_lo(v.y); out[3] = bf16_hi(v.y);
    out[4] = bf16_lo(v.z); out[5] = bf16_hi(v.z);
    out[6] = bf16_lo(v.w); out[7] = bf16_hi(v.w);
}

// Rounds 8 floats to bf16 and stores them at p (16-byte aligned).
__device__ __forceinline__ void store_bf16x8(bf16* p, const float (&in)[8]) {
    uint4 v;
    v.x = pack_bf16x2(in[0], in[1]);
    v.y = pack_bf16x2(in[2], in[3]);
    v.z = pack_bf16x2(in[4], in[5]);
    v.w = pack_bf16x2(in[6], in[7]);
    *reinterpret_cast<uint4*>(p) = v;
}

// 4 floats, p 16-byte aligned.
__device__ __forceinline__ float4 load_float4(const float* p) { return __ldg(reinterpret_cast<const float4*>(p)); }
__device__ __forceinline__ void store_float4(float* p, float4 v) { *reinterpret_cast<float4*>(p) = v; }

// ---------------------------------------------------------------------------------------------------------------
// indexing

// Flat index of this thread in a 1-D grid, 64-bit (tensors exceed 2^31 elements).
__device__ __forceinline__ long long global_thread_index() {
    return static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
}

// Total threads of a 1-D grid, the step of a grid-stride loop.
__device__ __forceinline__ long long grid_stride() {
    return static_cast<long long>(gridDim.x) * blockDim.x;
}

// ---------------------------------------------------------------------------------------------------------------
// reductions

// Sum over the 32 lanes of a warp; every lane gets the result. All 32 lanes must be active.
__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(0xffffffffu, v, offset);
    return v;
}

// Value of lane `src` on every lane of the warp. All 32 lanes must be active.
__device__ __forceinline__ float warp_broadcast(float v, int src) { return __shfl_sync(0xffffffffu, v, src); }

// Maximum over the 32 lanes of a warp; every lane gets the result.
__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
    for (int offset = 16; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, offset));
    return v;
}

// Sum over the block; every thread gets the result. blockDim.x must be a multiple of 32, ≤ 1024; all threads call.
// The leading __syncthreads() makes back-to-back calls safe (they share the scratch array).
__device__ __forceinline__ float block_sum(float v) {
    __shared__ float scratch[32];
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    v = warp_sum(v);
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < warps ? scratch[lane] : 0.0f;
    return warp_sum(v);
}

// Maximum over the block; every thread gets the result. Same requirements as block_sum.
__device__ __forceinline__ float block_max(float v) {
    __shared__ float scratch[32];
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = blockDim.x >> 5;
    v = warp_max(v);
    __syncthreads();
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < warps ? scratch[lane] : -__int_as_float(0x7f800000);
    return warp_max(v);
}

}  // namespace nw
