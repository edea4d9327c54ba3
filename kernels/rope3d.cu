// kernels/rope3d.cu — Wan's 3-D rotary position embedding on adjacent pairs (spec 2.5; backward = rotation by −θ,
// spec section 10). CPU twin: NativeWan.Ops.Cpu.CpuOps.Rope3dForward/Backward with RopeTable
// (src/NativeWan/Ops/Cpu/Rope3d.cs).
//
// Dimension letters: R = rows (grid tokens + padding), NH = heads, HD = head_dim (even), P = HD/2 pairs per head,
// split into PF frame / PH height / PW width pairs (PF = P − 2·(P/3), PH = PW = P/3: 22/21/21 for HD = 128; the
// host passes them from RopeTable). Grid tokens are row-major (f, h, w): row = (f·GH + h)·GW + w.
// Tensors [R, NH·HD] bf16. Pair i of a head is (v[2i], v[2i+1]) → (v[2i]·cos − v[2i+1]·sin, v[2i]·sin + v[2i+1]·cos).
//
// Angle tables: cs_f [GF, PF, 2], cs_h [GH, PH, 2], cs_w [GW, PW, 2] fp32 (cos, sin) pairs, computed by the host in
// float64 exactly as RopeTable does and rounded to fp32 once. The rotation itself is fp32 (the CPU rotates in float64
// and rounds to fp32; after the bf16 output rounding the two agree to within bf16 rounding).
//
// Kernels (all extern "C"):
//   nw_rope3d_fwd_bf16   rotate by +θ; rows ≥ GF·GH·GW (padding) are copied unchanged                      (v1)
//   nw_rope3d_bwd_bf16   rotate by −θ (the gradient of a rotation is its transpose); padding passes through (v1)
//
// Launch shape: grid = (R), block = (128); a block owns one row, threads stride over the NH·P pairs of the row.
// Accumulation: outputs are overwritten (=). out may alias in (in place, as the CPU allows): each thread reads its
// pair before writing it.
#include "common.cuh"

namespace {

__device__ __forceinline__ void rope3d(nw::bf16* out, const nw::bf16* in, const float* cs_f, const float* cs_h,
                                       const float* cs_w, int heads, int head_dim, int grid_f, int grid_h,
                                       int grid_w, int pairs_f, int pairs_h, int pairs_w, float sign) {
    const int row = blockIdx.x;
    const long long width = static_cast<long long>(heads) * head_dim;
    const nw::bf16* ir = in + row * width;
    nw::bf16* orow = out + row * width;
    const int tokens = grid_f * grid_h * grid_w;
    if (row >= tokens) {
        if (ir != orow)
            for (long long c = threadIdx.x; c < width; c += blockDim.x) orow[c] = ir[c];
        return;
    }
    const int f = row / (grid_h * grid_w), h = row / grid_w % grid_h, w = row % grid_w;
    const int pairs = head_dim / 2, total = heads * pairs;
    for (int p = threadIdx.x; p < total; p += blockDim.x) {
        const int head = p / pairs, i = p - head * pairs;
        const float* cs;
        if (i < pairs_f) cs = cs_f + 2 * (f * pairs_f + i);
        else if (i < pairs_f + pairs_h) cs = cs_h + 2 * (h * pairs_h + (i - pairs_f));
        else cs = cs_w + 2 * (w * pairs_w + (i - pairs_f - pairs_h));
        const float cv = cs[0], sv = sign * cs[1];
        const long long idx = static_cast<long long>(head) * head_dim + 2 * i;
        const float a = nw::to_float(ir[idx]), b = nw::to_float(ir[idx + 1]);
        nw::store(orow + idx, fmaf(a, cv, -b * sv));
        nw::store(orow + idx + 1, fmaf(a, sv, b * cv));
    }
}

}  // namespace

extern "C" __global__ void nw_rope3d_fwd_bf16(nw::bf16* out, const nw::bf16* in, const float* cs_f, const float* cs_h,
                                              const float* cs_w, int rows, int heads, int head_dim, int grid_f,
                                              int grid_h, int grid_w, int pairs_f, int pairs_h, int pairs_w) {
    (void)rows;
    rope3d(out, in, cs_f, cs_h, cs_w, heads, head_dim, grid_f, grid_h, grid_w, pairs_f, pairs_h, pairs_w, 1.0f);
}

extern "C" __global__ void nw_rope3d_bwd_bf16(nw::bf16* din, const nw::bf16* dout, const float* cs_f,
                                              const float* cs_h, const float* cs_w, int rows, int heads,
                                              int head_dim, int grid_f, int grid_h, int grid_w, int pairs_f,
                                              int pairs_h, int pairs_w) {
    (void)rows;
    rope3d(din, dout, cs_f, cs_h, cs_w, heads, head_dim, grid_f, grid_h, grid_w, pairs_f, pairs_h, pairs_w, -1.0f);
}
