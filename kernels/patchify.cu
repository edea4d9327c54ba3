// kernels/patchify.cu — patchify / unpatchify of a [C, F, H, W] latent into (Pt, Ph, Pw) patch tokens (spec 2.2, 2.7).
// Both are pure permutations, so each one's backward is the other. CPU twins: NativeWan.Ops.Cpu.CpuOps.PatchifyForward/
// Backward, UnpatchifyForward/Backward with PatchGeometry (src/NativeWan/Ops/Cpu/Patchify.cs).
//
// Dimension letters: C channels, F/H/W latent frames/rows/columns, (PT, PH, PW) the patch, GF = F/PT, GH = H/PH,
// GW = W/PW the token grid, N = GF·GH·GW tokens (row-major (f, h, w)), PV = PT·PH·PW, TW = C·PV token width.
// Token vector order: channel_innermost = 0 → (c, pt, ph, pw) (the Conv3d weight order of the patch embedding);
// channel_innermost = 1 → (pt, ph, pw, c) (the head's layout: out[c, f·PT+a, h·PH+q, w·PW+r] = tok[n, ((a·PH+q)·PW+r)·C + c]).
// Latent element (c, f', h', w') lives at ((c·F + f')·H + h')·W + w'; token element (n, t) at n·TW + t.
//
// Kernels (all extern "C"; <src>_<dst> = storage types):
//   nw_patchify_f32_bf16     tokens[N, TW] bf16 ← latent f32      (patch-embedding input; UnpatchifyBackward → bf16) (v1)
//   nw_patchify_f32_f32      tokens f32 ← latent f32                                                          (v1)
//   nw_unpatchify_f32_f32    latent f32 ← tokens f32             (head output; PatchifyBackward of f32 grads)  (v1)
//   nw_unpatchify_bf16_f32   latent f32 ← tokens bf16            (PatchifyBackward of the bf16 token gradient) (v1)
// Only the first N token rows are read / written: rows beyond N (sequence padding) are neither (zero them on the
// host side when they must be zero; the unpatchify of a padded token buffer ignores them, spec section 10).
//
// Launch shape: 1-D grid-stride loop over the N·TW elements in destination order (coalesced writes);
// block = (256), grid = (min(ceil(N·TW/256), 65536)).
// Accumulation: the destination is overwritten (=). Source and destination must not alias.
#include "common.cuh"

namespace {

struct PatchGeometry {
    int C, F, H, W, PT, PH, PW;
};

// Latent offset of token element (n, t).
__device__ __forceinline__ long long latent_offset(const PatchGeometry& g, long long n, int t, int channel_innermost) {
    const int gh = g.H / g.PH, gw = g.W / g.PW, pv = g.PT * g.PH * g.PW;
    int c, p;
    if (channel_innermost) { p = t / g.C; c = t - p * g.C; }
    else { c = t / pv; p = t - c * pv; }
    const int a = p / (g.PH * g.PW), q = p / g.PW % g.PH, r = p % g.PW;
    const long long f = n / (static_cast<long long>(gh) * gw);
    const int h = static_cast<int>(n / gw % gh), w = static_cast<int>(n % gw);
    return ((static_cast<long long>(c) * g.F + f * g.PT + a) * g.H + static_cast<long long>(h) * g.PH + q) * g.W +
           static_cast<long long>(w) * g.PW + r;
}

template <typename TS, typename TD>
__device__ __forceinline__ void patchify(TD* __restrict__ tokens, const TS* __restrict__ latent, PatchGeometry g,
                                         int channel_innermost) {
    const int tw = g.C * g.PT * g.PH * g.PW;
    const long long n_tokens = static_cast<long long>(g.F / g.PT) * (g.H / g.PH) * (g.W / g.PW);
    const long long total = n_tokens * tw;
    for (long long i = nw::global_thread_index(); i < total; i += nw::grid_stride()) {
        const long long n = i / tw;
        const int t = static_cast<int>(i - n * tw);
        nw::store(tokens + i, nw::to_float(latent[latent_offset(g, n, t, channel_innermost)]));
    }
}

// Destination order is the latent: invert the latent index into (n, t).
template <typename TS, typename TD>
__device__ __forceinline__ void unpatchify(TD* __restrict__ latent, const TS* __restrict__ tokens, PatchGeometry g,
                                           int channel_innermost) {
    const int gh = g.H / g.PH, gw = g.W / g.PW, pv = g.PT * g.PH * g.PW, tw = g.C * pv;
    const long long total = static_cast<long long>(g.C) * g.F * g.H * g.W;
    for (long long i = nw::global_thread_index(); i < total; i += nw::grid_stride()) {
        const int x = static_cast<int>(i % g.W);
        const int y = static_cast<int>(i / g.W % g.H);
        const long long cf = i / (static_cast<long long>(g.W) * g.H);
        const int fr = static_cast<int>(cf % g.F);
        const int c = static_cast<int>(cf / g.F);
        const long long n = (static_cast<long long>(fr / g.PT) * gh + y / g.PH) * gw + x / g.PW;
        const int p = ((fr % g.PT) * g.PH + y % g.PH) * g.PW + x % g.PW;
        const int t = channel_innermost ? p * g.C + c : c * pv + p;
        nw::store(latent + i, nw::to_float(tokens[n * tw + t]));
    }
}

}  // namespace

extern "C" __global__ void nw_patchify_f32_bf16(nw::bf16* tokens, const float* latent, int c, int f, int h, int w,
                                                int pt, int ph, int pw, int channel_innermost) {
    patchify(tokens, latent, PatchGeometry{c, f, h, w, pt, ph, pw}, channel_innermost);
}

extern "C" __global__ void nw_patchify_f32_f32(float* tokens, const float* latent, int c, int f, int h, int w, int pt,
                                               int ph, int pw, int channel_innermost) {
    patchify(tokens, latent, PatchGeometry{c, f, h, w, pt, ph, pw}, channel_innermost);
}

extern "C" __global__ void nw_unpatchify_f32_f32(float* latent, const float* tokens, int c, int f, int h, int w, int pt,
                                                 int ph, int pw, int channel_innermost) {
    unpatchify(latent, tokens, PatchGeometry{c, f, h, w, pt, ph, pw}, channel_innermost);
}

extern "C" __global__ void nw_unpatchify_bf16_f32(float* latent, const nw::bf16* tokens, int c, int f, int h, int w,
                                                  int pt, int ph, int pw, int channel_innermost) {
    unpatchify(latent, tokens, PatchGeometry{c, f, h, w, pt, ph, pw}, channel_innermost);
}
