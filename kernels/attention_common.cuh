// kernels/attention_common.cuh — shared pieces of kernels/attention_fwd.cu and kernels/attention_bwd.cu.
//
// defines: nw::attn::kWarps, nw::attn::kTile, nw::attn::kBlock, nw::attn::load_tile, nw::attn::dot_row
//
// Layout (same as the CPU's AttentionForward/Backward): q, out, dout [LQ, NH·D]; k, v [LK, NH·D] (head h of row i at
// i·NH·D + h·D); lse and delta [NH, LQ] fp32. Tiles are 32 rows (one per lane) staged in shared memory as fp32.
#pragma once
#include "common.cuh"

namespace nw {
namespace attn {

constexpr int kWarps = 8;             // rows owned by one block (one per warp)
constexpr int kTile = 32;             // rows of the streamed operand per tile (one per lane)
constexpr int kBlock = kWarps * 32;   // threads per block

// Stages rows [r0, r0 + kTile) of head h of a [rows, NH·D] bf16 tensor into dst[kTile][STRIDE] as fp32; rows at or
// beyond `valid` are zero. Called by every thread of the block (no synchronization inside).
template <int D, int STRIDE>
__device__ __forceinline__ void load_tile(float (*dst)[STRIDE], const bf16* src, int r0, int valid, int h,
                                          long long width) {
    for (int e = threadIdx.x; e < kTile * D; e += kBlock) {
        const int rr = e / D, d = e - rr * D, r = r0 + rr;
        dst[rr][d] = r < valid ? bf16_to_float(src[static_cast<long long>(r) * width + static_cast<long long>(h) * D + d]) : 0.0f;
    }
}

// Σ_d a[d]·b[d] over D fp32 values in shared memory.
template <int D>
__device__ __forceinline__ float dot_row(const float* a, const float* b) {
    float s = 0.0f;
#pragma unroll 8
    for (int d = 0; d < D; d++) s = fmaf(a[d], b[d], s);
    return s;
}

}  // namespace attn
}  // namespace nw
