// kernels/gelu.cu — element-wise activations of the Wan DiT: GELU (tanh approximation; FFN and text embedding,
// spec 2.4/2.6) and SiLU (time embedding / time projection, spec 2.3), forward and backward (spec section 10).
// CPU twins: NativeWan.Ops.Cpu.CpuOps.GeluTanhForward/Backward, SiluForward/Backward
// (src/NativeWan/Ops/Cpu/Activations.cs).
//
// Storage T ∈ {bf16, f32} (suffix _bf16 / _f32: the FFN runs in bf16, the time path in fp32); arithmetic fp32.
//
// Kernels (all extern "C"; n = element count, 64-bit):
//   nw_gelu_tanh_fwd_{bf16,f32}   y = 0.5·z·(1 + tanh(u)),  u = √(2/π)·(z + 0.044715·z³)                           (v1)
//   nw_gelu_tanh_bwd_{bf16,f32}   dz = dy·(0.5(1+τ) + 0.5·z·(1−τ²)·√(2/π)·(1 + 3·0.044715·z²)),  τ = tanh u          (v1)
//   nw_silu_fwd_{bf16,f32}        y = z·σ(z)                                                                      (v1)
//   nw_silu_bwd_{bf16,f32}        dz = dy·σ(z)·(1 + z·(1 − σ(z)))                                                  (v1)
//
// Launch shape: 1-D grid-stride loop; block = (256), grid = (min(ceil(n/256), 65536)); any grid works.
// Accumulation: outputs overwritten (=). out may alias in; din may alias dout (one read, then one write per element).
#include "common.cuh"

namespace {

constexpr float kGeluC = 0.7978845608028654f;  // √(2/π)
constexpr float kGeluA = 0.044715f;

__device__ __forceinline__ float gelu_inner(float z) {
    float z3 = z * z * z;
    return kGeluC * fmaf(z3, kGeluA, z);
}

__device__ __forceinline__ float sigmoid(float z) { return 1.0f / (1.0f + expf(-z)); }

template <typename T>
__device__ __forceinline__ void gelu_fwd(T* out, const T* in, long long n) {
    for (long long i = nw::global_thread_index(); i < n; i += nw::grid_stride()) {
        float z = nw::to_float(in[i]);
        nw::store(out + i, 0.5f * z * (1.0f + tanhf(gelu_inner(z))));
    }
}

template <typename T>
__device__ __forceinline__ void gelu_bwd(T* din, const T* dout, const T* in, long long n) {
    for (long long i = nw::global_thread_index(); i < n; i += nw::grid_stride()) {
        float z = nw::to_float(in[i]);
        float t = tanhf(gelu_inner(z));
        float w = fmaf(z * z, 3.0f * kGeluA * kGeluC, kGeluC) * z;
        float d = 0.5f * (1.0f + t) + 0.5f * (1.0f - t * t) * w;
        nw::store(din + i, nw::to_float(dout[i]) * d);
    }
}

template <typename T>
__device__ __forceinline__ void silu_fwd(T* out, const T* in, long long n) {
    for (long long i = nw::global_thread_index(); i < n; i += nw::grid_stride()) {
        float z = nw::to_float(in[i]);
        nw::store(out + i, z * sigmoid(z));
    }
}

template <typename T>
__device__ __forceinline__ void silu_bwd(T* din, const T* dout, const T* in, long long n) {
    for (long long i = nw::global_thread_index(); i < n; i += nw::grid_stride()) {
        float z = nw::to_float(in[i]);
        float s = sigmoid(z);
        nw::store(din + i, nw::to_float(dout[i]) * s * (1.0f + z * (1.0f - s)));
    }
}

}  // namespace

extern "C" __global__ void nw_gelu_tanh_fwd_bf16(nw::bf16* out, const nw::bf16* in, long long n) { gelu_fwd(out, in, n); }
extern "C" __global__ void nw_gelu_tanh_fwd_f32(float* out, const float* in, long long n) { gelu_fwd(out, in, n); }
extern "C" __global__ void nw_gelu_tanh_bwd_bf16(nw::bf16* din, const nw::bf16* dout, const nw::bf16* in, long long n) {
    gelu_bwd(din, dout, in, n);
}
extern "C" __global__ void nw_gelu_tanh_bwd_f32(float* din, const float* dout, const float* in, long long n) {
    gelu_bwd(din, dout, in, n);
}
extern "C" __global__ void nw_silu_fwd_bf16(nw::bf16* out, const nw::bf16* in, long long n) { silu_fwd(out, in, n); }
extern "C" __global__ void nw_silu_fwd_f32(float* out, const float* in, long long n) { silu_fwd(out, in, n); }
extern "C" __global__ void nw_silu_bwd_bf16(nw::bf16* din, const nw::bf16* dout, const nw::bf16* in, long long n) {
    silu_bwd(din, dout, in, n);
}
extern "C" __global__ void nw_silu_bwd_f32(float* din, const float* dout, const float* in, long long n) {
    silu_bwd(din, dout, in, n);
}
