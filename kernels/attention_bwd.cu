// kernels/attention_bwd.cu — backward of kernels/attention_fwd.cu (spec section 10, FlashAttention-2 recomputation).
// CPU twin: NativeWan.Ops.Cpu.CpuOps.AttentionBackward (src/NativeWan/Ops/Cpu/Attention.cs).
//
// Dimension letters and layout as attention_fwd.cu: LQ, LK, NH, D ∈ {32, 40, 64, 128}, KV = key_valid. Inputs q, k, v,
// out (the forward output O), dout bf16; lse [NH, LQ] fp32 from the forward; delta [NH, LQ] fp32 scratch.
// P is recomputed tile by tile from q, k and lse: P = exp(S − lse), S = (q·k)·scale; then
//   delta_i = Σ_d dO_i·O_i,  dS = P ⊙ (dO·Vᵀ − delta),  dQ = dS·K·scale,  dK = dSᵀ·Q·scale,  dV = Pᵀ·dO.
// Masked keys (index ≥ KV) get dK = dV = 0. Arithmetic fp32; outputs bf16. No atomics: dQ is owned per query row and
// dK/dV per key row, so the result is deterministic (as the CPU's).
//
// Kernels (all extern "C"), run in this order:
//   nw_attention_bwd_preprocess_bf16           delta = rowsum(dO ⊙ O) per (head, query row); any D       (v1)
//   nw_attention_bwd_dq_d{32,40,64,128}_bf16    dQ                                                         (v1)
//   nw_attention_bwd_dkdv_d{32,40,64,128}_bf16  dK, dV                                                     (v1)
//
// Launch shapes: preprocess grid = (ceil(LQ·NH/8)), block = (256): one warp per (row, head).
//   dq:   grid = (ceil(LQ/8), NH), block = (256): warp w owns query row bx·8 + w; K and V tiles of 32 keys stream
//         through shared memory (both padded to D+1: lane j dots key j with the warp's q and dO).
//         Static shared memory 42,240 bytes at D = 128.
//   dkdv: grid = (ceil(LK/8), NH), block = (256): warp w owns key row bx·8 + w; Q and dO tiles of 32 query rows stream
//         through shared memory (padded to D+1), lane i scores query i0+i against the warp's k and v.
//         Static shared memory 43,520 bytes at D = 128.
// Accumulation: delta, dq, dk, dv overwritten (=). No aliasing between inputs and outputs.
#include "attention_common.cuh"

namespace {

using nw::attn::kTile;
using nw::attn::kWarps;

template <int D>
__device__ __forceinline__ void attention_bwd_dq(nw::bf16* __restrict__ dq, const nw::bf16* __restrict__ dout,
                                                 const nw::bf16* __restrict__ q, const nw::bf16* __restrict__ k,
                                                 const nw::bf16* __restrict__ v, const float* __restrict__ lse,
                                                 const float* __restrict__ delta, int lq, int heads, int key_valid,
                                                 float scale) {
    constexpr int kAcc = (D + 31) / 32;
    __shared__ float k_sh[kTile][D + 1];
    __shared__ float v_sh[kTile][D + 1];
    __shared__ float q_sh[kWarps][D];
    __shared__ float do_sh[kWarps][D];
    __shared__ float ds_sh[kWarps][kTile];
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int h = blockIdx.y;
    const int i = blockIdx.x * kWarps + warp;
    const bool active = i < lq;
    const long long width = static_cast<long long>(heads) * D;
    const long long row_off = static_cast<long long>(i) * width + static_cast<long long>(h) * D;
    float lse_i = 0.0f, delta_i = 0.0f;
    if (active) {
        for (int d = lane; d < D; d += 32) {
            q_sh[warp][d] = nw::bf16_to_float(q[row_off + d]);
            do_sh[warp][d] = nw::bf16_to_float(dout[row_off + d]);
        }
        lse_i = lse[static_cast<long long>(h) * lq + i];
        delta_i = delta[static_cast<long long>(h) * lq + i];
    }
    float acc[kAcc];
#pragma unroll
    for (int t = 0; t < kAcc; t++) acc[t] = 0.0f;

    for (int j0 = 0; j0 < key_valid; j0 += kTile) {
        __syncthreads();
        nw::attn::load_tile<D, D + 1>(k_sh, k, j0, key_valid, h, width);
        nw::attn::load_tile<D, D + 1>(v_sh, v, j0, key_valid, h, width);
        __syncthreads();
        if (!active) continue;
        const int j = j0 + lane;
        float ds = 0.0f;
        if (j < key_valid) {
            const float p = expf(nw::attn::dot_row<D>(q_sh[warp], k_sh[lane]) * scale - lse_i);
            const float dp = nw::attn::dot_row<D>(do_sh[warp], v_sh[lane]);
            ds = p * (dp - delta_i);
        }
        ds_sh[warp][lane] = ds;
        __syncwarp();
        const int n_keys = min(kTile, key_valid - j0);
        for (int jj = 0; jj < n_keys; jj++) {
            const float dsj = ds_sh[warp][jj];
#pragma unroll
            for (int t = 0; t < kAcc; t++) {
                const int d = lane + 32 * t;
                if (d < D) acc[t] = fmaf(dsj, k_sh[jj][d], acc[t]);
            }
        }
        __syncwarp();
    }
    if (!active) return;
#pragma unroll
    for (int t = 0; t < kAcc; t++) {
        const int d = lane + 32 * t;
        if (d < D) dq[row_off + d] = nw::float_to_bf16(acc[t] * scale);
    }
}

template <int D>
__device__ __forceinline__ void attention_bwd_dkdv(nw::bf16* __restrict__ dk, nw::bf16* __restrict__ dv,
                                                   const nw::bf16* __restrict__ dout, const nw::bf16* __restrict__ q,
                                                   const nw::bf16* __restrict__ k, const nw::bf16* __restrict__ v,
                                                   const float* __restrict__ lse, const float* __restrict__ delta,
                                                   int lq, int lk, int heads, int key_valid, float scale) {
    constexpr int kAcc = (D + 31) / 32;
    __shared__ float q_sh[kTile][D + 1];
    __shared__ float do_sh[kTile][D + 1];
    __shared__ float k_row[kWarps][D];
    __shared__ float v_row[kWarps][D];
    __shared__ float p_sh[kWarps][kTile];
    __shared__ float ds_sh[kWarps][kTile];
    __shared__ float lse_sh[kTile];
    __shared__ float delta_sh[kTile];
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int h = blockIdx.y;
    const int j = blockIdx.x * kWarps + warp;
    const bool in_range = j < lk, valid = j < key_valid;
    const long long width = static_cast<long long>(heads) * D;
    const long long row_off = static_cast<long long>(j) * width + static_cast<long long>(h) * D;

    if (static_cast<int>(blockIdx.x) * kWarps >= key_valid) {  // every key of this block is masked (block-uniform)
        if (in_range)
            for (int d = lane; d < D; d += 32) {
                dk[row_off + d] = nw::float_to_bf16(0.0f);
                dv[row_off + d] = nw::float_to_bf16(0.0f);
            }
        return;
    }
    if (valid)
        for (int d = lane; d < D; d += 32) {
            k_row[warp][d] = nw::bf16_to_float(k[row_off + d]);
            v_row[warp][d] = nw::bf16_to_float(v[row_off + d]);
        }
    float acc_k[kAcc], acc_v[kAcc];
#pragma unroll
    for (int t = 0; t < kAcc; t++) acc_k[t] = acc_v[t] = 0.0f;

    for (int i0 = 0; i0 < lq; i0 += kTile) {
        __syncthreads();
        nw::attn::load_tile<D, D + 1>(q_sh, q, i0, lq, h, width);
        nw::attn::load_tile<D, D + 1>(do_sh, dout, i0, lq, h, width);
        if (threadIdx.x < kTile) {
            const int i = i0 + threadIdx.x;
            lse_sh[threadIdx.x] = i < lq ? lse[static_cast<long long>(h) * lq + i] : 0.0f;
            delta_sh[threadIdx.x] = i < lq ? delta[static_cast<long long>(h) * lq + i] : 0.0f;
        }
        __syncthreads();
        if (!valid) continue;  // warp-uniform
        const int i = i0 + lane;
        float p = 0.0f, ds = 0.0f;
        if (i < lq) {
            p = expf(nw::attn::dot_row<D>(q_sh[lane], k_row[warp]) * scale - lse_sh[lane]);
            ds = p * (nw::attn::dot_row<D>(do_sh[lane], v_row[warp]) - delta_sh[lane]);
        }
        p_sh[warp][lane] = p;
        ds_sh[warp][lane] = ds;
        __syncwarp();
        const int n_rows = min(kTile, lq - i0);
        for (int ii = 0; ii < n_rows; ii++) {
            const float pi = p_sh[warp][ii], dsi = ds_sh[warp][ii];
#pragma unroll
            for (int t = 0; t < kAcc; t++) {
                const int d = lane + 32 * t;
                if (d < D) {
                    acc_v[t] = fmaf(pi, do_sh[ii][d], acc_v[t]);
                    acc_k[t] = fmaf(dsi, q_sh[ii][d], acc_k[t]);
                }
            }
        }
        __syncwarp();
    }
    if (!in_range) return;
#pragma unroll
    for (int t = 0; t < kAcc; t++) {
        const int d = lane + 32 * t;
        if (d < D) {
            dk[row_off + d] = nw::float_to_bf16(valid ? acc_k[t] * scale : 0.0f);
            dv[row_off + d] = nw::float_to_bf16(valid ? acc_v[t] : 0.0f);
        }
    }
}

}  // namespace

extern "C" __global__ void nw_attention_bwd_preprocess_bf16(float* __restrict__ delta, const nw::bf16* __restrict__ dout,
                                                            const nw::bf16* __restrict__ out, int lq, int heads,
                                                            int head_dim) {
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const long long item = static_cast<long long>(blockIdx.x) * (blockDim.x >> 5) + warp;  // row·NH + head
    if (item >= static_cast<long long>(lq) * heads) return;
    const long long i = item / heads;
    const int h = static_cast<int>(item - i * heads);
    const long long off = item * head_dim;  // = i·NH·D + h·D
    float s = 0.0f;
    for (int d = lane; d < head_dim; d += 32) s = fmaf(nw::bf16_to_float(dout[off + d]), nw::bf16_to_float(out[off + d]), s);
    s = nw::warp_sum(s);
    if (lane == 0) delta[static_cast<long long>(h) * lq + i] = s;
}

extern "C" __global__ void nw_attention_bwd_dq_d32_bf16(nw::bf16* dq, const nw::bf16* dout, const nw::bf16* q,
                                                        const nw::bf16* k, const nw::bf16* v, const float* lse,
                                                        const float* delta, int lq, int lk, int heads, int key_valid, float scale) {
    (void)lk;
    attention_bwd_dq<32>(dq, dout, q, k, v, lse, delta, lq, heads, key_valid, scale);
}

extern "C" __global__ void nw_attention_bwd_dkdv_d32_bf16(nw::bf16* dk, nw::bf16* dv, const nw::bf16* dout,
                                                          const nw::bf16* q, const nw::bf16* k, const nw::bf16* v,
                                                          const float* lse, const float* delta, int lq, int lk, int heads,
                                                          int key_valid, float scale) {
    attention_bwd_dkdv<32>(dk, dv, dout, q, k, v, lse, delta, lq, lk, heads, key_valid, scale);
}

extern "C" __global__ void nw_attention_bwd_dq_d40_bf16(nw::bf16* dq, const nw::bf16* dout, const nw::bf16* q,
                                                        const nw::bf16* k, const nw::bf16* v, const float* lse,
                                                        const float* delta, int lq, int lk, int heads, int key_valid, float scale) {
    (void)lk;
    attention_bwd_dq<40>(dq, dout, q, k, v, lse, delta, lq, heads, key_valid, scale);
}

extern "C" __global__ void nw_attention_bwd_dkdv_d40_bf16(nw::bf16* dk, nw::bf16* dv, const nw::bf16* dout,
                                                          const nw::bf16* q, const nw::bf16* k, const nw::bf16* v,
                                                          const float* lse, const float* delta, int lq, int lk, int heads,
                                                          int key_valid, float scale) {
    attention_bwd_dkdv<40>(dk, dv, dout, q, k, v, lse, delta, lq, lk, heads, key_valid, scale);
}

extern "C" __global__ void nw_attention_bwd_dq_d64_bf16(nw::bf16* dq, const nw::bf16* dout, const nw::bf16* q,
                                                        const nw::bf16* k, const nw::bf16* v, const float* lse,
                                                        const float* delta, int lq, int lk, int heads, int key_valid, float scale) {
    (void)lk;
    attention_bwd_dq<64>(dq, dout, q, k, v, lse, delta, lq, heads, key_valid, scale);
}

extern "C" __global__ void nw_attention_bwd_dkdv_d64_bf16(nw::bf16* dk, nw::bf16* dv, const nw::bf16* dout,
                                                          const nw::bf16* q, const nw::bf16* k, const nw::bf16* v,
                                                          const float* lse, const float* delta, int lq, int lk, int heads,
                                                          int key_valid, float scale) {
    attention_bwd_dkdv<64>(dk, dv, dout, q, k, v, lse, delta, lq, lk, heads, key_valid, scale);
}

extern "C" __global__ void nw_attention_bwd_dq_d128_bf16(nw::bf16* dq, const nw::bf16* dout, const nw::bf16* q,
                                                         const nw::bf16* k, const nw::bf16* v, const float* lse,
                                                         const float* delta, int lq, int lk, int heads, int key_valid, float scale) {
    (void)lk;
    attention_bwd_dq<128>(dq, dout, q, k, v, lse, delta, lq, heads, key_valid, scale);
}

extern "C" __global__ void nw_attention_bwd_dkdv_d128_bf16(nw::bf16* dk, nw::bf16* dv, const nw::bf16* dout,
                                                           const nw::bf16* q, const nw::bf16* k, const nw::bf16* v,
                                                           const float* lse, const float* delta, int lq, int lk, int heads,
                                                           int key_valid, float scale) {
    attention_bwd_dkdv<128>(dk, dv, dout, q, k, v, lse, delta, lq, lk, heads, key_valid, scale);
}
