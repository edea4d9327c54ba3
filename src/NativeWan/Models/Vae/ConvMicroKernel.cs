using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace NativeWan.Models.Vae;

/// <summary>
/// Register-blocked float32 kernel for the VAE convolutions: <c>out[j, co] = bias[co] + Σₖ a[j, k] · W[co, k]</c>
/// for a tile of output pixels j (rows of the im2col matrix <c>a</c>) and all output channels. Weights are pre-packed
/// in blocks of 16 output channels, <c>[Cout/16][K][16]</c>, so each step loads two 8-wide vectors of weights and
/// broadcasts one input value per pixel: a 6-pixel × 16-channel block keeps 12 accumulators in registers (the classic
/// GEMM micro-kernel). Each output is summed over k in order, so results do not depend on tiling or threads.
/// This is private to the VAE (the shared <c>Ops/Cpu/Gemm</c> is dot-product based and 2–5× slower on convs);
/// <see cref="IsSupported"/> is false without 256-bit SIMD, where callers use <c>Gemm</c> instead.
/// </summary>
internal static unsafe class ConvMicroKernel
{
    public const int Nr = 16, Mr = 6;

    public static bool IsSupported => Vector256.IsHardwareAccelerated;

    /// <summary>Packs W <c>[Cout, K]</c> into <c>[ceil(Cout/16)][K][16]</c>, zero-padded channels.</summary>
    public static float[] Pack(float[] w, int cout, int k)
    {
        int nb = (cout + Nr - 1) / Nr;
        var p = new float[(long)nb * k * Nr];
        for (int co = 0; co < cout; co++)
            for (int kk = 0; kk < k; kk++)
                p[((long)(co / Nr) * k + kk) * Nr + co % Nr] = w[(long)co * k + kk];
        return p;
    }

    /// <summary>Bias padded to a multiple of 16.</summary>
    public static float[] PadBias(float[] bias)
    {
        var b = new float[(bias.Length + Nr - 1) / Nr * Nr];
        bias.CopyTo(b, 0);
        return b;
    }

    /// <summary>
    /// out[j·ldo + co] = bias[co] + Σₖ a[j·lda + k] · W[co, k] for j &lt; n, co &lt; cout
    /// (<paramref name="packed"/> from <see cref="Pack"/>, <paramref name="bias"/> from <see cref="PadBias"/>).
    /// </summary>
    public static void Run(float* a, int lda, int n, float* packed, float* bias, int cout, int k, float* o, int ldo)
    {
        int nb = (cout + Nr - 1) / Nr;
        float* scratch = stackalloc float[Mr * Nr];
        float* zero = stackalloc float[Nr];
        new Span<float>(zero, Nr).Clear();
        // K is split into slices so one weight slice (≤ 128 KiB) plus the tile's slice of a stay in L2.
        for (int k0 = 0; k0 < k; k0 += Kc)
        {
            int kc = Math.Min(Kc, k - k0);
            bool acc = k0 > 0;
            for (int b = 0; b < nb; b++)
            {
                float* wb = packed + ((long)b * k + k0) * Nr;
                int co = b * Nr, valid = Math.Min(Nr, cout - co);
                float* bb = acc ? zero : bias + co;
                for (int j = 0; j < n; j += Mr)
                {
                    int rows = Math.Min(Mr, n - j);
                    float* aj = a + (long)j * lda + k0;
                    float* dst = o + (long)j * ldo + co;
                    // A partial block (fewer than 16 channels or 6 rows left) goes through scratch so no store leaves the tile.
                    if (valid == Nr && rows == Mr) { Block6(aj, lda, wb, kc, bb, dst, ldo, acc); continue; }
                    if (acc)
                        for (int r = 0; r < rows; r++)
                            for (int i = 0; i < valid; i++) scratch[r * Nr + i] = dst[(long)r * ldo + i];
                    if (rows == Mr) Block6(aj, lda, wb, kc, bb, scratch, Nr, acc);
                    else for (int r = 0; r < rows; r++) Block1(aj + (long)r * lda, wb, kc, bb, scratch + r * Nr, acc);
                    for (int r = 0; r < rows; r++)
                        for (int i = 0; i < valid; i++) dst[(long)r * ldo + i] = scratch[r * Nr + i];
                }
            }
        }
    }

    /// <summary>K slice length.</summary>
    const int Kc = 2048;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static Vector256<float> Fma(Vector256<float> x, Vector256<float> w, Vector256<float> c) => Vector256.FusedMultiplyAdd(x, w, c);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    static void Block6(float* a, int lda, float* w, int k, float* bias, float* o, int ldo, bool acc)
    {
        Vector256<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        if (acc)
        {
            c00 = Vector256.Load(o); c01 = Vector256.Load(o + 8);
            c10 = Vector256.Load(o + ldo); c11 = Vector256.Load(o + ldo + 8);
            c20 = Vector256.Load(o + 2 * ldo); c21 = Vector256.Load(o + 2 * ldo + 8);
            c30 = Vector256.Load(o + 3 * ldo); c31 = Vector256.Load(o + 3 * ldo + 8);
            c40 = Vector256.Load(o + 4 * ldo); c41 = Vector256.Load(o + 4 * ldo + 8);
            c50 = Vector256.Load(o + 5 * ldo); c51 = Vector256.Load(o + 5 * ldo + 8);
        }
        else
        {
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = Vector256<float>.Zero;
        }
        float* a0 = a, a1 = a + lda, a2 = a1 + lda, a3 = a2 + lda, a4 = a3 + lda, a5 = a4 + lda;
        for (int kk = 0; kk < k; kk++, w += Nr)
        {
            var w0 = Vector256.Load(w);
            var w1 = Vector256.Load(w + 8);
            var x = Vector256.Create(a0[kk]); c00 = Fma(x, w0, c00); c01 = Fma(x, w1, c01);
            x = Vector256.Create(a1[kk]); c10 = Fma(x, w0, c10); c11 = Fma(x, w1, c11);
            x = Vector256.Create(a2[kk]); c20 = Fma(x, w0, c20); c21 = Fma(x, w1, c21);
            x = Vector256.Create(a3[kk]); c30 = Fma(x, w0, c30); c31 = Fma(x, w1, c31);
            x = Vector256.Create(a4[kk]); c40 = Fma(x, w0, c40); c41 = Fma(x, w1, c41);
            x = Vector256.Create(a5[kk]); c50 = Fma(x, w0, c50); c51 = Fma(x, w1, c51);
        }
        var b0 = Vector256.Load(bias); var b1 = Vector256.Load(bias + 8);
        Store(o, c00 + b0, c01 + b1); o += ldo;
        Store(o, c10 + b0, c11 + b1); o += ldo;
        Store(o, c20 + b0, c21 + b1); o += ldo;
        Store(o, c30 + b0, c31 + b1); o += ldo;
        Store(o, c40 + b0, c41 + b1); o += ldo;
        Store(o, c50 + b0, c51 + b1);
    }

    static void Block1(float* a, float* w, int k, float* bias, float* o, bool acc)
    {
        var c0 = acc ? Vector256.Load(o) : Vector256<float>.Zero;
        var c1 = acc ? Vector256.Load(o + 8) : Vector256<float>.Zero;
        for (int kk = 0; kk < k; kk++, w += Nr)
        {
            var x = Vector256.Create(a[kk]);
            c0 = Fma(x, Vector256.Load(w), c0);
            c1 = Fma(x, Vector256.Load(w + 8), c1);
        }
        Store(o, c0 + Vector256.Load(bias), c1 + Vector256.Load(bias + 8));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Store(float* o, Vector256<float> lo, Vector256<float> hi)
    {
        lo.Store(o);
        hi.Store(o + 8);
    }
}
