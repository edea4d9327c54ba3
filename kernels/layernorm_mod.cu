// kernels/layernorm_mod.cu — LayerNorm (without / with affine) fused with the adaLN modulation, the standalone
// modulation, and the gated residual add of the Wan DiT block (spec 2.6, 2.7; backward spec section 10).
// CPU twins: NativeWan.Ops.Cpu.CpuOps.LayerNormForward/Backward, ModulateForward/Backward,
// GatedResidualForward/Backward (src/NativeWan/Ops/Cpu/LayerNorm.cs, Modulation.cs, GatedResidual.cs).
//
// Dimension letters: R = rows (tokens), C = dim (features). Tensors are row-major [R, C].
// Storage: activations u / du / y / dy are bf16; the residual stream x and its gradient dx are X ∈ {bf16, f32}
// (kernel suffix _bf16 / _f32: MT keeps x in bf16, the official code in fp32); mean, rstd, γ, β, shift, scale, gate
// and parameter gradients are fp32. All arithmetic is fp32. A null pointer means "absent" where stated.
// Modulation vectors (shift, scale, gate) are read at row r from `vec + r * mod_stride`: mod_stride = 0 broadcasts
// one [C] vector, C gives one vector per row, 6·C reads chunk k of a per-token e0 [R, 6, C] when vec points at
// chunk k of row 0.
//
// Kernels (all extern "C"):
//   nw_layernorm_fwd_{bf16,f32}      u = (x̂·γ + β)·(1 + scale) + shift,  x̂ = (x − μ)·rstd, μ and biased σ² over C,
//                                    rstd = 1/√(σ² + eps) (two-pass, like the CPU). γ, β, shift, scale, mean, rstd may
//                                    be null. Saves mean[R], rstd[R].                                            (v1)
//   nw_layernorm_bwd_{bf16,f32}      dx (= or +=) rstd·(g − mean(g) − x̂·mean(g·x̂)), g = du·(1 + scale)·γ    (v1)
//   nw_layernorm_param_grad_{bf16,f32}  dγ += Σ_r du(1+scale)·x̂, dβ += Σ_r du(1+scale) (either may be null) (v1)
//   nw_modulate_fwd_bf16             out = in·(1 + scale) + shift                                             (v1)
//   nw_modulate_bwd_bf16             din = dout·(1 + scale)                                                   (v1)
//   nw_gated_residual_fwd_{bf16,f32} x += y·gate (gate null → 1)                                              (v1)
//   nw_gated_residual_bwd_{bf16,f32} dy = dx·gate (gate null → 1)                                             (v1)
//
// Launch shapes (computed by src/NativeWan/Ops/Cuda/LaunchShapes.cs):
//   row kernels (layernorm fwd/bwd, modulate, gated residual): grid = (R), block = (256); each block owns one row,
//     threads stride over C. block_sum needs whole warps.
//   param_grad: grid = (ceil(C/256), ceil(R/rows_per_chunk)), block = (256); thread = one column over one row chunk,
//     one atomicAdd per (column, chunk).
//
// Accumulation contract (llm.c): parameter gradients (dγ, dβ) use +=; activation gradients use = unless the
// `accumulate` argument is non-zero (then +=, as the CPU's accumulate flag: the residual-stream gradient).
//
// Aliasing: out may alias the input of the same row (each thread reads its elements before writing them, after the
// block reductions); din may alias dout in nw_modulate_bwd; dy may alias dx only when both have the same type.
// So none of these pointers is __restrict__.
#include "common.cuh"

namespace {

__device__ __forceinline__ const float* row_vec(const float* v, long long row, long long stride) {
    return v ? v + row * stride : nullptr;
}

template <typename TX>
__device__ __forceinline__ void layernorm_fwd(nw::bf16* out, float* mean, float* rstd, const TX* x, const float* weight,
                                              const float* bias, const float* shift, const float* scale,
                                              long long mod_stride, int dim, float eps) {
    const long long row = blockIdx.x;
    const TX* xr = x + row * dim;
    nw::bf16* ur = out + row * dim;
    float s = 0.0f;
    for (int c = threadIdx.x; c < dim; c += blockDim.x) s += nw::to_float(xr[c]);
    const float mu = nw::block_sum(s) / dim;
    float v = 0.0f;
    for (int c = threadIdx.x; c < dim; c += blockDim.x) {
        float d = nw::to_float(xr[c]) - mu;
        v = fmaf(d, d, v);
    }
    const float var = nw::block_sum(v) / dim;
    const float rs = 1.0f / sqrtf(var + eps);
    const float* sh = row_vec(shift, row, mod_stride);
    const float* sc = row_vec(scale, row, mod_stride);
    for (int c = threadIdx.x; c < dim; c += blockDim.x) {
        float y = (nw::to_float(xr[c]) - mu) * rs;
        if (weight) y *= weight[c];
        if (bias) y += bias[c];
        if (sc) y *= 1.0f + sc[c];
        if (sh) y += sh[c];
        nw::store(ur + c, y);
    }
    if (threadIdx.x == 0) {
        if (mean) mean[row] = mu;
        if (rstd) rstd[row] = rs;
    }
}

// g = du·(1 + scale)·γ for one element.
__device__ __forceinline__ float ln_upstream(const nw::bf16* dur, const float* sc, const float* weight, int c) {
    float g = nw::to_float(dur[c]);
    if (sc) g *= 1.0f + sc[c];
    if (weight) g *= weight[c];
    return g;
}

template <typename TX>
__device__ __forceinline__ void layernorm_bwd(TX* dx, const nw::bf16* du, const TX* x, const float* weight,
                                              const float* scale, long long mod_stride, const float* mean,
                                              const float* rstd, int dim, int accumulate) {
    const long long row = blockIdx.x;
    const TX* xr = x + row * dim;
    const nw::bf16* dur = du + row * dim;
    TX* dxr = dx + row * dim;
    const float mu = mean[row], rs = rstd[row];
    const float* sc = row_vec(scale, row, mod_stride);
    float sg = 0.0f, sgx = 0.0f;
    for (int c = threadIdx.x; c < dim; c += blockDim.x) {
        float g = ln_upstream(dur, sc, weight, c);
        float xh = (nw::to_float(xr[c]) - mu) * rs;
        sg += g;
        sgx = fmaf(g, xh, sgx);
    }
    const float mean_g = nw::block_sum(sg) / dim;
    const float mean_gx = nw::block_sum(sgx) / dim;
    for (int c = threadIdx.x; c < dim; c += blockDim.x) {
        float g = ln_upstream(dur, sc, weight, c);
        float xh = (nw::to_float(xr[c]) - mu) * rs;
        float d = (g - mean_g - xh * mean_gx) * rs;
        if (accumulate) d += nw::to_float(dxr[c]);
        nw::store(dxr + c, d);
    }
}

template <typename TX>
__device__ __forceinline__ void layernorm_param_grad(float* dweight, float* dbias, const nw::bf16* du, const TX* x,
                                                     const float* scale, long long mod_stride, const float* mean,
                                                     const float* rstd, int rows, int dim, int rows_per_chunk) {
    const int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= dim) return;
    const int r0 = blockIdx.y * rows_per_chunk;
    const int r1 = min(rows, r0 + rows_per_chunk);
    float gw = 0.0f, gb = 0.0f;
    for (int r = r0; r < r1; r++) {
        const long long off = static_cast<long long>(r) * dim + c;
        float g = nw::to_float(du[off]);
        if (scale) g *= 1.0f + scale[r * mod_stride + c];
        gb += g;
        gw = fmaf(g, (nw::to_float(x[off]) - mean[r]) * rstd[r], gw);
    }
    if (r1 > r0) {
        if (dweight) atomicAdd(dweight + c, gw);
        if (dbias) atomicAdd(dbias + c, gb);
    }
}

template <typename TX>
__device__ __forceinline__ void gated_residual_fwd(TX* x, const nw::bf16* y, const float* gate, long long gate_stride,
                                                   int dim) {
    const long long row = blockIdx.x;
    TX* xr = x + row * dim;
    const nw::bf16* yr = y + row * dim;
    const float* g = row_vec(gate, row, gate_stride);
    for (int c = threadIdx.x; c < dim; c += blockDim.x) {
        float yv = nw::to_float(yr[c]);
        float v = g ? fmaf(yv, g[c], nw::to_float(xr[c])) : nw::to_float(xr[c]) + yv;
        nw::store(xr + c, v);
    }
}

template <typename TX>
__device__ __forceinline__ void gated_residual_bwd(nw::bf16* dy, const TX* dx, const float* gate, long long gate_stride,
                                                   int dim) {
    const long long row = blockIdx.x;
    const TX* dxr = dx + row * dim;
    nw::bf16* dyr = dy + row * dim;
    const float* g = row_vec(gate, row, gate_stride);
    for (int c = threadIdx.x; c < dim; c += blockDim.x) {
        float v = nw::to_float(dxr[c]);
        nw::store(dyr + c, g ? v * g[c] : v);
    }
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// LayerNorm (+ modulation)

extern "C" __global__ void nw_layernorm_fwd_bf16(nw::bf16* out, float* mean, float* rstd, const nw::bf16* x,
                                                 const float* weight, const float* bias, const float* shift,
                                                 const float* scale, long long mod_stride, int rows, int dim,
                                                 float eps) {
    (void)rows;
    layernorm_fwd(out, mean, rstd, x, weight, bias, shift, scale, mod_stride, dim, eps);
}

extern "C" __global__ void nw_layernorm_fwd_f32(nw::bf16* out, float* mean, float* rstd, const float* x,
                                                const float* weight, const float* bias, const float* shift,
                                                const float* scale, long long mod_stride, int rows, int dim,
                                                float eps) {
    (void)rows;
    layernorm_fwd(out, mean, rstd, x, weight, bias, shift, scale, mod_stride, dim, eps);
}

extern "C" __global__ void nw_layernorm_bwd_bf16(nw::bf16* dx, const nw::bf16* du, const nw::bf16* x,
                                                 const float* weight, const float* scale, long long mod_stride,
                                                 const float* mean, const float* rstd, int rows, int dim,
                                                 int accumulate) {
    (void)rows;
    layernorm_bwd(dx, du, x, weight, scale, mod_stride, mean, rstd, dim, accumulate);
}

extern "C" __global__ void nw_layernorm_bwd_f32(float* dx, const nw::bf16* du, const float* x, const float* weight,
                                                const float* scale, long long mod_stride, const float* mean,
                                                const float* rstd, int rows, int dim, int accumulate) {
    (void)rows;
    layernorm_bwd(dx, du, x, weight, scale, mod_stride, mean, rstd, dim, accumulate);
}

extern "C" __global__ void nw_layernorm_param_grad_bf16(float* dweight, float* dbias, const nw::bf16* du,
                                                        const nw::bf16* x, const float* scale, long long mod_stride,
                                                        const float* mean, const float* rstd, int rows, int dim,
                                                        int rows_per_chunk) {
    layernorm_param_grad(dweight, dbias, du, x, scale, mod_stride, mean, rstd, rows, dim, rows_per_chunk);
}

extern "C" __global__ void nw_layernorm_param_grad_f32(float* dweight, float* dbias, const nw::bf16* du,
                                                       const float* x, const float* scale, long long mod_stride,
                                                       const float* mean, const float* rstd, int rows, int dim,
                                                       int rows_per_chunk) {
    layernorm_param_grad(dweight, dbias, du, x, scale, mod_stride, mean, rstd, rows, dim, rows_per_chunk);
}

// ---------------------------------------------------------------------------------------------------------------
// standalone modulation (the CPU's ModulateForward/Backward; the block and head use the fused LayerNorm above)

extern "C" __global__ void nw_modulate_fwd_bf16(nw::bf16* out, const nw::bf16* in, const float* shift,
                                                const float* scale, long long mod_stride, int rows, int dim) {
    (void)rows;
    const long long row = blockIdx.x;
    const float* sh = shift + row * mod_stride;
    const float* sc = scale + row * mod_stride;
    for (int c = threadIdx.x; c < dim; c += blockDim.x) {
        const long long i = row * dim + c;
        nw::store(out + i, fmaf(nw::to_float(in[i]), 1.0f + sc[c], sh[c]));
    }
}

extern "C" __global__ void nw_modulate_bwd_bf16(nw::bf16* din, const nw::bf16* dout, const float* scale,
                                                long long mod_stride, int rows, int dim) {
    (void)rows;
    const long long row = blockIdx.x;
    const float* sc = scale + row * mod_stride;
    for (int c = threadIdx.x; c < dim; c += blockDim.x) {
        const long long i = row * dim + c;
        nw::store(din + i, nw::to_float(dout[i]) * (1.0f + sc[c]));
    }
}

// ---------------------------------------------------------------------------------------------------------------
// gated residual

extern "C" __global__ void nw_gated_residual_fwd_bf16(nw::bf16* x, const nw::bf16* y, const float* gate,
                                                      long long gate_stride, int rows, int dim) {
    (void)rows;
    gated_residual_fwd(x, y, gate, gate_stride, dim);
}

extern "C" __global__ void nw_gated_residual_fwd_f32(float* x, const nw::bf16* y, const float* gate,
                                                     long long gate_stride, int rows, int dim) {
    (void)rows;
    gated_residual_fwd(x, y, gate, gate_stride, dim);
}

extern "C" __global__ void nw_gated_residual_bwd_bf16(nw::bf16* dy, const nw::bf16* dx, const float* gate,
                                                      long long gate_stride, int rows, int dim) {
    (void)rows;
    gated_residual_bwd(dy, dx, gate, gate_stride, dim);
}

extern "C" __global__ void nw_gated_residual_bwd_f32(nw::bf16* dy, const float* dx, const float* gate,
                                                     long long gate_stride, int rows, int dim) {
    (void)rows;
    gated_residual_bwd(dy, dx, gate, gate_stride, dim);
}
