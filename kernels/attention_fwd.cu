// kernels/attention_fwd.cu — multi-head softmax attention forward, a first correct FlashAttention-style kernel
// (spec 2.6; FlashAttention-2 online softmax). CPU twin: NativeWan.Ops.Cpu.CpuOps.AttentionForward
// (src/NativeWan/Ops/Cpu/Attention.cs). Backward: kernels/attention_bwd.cu.
//
// Dimension letters: LQ query rows, LK key/value rows, NH heads, D head_dim ∈ {32, 40, 64, 128} (template
// instantiations), KV = key_valid (keys ≥ KV are masked: sequence padding / k_lens; every query row is computed).
// Storage: q, k, v, out bf16 [rows, NH·D]; lse fp32 [NH, LQ]. Arithmetic fp32 (CUDA cores, no tensor cores in v1);
// scores S = (q·k)·scale, online softmax with running max m and sum l; out = acc / l; lse = m + log l.
// Non-causal; no dropout.
//
// Kernels (all extern "C"):
//   nw_attention_fwd_d32_bf16, _d40_, _d64_, _d128_    (v1: one warp per query row)
//
// Launch shape: grid = (ceil(LQ/8), NH), block = (256) = 8 warps; warp w of block (bx, h) owns query row bx·8 + w of
// head h. The block streams K and V in tiles of 32 keys through shared memory (K padded to D+1 floats per row:
// conflict-free when lane j reads key j); for the QKᵀ part lane j scores key j0+j against the warp's query (kept in
// shared memory), for the PV part lane j accumulates output dims j, j+32, …  Static shared memory: 38,016 bytes at
// D = 128 (below the 48 KiB static limit).
// Accumulation: out and lse overwritten (=). No aliasing between inputs and outputs.
#include "attention_common.cuh"

namespace {

using nw::attn::kTile;
using nw::attn::kWarps;

template <int D>
__device__ __forceinline__ void attention_fwd(nw::bf16* __restrict__ out, float* __restrict__ lse,
                                              const nw::bf16* __restrict__ q, const nw::bf16* __restrict__ k,
                                              const nw::bf16* __restrict__ v, int lq, int heads, int key_valid,
                                              float scale) {
    constexpr int kAcc = (D + 31) / 32;
    __shared__ float k_sh[kTile][D + 1];
    __shared__ float v_sh[kTile][D];
    __shared__ float q_sh[kWarps][D];
    __shared__ float p_sh[kWarps][kTile];
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const int h = blockIdx.y;
    const int i = blockIdx.x * kWarps + warp;
    const bool active = i < lq;
    const long long width = static_cast<long long>(heads) * D;
    const long long row_off = static_cast<long long>(i) * width + static_cast<long long>(h) * D;
    if (active)
        for (int d = lane; d < D; d += 32) q_sh[warp][d] = nw::bf16_to_float(q[row_off + d]);

    float m = nw::neg_inf(), l = 0.0f;
    float acc[kAcc];
#pragma unroll
    for (int t = 0; t < kAcc; t++) acc[t] = 0.0f;

    for (int j0 = 0; j0 < key_valid; j0 += kTile) {
        __syncthreads();  // the previous tile is fully consumed (and q_sh is written on the first pass)
        nw::attn::load_tile<D, D + 1>(k_sh, k, j0, key_valid, h, width);
        nw::attn::load_tile<D, D>(v_sh, v, j0, key_valid, h, width);
        __syncthreads();
        if (!active) continue;  // warp-uniform; the warp still joins every __syncthreads above
        const int j = j0 + lane;
        const float s = j < key_valid ? nw::attn::dot_row<D>(q_sh[warp], k_sh[lane]) * scale : nw::neg_inf();
        const float m_new = fmaxf(m, nw::warp_max(s));  // finite: key j0 is valid
        const float alpha = expf(m - m_new);              // 0 on the first tile (m = −∞)
        const float p = expf(s - m_new);                  // 0 for masked keys
        l = l * alpha + nw::warp_sum(p);
        p_sh[warp][lane] = p;
        __syncwarp();
        const int n_keys = min(kTile, key_valid - j0);
#pragma unroll
        for (int t = 0; t < kAcc; t++) acc[t] *= alpha;
        for (int jj = 0; jj < n_keys; jj++) {
            const float pj = p_sh[warp][jj];
#pragma unroll
            for (int t = 0; t < kAcc; t++) {
                const int d = lane + 32 * t;
                if (d < D) acc[t] = fmaf(pj, v_sh[jj][d], acc[t]);
            }
        }
        m = m_new;
        __syncwarp();
    }
    if (!active) return;
#pragma unroll
    for (int t = 0; t < kAcc; t++) {
        const int d = lane + 32 * t;
        if (d < D) out[row_off + d] = nw::float_to_bf16(acc[t] / l);
    }
    if (lane == 0) lse[static_cast<long long>(h) * lq + i] = m + logf(l);
}

}  // namespace

extern "C" __global__ void nw_attention_fwd_d32_bf16(nw::bf16* out, float* lse, const nw::bf16* q, const nw::bf16* k,
                                                     const nw::bf16* v, int lq, int lk, int heads, int key_valid, float scale) {
    (void)lk;
    attention_fwd<32>(out, lse, q, k, v, lq, heads, key_valid, scale);
}

extern "C" __global__ void nw_attention_fwd_d40_bf16(nw::bf16* out, float* lse, const nw::bf16* q, const nw::bf16* k,
                                                     const nw::bf16* v, int lq, int lk, int heads, int key_valid, float scale) {
    (void)lk;
    attention_fwd<40>(out, lse, q, k, v, lq, heads, key_valid, scale);
}

extern "C" __global__ void nw_attention_fwd_d64_bf16(nw::bf16* out, float* lse, const nw::bf16* q, const nw::bf16* k,
                                                     const nw::bf16* v, int lq, int lk, int heads, int key_valid, float scale) {
    (void)lk;
    attention_fwd<64>(out, lse, q, k, v, lq, heads, key_valid, scale);
}

extern "C" __global__ void nw_attention_fwd_d128_bf16(nw::bf16* out, float* lse, const nw::bf16* q, const nw::bf16* k,
                                                      const nw::bf16* v, int lq, int lk, int heads, int key_valid, float scale) {
    (void)lk;
    attention_fwd<128>(out, lse, q, k, v, lq, heads, key_valid, scale);
}
