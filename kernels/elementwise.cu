// kernels/elementwise.cu — scale/add and a sum of squares; used by `nativewan doctor` to check the whole
// NVRTC → module → launch → copy path against the CPU reference.
//
// Kernels (all extern "C", 1-D grid-stride loops, any grid size works; blockDim.x a multiple of 32):
//   nw_scale_add_bf16      y = bf16(fma(alpha, x, beta * r))            scalar, any alignment       (v1)
//   nw_scale_add_bf16_v8   same, 8 elements per thread with 16-byte loads; n % 8 == 0, 16-byte aligned (v2)
//   nw_scale_add_f32       y = fma(alpha, x, beta * r) in fp32
//   nw_sum_squares_f32     *out += Σ x[i]²  (per-block partial sums, one atomicAdd per block; out must be zeroed)
//
// Rounding contract (what the CPU reference reproduces bit for bit): beta * r is rounded to fp32 (__fmul_rn, not
// contracted), then fused with alpha * x (__fmaf_rn), then rounded to bf16 with round-to-nearest-even
// (nw::float_to_bf16). The CPU side is MathF.FusedMultiplyAdd(alpha, x, beta * r) followed by BFloat16.FromSingle.
// nw_sum_squares_f32 sums in a nondeterministic order across blocks (atomics): compare with a tolerance.
//
// Parameter types (host side must match exactly): pointers are CUdeviceptr (ulong), float is float, long long n is
// long (Int64).
#include "common.cuh"

extern "C" __global__ void nw_scale_add_bf16(nw::bf16* __restrict__ y, const nw::bf16* __restrict__ x,
                                             const nw::bf16* __restrict__ r, float alpha, float beta, long long n) {
    for (long long i = nw::global_thread_index(); i < n; i += nw::grid_stride()) {
        float v = __fmaf_rn(alpha, nw::bf16_to_float(x[i]), __fmul_rn(beta, nw::bf16_to_float(r[i])));
        y[i] = nw::float_to_bf16(v);
    }
}

extern "C" __global__ void nw_scale_add_bf16_v8(nw::bf16* __restrict__ y, const nw::bf16* __restrict__ x,
                                                const nw::bf16* __restrict__ r, float alpha, float beta, long long n) {
    const long long groups = n / 8;
    for (long long g = nw::global_thread_index(); g < groups; g += nw::grid_stride()) {
        float xv[8], rv[8], yv[8];
        nw::load_bf16x8(x + g * 8, xv);
        nw::load_bf16x8(r + g * 8, rv);
#pragma unroll
        for (int j = 0; j < 8; j++) yv[j] = __fmaf_rn(alpha, xv[j], __fmul_rn(beta, rv[j]));
        nw::store_bf16x8(y + g * 8, yv);
    }
}

extern "C" __global__ void nw_scale_add_f32(float* __restrict__ y, const float* __restrict__ x,
                                            const float* __restrict__ r, float alpha, float beta, long long n) {
    for (long long i = nw::global_thread_index(); i < n; i += nw::grid_stride())
        y[i] = __fmaf_rn(alpha, x[i], __fmul_rn(beta, r[i]));
}

extern "C" __global__ void nw_sum_squares_f32(float* __restrict__ out, const float* __restrict__ x, long long n) {
    float acc = 0.0f;
    for (long long i = nw::global_thread_index(); i < n; i += nw::grid_stride()) acc = __fmaf_rn(x[i], x[i], acc);
    acc = nw::block_sum(acc);
    if (threadIdx.x == 0) atomicAdd(out, acc);
}
