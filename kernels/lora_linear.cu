// kernels/lora_linear.cu — the LoRA half of a Linear layer with adapter (spec 7.1, backward spec section 10):
//   y = x·Wᵀ + b + s·(x·Aᵀ)·Bᵀ,   A = lora_down [RK, IN], B = lora_up [OUT, RK], s = multiplier·alpha/rank.
// The base product x·Wᵀ + b (and the base input gradient dy·W) comes from the base GEMM (NativeWan.Ops.Cuda.IGemm:
// cuBLASLt, or the tiled kernels/gemm_simple.cu); the kernels here add the low-rank part.
// CPU twin: NativeWan.Ops.Cpu.CpuOps.LinearForward/Backward (src/NativeWan/Ops/Cpu/Linear.cs).
//
// Dimension letters: R = rows (tokens), IN / OUT features, RK = rank.
// Storage: x, y, dy, A, B bf16 (A, B are the bf16 compute copies that nw_adamw_f32 writes); mid = x·Aᵀ and
// dmid = s·dy·B fp32 [R, RK]; dA [RK, IN] and dB [OUT, RK] fp32; the y / dx they add into is bf16 or fp32 (suffix).
//
// Kernels (all extern "C"):
//   nw_lora_down_bf16             mid  = x·Aᵀ                      (=)                                          (v1)
//   nw_lora_up_{bf16,f32}         y   += s·mid·Bᵀ                  (+=, read-modify-write of the base GEMM output:
//                                                                    the adapter costs no extra pass over y)     (v1)
//   nw_lora_dmid_bf16             dmid = s·dy·B                    (=)                                          (v1)
//   nw_lora_grad_down_bf16        dA  += dmidᵀ·x                   (+=, split over rows, fp32 atomics)          (v1)
//   nw_lora_grad_up_bf16          dB  += s·dyᵀ·mid                 (+=, split over rows, fp32 atomics)          (v1)
//   nw_lora_grad_input_{bf16,f32} dx (= or +=) dmid·A              (the adapter's share of the input gradient;
//                                                                    accumulate = 1 adds to the GEMM's dy·W)   (v1)
// All are one templated tile kernel: C[m, n] (=, +=, atomic +=) α·Σ_k A(m, k)·B(k, n) with arbitrary element strides,
// fp32 accumulation, bf16 / fp32 operands.
//
// Launch shape (src/NativeWan/Ops/Cuda/LaunchShapes.cs): block = (256); tile 64×64 outputs per block, 4×4 per thread,
// K in steps of 16 through shared memory; grid = (ceil(N/64), ceil(M/64), splits) with (M, N, K) the product's
// shape: down (R, RK, IN); up (R, OUT, RK); dmid (R, RK, OUT); grad_down (RK, IN, R); grad_up (OUT, RK, R);
// grad_input (R, IN, RK). splits = ceil(R / rows_per_split) for the two parameter gradients, 1 otherwise.
// Accumulation contract: parameter gradients dA, dB +=; activations (mid, dmid) =; y += (the base GEMM wrote it);
// dx = or += by the accumulate argument. Outputs must not alias inputs.
#include "common.cuh"

namespace {

constexpr int kBM = 64, kBN = 64, kBK = 16, kThreads = 256;
enum Mode { kStore = 0, kAccumulate = 1, kAtomic = 2 };

template <int MODE, typename TA, typename TB, typename TC>
__device__ __forceinline__ void tile_gemm(TC* __restrict__ C, long long ldc, const TA* __restrict__ A, long long sam,
                                          long long sak, const TB* __restrict__ B, long long sbk, long long sbn, int M,
                                          int N, int K, int k_per_split, float alpha) {
    __shared__ float a_sh[kBK][kBM + 1];   // +1: the k-fastest tile stores hit 16 different banks
    __shared__ float b_sh[kBK][kBN + 1];
    const int tid = threadIdx.x, tx = tid & 15, ty = tid >> 4;
    const int m0 = blockIdx.y * kBM, n0 = blockIdx.x * kBN;
    const int k_begin = blockIdx.z * k_per_split;
    const int k_end = min(K, k_begin + k_per_split);
    float acc[4][4];
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) acc[i][j] = 0.0f;

    for (int k0 = k_begin; k0 < k_end; k0 += kBK) {
#pragma unroll
        for (int u = 0; u < (kBM * kBK) / kThreads; u++) {
            const int e = tid + u * kThreads;
            int mm, kk;
            if (sak == 1) { mm = e / kBK; kk = e % kBK; }   // k contiguous in memory: walk k fastest
            else { mm = e % kBM; kk = e / kBM; }
            const int m = m0 + mm, k = k0 + kk;
            a_sh[kk][mm] = (m < M && k < k_end) ? nw::to_float(A[m * sam + k * sak]) : 0.0f;
        }
#pragma unroll
        for (int u = 0; u < (kBN * kBK) / kThreads; u++) {
            const int e = tid + u * kThreads;
            int nn, kk;
            if (sbn == 1) { nn = e % kBN; kk = e / kBN; }   // n contiguous: walk n fastest
            else { nn = e / kBK; kk = e % kBK; }
            const int n = n0 + nn, k = k0 + kk;
            b_sh[kk][nn] = (n < N && k < k_end) ? nw::to_float(B[k * sbk + n * sbn]) : 0.0f;
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < kBK; kk++) {
            float a[4], b[4];
#pragma unroll
            for (int i = 0; i < 4; i++) a[i] = a_sh[kk][ty + 16 * i];
#pragma unroll
            for (int j = 0; j < 4; j++) b[j] = b_sh[kk][tx + 16 * j];
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++) acc[i][j] = fmaf(a[i], b[j], acc[i][j]);
        }
        __syncthreads();
    }
    if (k_begin >= k_end) return;
#pragma unroll
    for (int i = 0; i < 4; i++) {
        const int m = m0 + ty + 16 * i;
        if (m >= M) continue;
#pragma unroll
        for (int j = 0; j < 4; j++) {
            const int n = n0 + tx + 16 * j;
            if (n >= N) continue;
            TC* p = C + m * ldc + n;
            const float val = alpha * acc[i][j];
            if constexpr (MODE == kAtomic) atomicAdd(p, val);
            else if constexpr (MODE == kAccumulate) nw::store(p, nw::to_float(*p) + val);
            else nw::store(p, val);
        }
    }
}

}  // namespace

extern "C" __global__ void nw_lora_down_bf16(float* mid, const nw::bf16* x, const nw::bf16* a, int rows, int in_f,
                                             int rank) {
    tile_gemm<kStore>(mid, rank, x, in_f, 1, a, 1, in_f, rows, rank, in_f, in_f, 1.0f);
}

extern "C" __global__ void nw_lora_up_bf16(nw::bf16* y, const float* mid, const nw::bf16* b, int rows, int out_f,
                                           int rank, float scale) {
    tile_gemm<kAccumulate>(y, out_f, mid, rank, 1, b, 1, rank, rows, out_f, rank, rank, scale);
}

extern "C" __global__ void nw_lora_up_f32(float* y, const float* mid, const nw::bf16* b, int rows, int out_f, int rank,
                                          float scale) {
    tile_gemm<kAccumulate>(y, out_f, mid, rank, 1, b, 1, rank, rows, out_f, rank, rank, scale);
}

extern "C" __global__ void nw_lora_dmid_bf16(float* dmid, const nw::bf16* dy, const nw::bf16* b, int rows, int out_f,
                                             int rank, float scale) {
    tile_gemm<kStore>(dmid, rank, dy, out_f, 1, b, rank, 1, rows, rank, out_f, out_f, scale);
}

extern "C" __global__ void nw_lora_grad_down_bf16(float* da, const float* dmid, const nw::bf16* x, int rows, int in_f,
                                                  int rank, int rows_per_split) {
    tile_gemm<kAtomic>(da, in_f, dmid, 1, rank, x, in_f, 1, rank, in_f, rows, rows_per_split, 1.0f);
}

extern "C" __global__ void nw_lora_grad_up_bf16(float* db, const nw::bf16* dy, const float* mid, int rows, int out_f,
                                                int rank, float scale, int rows_per_split) {
    tile_gemm<kAtomic>(db, rank, dy, 1, out_f, mid, rank, 1, out_f, rank, rows, rows_per_split, scale);
}

extern "C" __global__ void nw_lora_grad_input_bf16(nw::bf16* dx, const float* dmid, const nw::bf16* a, int rows,
                                                   int in_f, int rank, int accumulate) {
    if (accumulate) tile_gemm<kAccumulate>(dx, in_f, dmid, rank, 1, a, in_f, 1, rows, in_f, rank, rank, 1.0f);
    else tile_gemm<kStore>(dx, in_f, dmid, rank, 1, a, in_f, 1, rows, in_f, rank, rank, 1.0f);
}

extern "C" __global__ void nw_lora_grad_input_f32(float* dx, const float* dmid, const nw::bf16* a, int rows, int in_f,
                                                  int rank, int accumulate) {
    if (accumulate) tile_gemm<kAccumulate>(dx, in_f, dmid, rank, 1, a, in_f, 1, rows, in_f, rank, rank, 1.0f);
    else tile_gemm<kStore>(dx, in_f, dmid, rank, 1, a, in_f, 1, rows, in_f, rank, rank, 1.0f);
}
