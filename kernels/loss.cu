// kernels/loss.cu — the flow-matching objective (spec 4.1; gradient spec section 10): noising, the MSE loss against
// the velocity target and its gradient. CPU twin: the loss block of NativeWan.Models.Wan.WanDit.TrainStep
// (src/NativeWan/Models/Wan/WanDit.Training.cs), restated as FlowMatchingReference in src/NativeWan/Ops/Cuda.
//
// Dimension letters: N = latent elements (C·F·H·W), G = partial-sum blocks (the grid of the partial kernel).
// Storage fp32 throughout (the model returns fp32, spec 2.1); the loss sum is float64 like the CPU's.
//
// Kernels (all extern "C"):
//   nw_flow_noise_f32        x_t = (1 − σ)·x0 + σ·ε;  target = ε − x0 (target may be null)                         (v1)
//   nw_flow_mse_partial_f32  diff = pred − (ε − x0);  dpred = 2·diff / N  (dpred may be null);
//                            partials[block] = Σ diff² over the block's grid-stride elements, in float64              (v1)
//   nw_flow_mse_finalize     loss = (float)(Σ partials / N) (and the float64 sum when sum_out is not null)         (v1)
// Rounding contract (bit-for-bit with the CPU for x_t, target and dpred): every product and sum is rounded to fp32
// separately (__fmul_rn / __fadd_rn / __fsub_rn / __fdiv_rn: no FMA contraction), as C# evaluates
// (1f − σ)·x0 + σ·ε and 2f·diff / N. The loss differs from the CPU's sequential float64 sum only by summation order.
//
// Launch shapes: noise: 1-D grid-stride, block (256), grid (min(ceil(N/256), 65536)).
//   partial: block (256) (power of two: shared-memory tree), grid (G) with G ≤ 4096 chosen by the host;
//   deterministic for a fixed G. finalize: grid (1), block (256).
// Accumulation: all outputs overwritten (=).
#include "common.cuh"

namespace {
constexpr int kLossBlock = 256;
}

extern "C" __global__ void nw_flow_noise_f32(float* __restrict__ xt, float* __restrict__ target,
                                             const float* __restrict__ x0, const float* __restrict__ noise, float sigma,
                                             long long n) {
    const float one_minus = __fsub_rn(1.0f, sigma);
    for (long long i = nw::global_thread_index(); i < n; i += nw::grid_stride()) {
        const float a = x0[i], e = noise[i];
        xt[i] = __fadd_rn(__fmul_rn(one_minus, a), __fmul_rn(sigma, e));
        if (target) target[i] = __fsub_rn(e, a);
    }
}

extern "C" __global__ void nw_flow_mse_partial_f32(float* __restrict__ dpred, double* __restrict__ partials,
                                                   const float* __restrict__ pred, const float* __restrict__ x0,
                                                   const float* __restrict__ noise, long long n) {
    __shared__ double sums[kLossBlock];
    const float nf = static_cast<float>(n);
    double acc = 0.0;
    for (long long i = nw::global_thread_index(); i < n; i += nw::grid_stride()) {
        const float diff = __fsub_rn(pred[i], __fsub_rn(noise[i], x0[i]));
        acc += static_cast<double>(diff) * static_cast<double>(diff);
        if (dpred) dpred[i] = __fdiv_rn(__fmul_rn(2.0f, diff), nf);
    }
    sums[threadIdx.x] = acc;
    __syncthreads();
    for (int s = kLossBlock / 2; s > 0; s >>= 1) {
        if (static_cast<int>(threadIdx.x) < s) sums[threadIdx.x] += sums[threadIdx.x + s];
        __syncthreads();
    }
    if (threadIdx.x == 0) partials[blockIdx.x] = sums[0];
}

extern "C" __global__ void nw_flow_mse_finalize(float* __restrict__ loss, double* __restrict__ sum_out,
                                                const double* __restrict__ partials, int partial_count, long long n) {
    __shared__ double sums[kLossBlock];
    double acc = 0.0;
    for (int i = threadIdx.x; i < partial_count; i += kLossBlock) acc += partials[i];
    sums[threadIdx.x] = acc;
    __syncthreads();
    for (int s = kLossBlock / 2; s > 0; s >>= 1) {
        if (static_cast<int>(threadIdx.x) < s) sums[threadIdx.x] += sums[threadIdx.x + s];
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        *loss = static_cast<float>(sums[0] / static_cast<double>(n));
        if (sum_out) *sum_out = sums[0];
    }
}
