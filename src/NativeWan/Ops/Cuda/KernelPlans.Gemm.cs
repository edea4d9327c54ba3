using NativeWan.Numerics;

namespace NativeWan.Ops.Cuda;

public static partial class KernelPlans
{
    /// <summary>Kernel file of the plain tiled GEMM (<see cref="SimpleGemm"/>).</summary>
    public const string GemmFile = "gemm_simple.cu";

    static void GemmSizes(string op, int m, int n, int k)
    {
        Positive(m, nameof(m), op); Positive(n, nameof(n), op); Positive(k, nameof(k), op);
    }

    /// <summary>
    /// <c>nw_gemm_nt_bf16_{bf16|f32}</c> (dtype of c): <c>C[m,n] (= or +=) A[m,k]·B[n,k]ᵀ (+ bias[n])</c>, fp32
    /// accumulation — the Linear forward <c>y = x·Wᵀ + b</c> (CPU Gemm.MatMulTransB plus the bias).
    /// </summary>
    /// <param name="c">Output, bf16 or fp32 [m, n]; also read when <paramref name="accumulate"/>.</param>
    /// <param name="a">bf16 [m, k].</param>
    /// <param name="b">bf16 [n, k] (a Linear weight [out, in]).</param>
    /// <param name="bias">Null, or [n] in c's dtype.</param>
    /// <param name="m">Rows of C.</param>
    /// <param name="n">Columns of C.</param>
    /// <param name="k">Reduction length.</param>
    /// <param name="accumulate">Add to C instead of overwriting it.</param>
    public static KernelCall GemmNT(GpuTensor c, GpuTensor a, GpuTensor b, GpuTensor bias, int m, int n, int k, bool accumulate = false)
    {
        const string op = nameof(GemmNT);
        GemmSizes(op, m, n, k);
        Need(c, (long)m * n, nameof(c), op, DType.BF16, DType.F32);
        Need(a, (long)m * k, nameof(a), op, DType.BF16); Need(b, (long)n * k, nameof(b), op, DType.BF16);
        Optional(bias, n, nameof(bias), op, c.DType);
        var call = new KernelCall(GemmFile, $"nw_gemm_nt_bf16_{Suffix(c.DType)}", LaunchShapes.Gemm(m, n, k, false).Grid, LaunchShapes.GemmBlock);
        call.Ptr(c); call.Ptr(a); call.Ptr(b); call.Ptr(bias); call.I32(m); call.I32(n); call.I32(k); call.I32(accumulate ? 1 : 0);
        return call;
    }

    /// <summary>
    /// <c>nw_gemm_nn_bf16_{bf16|f32}</c>: <c>C[m,n] (= or +=) A[m,k]·B[k,n]</c> — the Linear input gradient
    /// <c>dx = dy·W</c> with A = dy, B = W [out, in] (CPU Gemm.MatMul).
    /// </summary>
    public static KernelCall GemmNN(GpuTensor c, GpuTensor a, GpuTensor b, int m, int n, int k, bool accumulate = false)
    {
        const string op = nameof(GemmNN);
        GemmSizes(op, m, n, k);
        Need(c, (long)m * n, nameof(c), op, DType.BF16, DType.F32);
        Need(a, (long)m * k, nameof(a), op, DType.BF16); Need(b, (long)k * n, nameof(b), op, DType.BF16);
        var call = new KernelCall(GemmFile, $"nw_gemm_nn_bf16_{Suffix(c.DType)}", LaunchShapes.Gemm(m, n, k, false).Grid, LaunchShapes.GemmBlock);
        call.Ptr(c); call.Ptr(a); call.Ptr(b); call.I32(m); call.I32(n); call.I32(k); call.I32(accumulate ? 1 : 0);
        return call;
    }

    /// <summary>
    /// <c>nw_gemm_tn_bf16_{bf16|f32}</c>: <c>C[m,n] (= or +=) A[k,m]ᵀ·B[k,n]</c> — the Linear weight gradient
    /// <c>dW = dyᵀ·x</c> with A = dy [rows, out], B = x [rows, in] (CPU Gemm.MatMulTransA).
    /// </summary>
    public static KernelCall GemmTN(GpuTensor c, GpuTensor a, GpuTensor b, int m, int n, int k, bool accumulate = false)
    {
        const string op = nameof(GemmTN);
        GemmSizes(op, m, n, k);
        Need(c, (long)m * n, nameof(c), op, DType.BF16, DType.F32);
        Need(a, (long)k * m, nameof(a), op, DType.BF16); Need(b, (long)k * n, nameof(b), op, DType.BF16);
        var call = new KernelCall(GemmFile, $"nw_gemm_tn_bf16_{Suffix(c.DType)}", LaunchShapes.Gemm(m, n, k, false).Grid, LaunchShapes.GemmBlock);
        call.Ptr(c); call.Ptr(a); call.Ptr(b); call.I32(m); call.I32(n); call.I32(k); call.I32(accumulate ? 1 : 0);
        return call;
    }
}
