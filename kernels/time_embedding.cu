// kernels/time_embedding.cu — sinusoidal timestep embedding (spec 2.3, official sinusoidal_embedding_1d).
// CPU twin: NativeWan.Ops.Cpu.CpuOps.SinusoidalEmbeddingForward (src/NativeWan/Ops/Cpu/TimeEmbedding.cs).
// There is no backward: the timestep is not a trainable input. The MLP after it (Linear, SiLU, Linear) runs on
// cuBLASLt and kernels/gelu.cu (nw_silu_fwd_f32).
//
// Dimension letters: T = number of timesteps (one embedding per distinct timestep; spec 2.3 "gathered per token"),
// D = embedding size (freq_dim, 256 in Wan), even; HALF = D/2.
// out[i, k] = cos(arg), out[i, HALF + k] = sin(arg), arg = t[i]·10000^(−k/HALF) — cos first. Computed in float64
// (pow, cos, sin) and rounded to fp32 once, like the CPU (Math.Pow / Math.Cos / Math.Sin, then (float)).
//
// Kernels (all extern "C"):
//   nw_sinusoidal_embedding_f32   out [T, D] fp32 ← t [T] float64                                       (v1)
//
// Launch shape: 1-D grid-stride over T·HALF; block = (256), grid = (ceil(T·HALF/256)) (tiny).
// Accumulation: out overwritten (=).
#include "common.cuh"

extern "C" __global__ void nw_sinusoidal_embedding_f32(float* __restrict__ out, const double* __restrict__ t, int count,
                                                       int dim) {
    const int half = dim / 2;
    const long long total = static_cast<long long>(count) * half;
    for (long long i = nw::global_thread_index(); i < total; i += nw::grid_stride()) {
        const long long row = i / half;
        const int k = static_cast<int>(i - row * half);
        const double a = t[row] * pow(10000.0, -static_cast<double>(k) / half);
        out[row * dim + k] = static_cast<float>(cos(a));
        out[row * dim + half + k] = static_cast<float>(sin(a));
    }
}
