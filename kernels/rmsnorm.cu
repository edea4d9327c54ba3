// kernels/rmsnorm.cu — RMSNorm over the full model width (Wan's q/k norms, before the head split; spec 2.6, backward
// spec section 10). CPU twin: NativeWan.Ops.Cpu.CpuOps.RmsNormForward/Backward (src/NativeWan/Ops/Cpu/RmsNorm.cs).
//
// Dimension letters: R = rows (tokens), C = dim (= heads·head_dim). Tensors row-major [R, C].
// Storage: x, out, dout, dx bf16; weight, rstd and dweight fp32; arithmetic fp32.
//
// Kernels (all extern "C"):
//   nw_rmsnorm_fwd_bf16         out = x·rstd·w,  rstd = 1/√(Σx²/C + eps); saves rstd[R] (may be null)        (v1)
//   nw_rmsnorm_bwd_bf16         dx (= or +=) rstd·(g − x̂·mean(g·x̂)),  g = dout·w, x̂ = x·rstd                  (v1)
//   nw_rmsnorm_param_grad_bf16  dw += Σ_r dout·x̂                                                              (v1)
//
// Launch shapes (src/NativeWan/Ops/Cuda/LaunchShapes.cs):
//   fwd, bwd:    grid = (R), block = (256): one block per row, threads stride over C, block_sum reductions.
//   param_grad:  grid = (ceil(C/256), ceil(R/rows_per_chunk)), block = (256): one thread per column and row chunk,
//                one atomicAdd per (column, chunk).
//
// Accumulation contract: dw uses += (parameter gradient); dx uses = unless `accumulate` is non-zero.
// Aliasing: out may alias x (each thread rewrites only elements it has read, after the reduction); dx must not alias
// dout (dout is read in two passes).
#include "common.cuh"

extern "C" __global__ void nw_rmsnorm_fwd_bf16(nw::bf16* out, float* rstd, const nw::bf16* x, const float* weight,
                                               int rows, int dim, float eps) {
    (void)rows;
    const long long row = blockIdx.x;
    const nw::bf16* xr = x + row * dim;
    nw::bf16* orow = out + row * dim;
    float ss = 0.0f;
    for (int c = threadIdx.x; c < dim; c += blockDim.x) {
        float v = nw::to_float(xr[c]);
        ss = fmaf(v, v, ss);
    }
    const float rs = 1.0f / sqrtf(nw::block_sum(ss) / dim + eps);
    for (int c = threadIdx.x; c < dim; c += blockDim.x) nw::store(orow + c, nw::to_float(xr[c]) * rs * weight[c]);
    if (threadIdx.x == 0 && rstd) rstd[row] = rs;
}

extern "C" __global__ void nw_rmsnorm_bwd_bf16(nw::bf16* dx, const nw::bf16* __restrict__ dout, const nw::bf16* x,
                                               const float* __restrict__ weight, const float* __restrict__ rstd,
                                               int rows, int dim, int accumulate) {
    (void)rows;
    const long long row = blockIdx.x;
    const nw::bf16* xr = x + row * dim;
    const nw::bf16* gr = dout + row * dim;
    nw::bf16* dxr = dx + row * dim;
    const float rs = rstd[row];
    float sgx = 0.0f;
    for (int c = threadIdx.x; c < dim; c += blockDim.x)
        sgx = fmaf(nw::to_float(gr[c]) * weight[c], nw::to_float(xr[c]) * rs, sgx);
    const float m = nw::block_sum(sgx) / dim;
    for (int c = threadIdx.x; c < dim; c += blockDim.x) {
        float g = nw::to_float(gr[c]) * weight[c];
        float xh = nw::to_float(xr[c]) * rs;
        float d = fmaf(xh, -m, g) * rs;
        if (accumulate) d += nw::to_float(dxr[c]);
        nw::store(dxr + c, d);
    }
}

extern "C" __global__ void nw_rmsnorm_param_grad_bf16(float* __restrict__ dweight, const nw::bf16* __restrict__ dout,
                                                      const nw::bf16* __restrict__ x, const float* __restrict__ rstd,
                                                      int rows, int dim, int rows_per_chunk) {
    const int c = blockIdx.x * blockDim.x + threadIdx.x;
    if (c >= dim) return;
    const int r0 = blockIdx.y * rows_per_chunk;
    const int r1 = min(rows, r0 + rows_per_chunk);
    float acc = 0.0f;
    for (int r = r0; r < r1; r++) {
        const long long off = static_cast<long long>(r) * dim + c;
        acc = fmaf(nw::to_float(dout[off]), nw::to_float(x[off]) * rstd[r], acc);
    }
    if (r1 > r0) atomicAdd(dweight + c, acc);
}
