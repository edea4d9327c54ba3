// kernels/gemm_simple.cu — a plain, correct tiled GEMM for the frozen base products of every Linear layer (spec 2.6,
// 7.1; backward spec section 10): the fallback behind NativeWan.Ops.Cuda.IGemm when cuBLASLt is absent, and what lets
// the whole DiT training step run in the host emulator of the tests. No tensor cores, no split-K: one block computes
// one 64×64 tile of C over the whole reduction. CPU twins: NativeWan.Ops.Cpu.Gemm.MatMulTransB / MatMul / MatMulTransA
// (src/NativeWan/Ops/Cpu/Gemm.cs), i.e. the base part of CpuOps.LinearForward / LinearBackward.
//
// Dimension letters: M rows of C, N columns of C, K reduction length. Every matrix is row-major and contiguous.
// Storage: A, B bf16 (activations and the bf16 weight copies); C and bias bf16 or fp32 (kernel suffix = C's type; the
// bias has C's type, as cuBLASLt's bias epilogue). Arithmetic fp32: products and sums in fp32, C rounded once.
//
// Kernels (all extern "C"):
//   nw_gemm_nt_bf16_{bf16,f32}   C[M,N] (= or +=) A[M,K]·B[N,K]ᵀ (+ bias[N])   Linear forward y = x·Wᵀ + b        (v1)
//   nw_gemm_nn_bf16_{bf16,f32}   C[M,N] (= or +=) A[M,K]·B[K,N]                  input gradient dx = dy·W            (v1)
//   nw_gemm_tn_bf16_{bf16,f32}   C[M,N] (= or +=) A[K,M]ᵀ·B[K,N]                 weight gradient dW = dyᵀ·x          (v1)
// accumulate ≠ 0 adds the product (and bias) to the C already there (cuBLASLt β = 1); 0 overwrites it (β = 0).
// Per element: v = Σ_k a·b in k order with fmaf, then v + bias, then v + C_old; rounded to C's type once.
//
// Launch shape (src/NativeWan/Ops/Cuda/LaunchShapes.cs, LaunchShapes.Gemm without split-K): block = (256),
// grid = (ceil(N/64), ceil(M/64)); thread (tx, ty) = (tid % 16, tid / 16) owns the 4×4 outputs
// (ty + 16i, tx + 16j) of its block's tile. K advances in steps of 16 through shared memory; each operand tile is
// loaded walking its contiguous dimension fastest (coalesced). Static shared memory 2·16·65·4 = 8,320 bytes.
// Accumulation: C only (= or +=, no atomics: deterministic). C must not alias A, B or bias.
#include "common.cuh"

namespace {

constexpr int kTileM = 64, kTileN = 64, kTileK = 16, kThreads = 256;

// C[m, n] (= or +=) Σ_k A(m, k)·B(k, n) (+ bias[n]), where A(m, k) = A[m·sam + k·sak] and B(k, n) = B[k·sbk + n·sbn].
template <typename TC>
__device__ __forceinline__ void gemm_tile(TC* __restrict__ c, const nw::bf16* __restrict__ a, long long sam,
                                          long long sak, const nw::bf16* __restrict__ b, long long sbk, long long sbn,
                                          const TC* __restrict__ bias, int m_total, int n_total, int k_total,
                                          int accumulate) {
    __shared__ float a_tile[kTileK][kTileM + 1];
    __shared__ float b_tile[kTileK][kTileN + 1];
    const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
    const int m0 = blockIdx.y * kTileM, n0 = blockIdx.x * kTileN;
    float acc[4][4];
#pragma unroll
    for (int i = 0; i < 4; i++)
#pragma unroll
        for (int j = 0; j < 4; j++) acc[i][j] = 0.0f;

    for (int k0 = 0; k0 < k_total; k0 += kTileK) {
        // A tile: 64 rows × 16 k; walk k fastest when k is contiguous (sak == 1), else m fastest.
#pragma unroll
        for (int u = 0; u < (kTileM * kTileK) / kThreads; u++) {
            const int e = tid + u * kThreads;
            const int mm = sak == 1 ? e / kTileK : e % kTileM;
            const int kk = sak == 1 ? e % kTileK : e / kTileM;
            const long long m = m0 + mm, k = k0 + kk;
            a_tile[kk][mm] = (m < m_total && k < k_total) ? nw::bf16_to_float(a[m * sam + k * sak]) : 0.0f;
        }
        // B tile: 16 k × 64 columns; walk n fastest when n is contiguous (sbn == 1), else k fastest.
#pragma unroll
        for (int u = 0; u < (kTileN * kTileK) / kThreads; u++) {
            const int e = tid + u * kThreads;
            const int nn = sbn == 1 ? e % kTileN : e / kTileK;
            const int kk = sbn == 1 ? e / kTileN : e % kTileK;
            const long long n = n0 + nn, k = k0 + kk;
            b_tile[kk][nn] = (n < n_total && k < k_total) ? nw::bf16_to_float(b[k * sbk + n * sbn]) : 0.0f;
        }
        __syncthreads();
#pragma unroll
        for (int kk = 0; kk < kTileK; kk++) {
            float av[4], bv[4];
#pragma unroll
            for (int i = 0; i < 4; i++) av[i] = a_tile[kk][ty + 16 * i];
#pragma unroll
            for (int j = 0; j < 4; j++) bv[j] = b_tile[kk][tx + 16 * j];
#pragma unroll
            for (int i = 0; i < 4; i++)
#pragma unroll
                for (int j = 0; j < 4; j++) acc[i][j] = fmaf(av[i], bv[j], acc[i][j]);
        }
        __syncthreads();
    }

#pragma unroll
    for (int i = 0; i < 4; i++) {
        const long long m = m0 + ty + 16 * i;
        if (m >= m_total) continue;
#pragma unroll
        for (int j = 0; j < 4; j++) {
            const int n = n0 + tx + 16 * j;
            if (n >= n_total) continue;
            float v = acc[i][j];
            if (bias) v += nw::to_float(bias[n]);
            TC* p = c + m * n_total + n;
            if (accumulate) v += nw::to_float(*p);
            nw::store(p, v);
        }
    }
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// NT: C = A·Bᵀ (+ bias) — A [M, K], B [N, K] (the Linear weight [out, in])

extern "C" __global__ void nw_gemm_nt_bf16_bf16(nw::bf16* c, const nw::bf16* a, const nw::bf16* b,
                                                const nw::bf16* bias, int m, int n, int k, int accumulate) {
    gemm_tile(c, a, k, 1, b, 1, k, bias, m, n, k, accumulate);
}

extern "C" __global__ void nw_gemm_nt_bf16_f32(float* c, const nw::bf16* a, const nw::bf16* b, const float* bias,
                                               int m, int n, int k, int accumulate) {
    gemm_tile(c, a, k, 1, b, 1, k, bias, m, n, k, accumulate);
}

// ---------------------------------------------------------------------------------------------------------------
// NN: C = A·B — A [M, K], B [K, N]

extern "C" __global__ void nw_gemm_nn_bf16_bf16(nw::bf16* c, const nw::bf16* a, const nw::bf16* b, int m, int n,
                                                int k, int accumulate) {
    gemm_tile<nw::bf16>(c, a, k, 1, b, n, 1, nullptr, m, n, k, accumulate);
}

extern "C" __global__ void nw_gemm_nn_bf16_f32(float* c, const nw::bf16* a, const nw::bf16* b, int m, int n, int k,
                                               int accumulate) {
    gemm_tile<float>(c, a, k, 1, b, n, 1, nullptr, m, n, k, accumulate);
}

// ---------------------------------------------------------------------------------------------------------------
// TN: C = Aᵀ·B — A [K, M], B [K, N]

extern "C" __global__ void nw_gemm_tn_bf16_bf16(nw::bf16* c, const nw::bf16* a, const nw::bf16* b, int m, int n,
                                                int k, int accumulate) {
    gemm_tile<nw::bf16>(c, a, 1, m, b, n, 1, nullptr, m, n, k, accumulate);
}

extern "C" __global__ void nw_gemm_tn_bf16_f32(float* c, const nw::bf16* a, const nw::bf16* b, int m, int n, int k,
                                               int accumulate) {
    gemm_tile<float>(c, a, 1, m, b, n, 1, nullptr, m, n, k, accumulate);
}
