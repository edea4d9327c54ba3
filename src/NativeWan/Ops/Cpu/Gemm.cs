using System.Numerics.Tensors;

namespace NativeWan.Ops.Cpu;

/// <summary>
/// Float32 row-major matrix products for the CPU reference (the "GEMM" every Linear, attention and convolution uses).
/// Rows are split across cores with Parallel.For when the product is large enough; inner loops are TensorPrimitives
/// (SIMD dot products and fused multiply-adds). Results are deterministic: each output element is always summed in
/// the same order regardless of the thread count.
/// </summary>
public static unsafe class Gemm
{
    /// <summary>Below this many multiply-adds a product runs on the calling thread.</summary>
    const long ParallelThreshold = 1 << 16;

    /// <summary>Column chunk of <see cref="MatMulTransA"/> work items.</summary>
    const int TransAChunk = 512;

    /// <summary>
    /// C[M,N] (+)= A[M,K] · B[N,K]ᵀ — the Linear forward <c>y = x Wᵀ</c> with W stored [out, in] as PyTorch does.
    /// </summary>
    /// <exception cref="ArgumentException">A span is shorter than its matrix.</exception>
    public static void MatMulTransB(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate = false)
    {
        Check(a, (long)m * k, nameof(a)); Check(b, (long)n * k, nameof(b)); Check(c, (long)m * n, nameof(c));
        fixed (float* pa = a) fixed (float* pb = b) fixed (float* pc = c)
        {
            nint A = (nint)pa, B = (nint)pb, C = (nint)pc;
            void Row(int i)
            {
                var ai = new ReadOnlySpan<float>((float*)A + (long)i * k, k);
                float* ci = (float*)C + (long)i * n;
                for (int j = 0; j < n; j++)
                {
                    float d = TensorPrimitives.Dot(ai, new ReadOnlySpan<float>((float*)B + (long)j * k, k));
                    ci[j] = accumulate ? ci[j] + d : d;
                }
            }
            Run(m, (long)m * n * k, Row);
        }
    }

    /// <summary>
    /// C[M,N] (+)= A[M,K] · B[K,N] — e.g. the Linear input gradient <c>dx = dy W</c> (W [out, in], dy [T, out]).
    /// </summary>
    public static void MatMul(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate = false)
    {
        Check(a, (long)m * k, nameof(a)); Check(b, (long)k * n, nameof(b)); Check(c, (long)m * n, nameof(c));
        fixed (float* pa = a) fixed (float* pb = b) fixed (float* pc = c)
        {
            nint A = (nint)pa, B = (nint)pb, C = (nint)pc;
            void Row(int i)
            {
                var ci = new Span<float>((float*)C + (long)i * n, n);
                if (!accumulate) ci.Clear();
                float* ai = (float*)A + (long)i * k;
                for (int p = 0; p < k; p++)
                {
                    float s = ai[p];
                    if (s == 0f) continue;
                    TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>((float*)B + (long)p * n, n), s, ci, ci);
                }
            }
            Run(m, (long)m * n * k, Row);
        }
    }

    /// <summary>
    /// C[M,N] (+)= A[K,M]ᵀ · B[K,N] — e.g. the weight gradient <c>dW = dyᵀ x</c> (dy [T, out], x [T, in], dW [out, in]).
    /// </summary>
    public static void MatMulTransA(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m, int n, int k, bool accumulate = false)
    {
        Check(a, (long)k * m, nameof(a)); Check(b, (long)k * n, nameof(b)); Check(c, (long)m * n, nameof(c));
        // Work items are (row i, column chunk) so that products with few output rows (LoRA rank) still use all cores.
        int chunk = n <= TransAChunk ? n : TransAChunk;
        int chunks = (n + chunk - 1) / chunk;
        fixed (float* pa = a) fixed (float* pb = b) fixed (float* pc = c)
        {
            nint A = (nint)pa, B = (nint)pb, C = (nint)pc;
            void Item(int item)
            {
                int i = item / chunks, c0 = item % chunks * chunk, len = Math.Min(chunk, n - c0);
                var ci = new Span<float>((float*)C + (long)i * n + c0, len);
                if (!accumulate) ci.Clear();
                for (int p = 0; p < k; p++)
                {
                    float s = ((float*)A)[(long)p * m + i];
                    if (s == 0f) continue;
                    TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>((float*)B + (long)p * n + c0, len), s, ci, ci);
                }
            }
            Run(m * chunks, (long)m * n * k, Item);
        }
    }

    static void Run(int rows, long work, Action<int> row)
    {
        if (work < ParallelThreshold || rows == 1) { for (int i = 0; i < rows; i++) row(i); }
        else Parallel.For(0, rows, row);
    }

    static void Check(ReadOnlySpan<float> s, long need, string name)
    {
        if (s.Length < need) throw new ArgumentException($"{name} has {s.Length} elements, {need} needed", name);
    }
}
