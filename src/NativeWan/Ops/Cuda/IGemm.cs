using NativeWan.Numerics;

namespace NativeWan.Ops.Cuda;

/// <summary>
/// The base (frozen-weight) matrix products of every Linear layer on the device: bf16 × bf16 operands, fp32
/// accumulation, bf16 or fp32 output (the output tensor's dtype), all row-major and contiguous, enqueued on the
/// stream of the backend that owns the tensors. Every method takes the shape (m, n, k) of the forward product
/// <c>C[m,n] = A[m,k]·B[n,k]ᵀ</c>: for a Linear, m = rows (tokens), n = out_features, k = in_features, A = x, B = W.
/// Implementations: <see cref="SimpleGemm"/> (kernels/gemm_simple.cu, runs anywhere the kernels run, including the
/// host emulator of the tests) and <see cref="CublasLtBaseGemm"/> (cuBLASLt).
/// </summary>
/// <remarks>
/// All methods throw <see cref="ArgumentException"/> naming the method and operand when a size is not positive, an
/// operand is null, not bf16, or shorter than the product needs, the output is neither bf16 nor fp32, or the bias is
/// not in the output's dtype. Outputs must not alias inputs.
/// </remarks>
public interface IGemm
{
    /// <summary>One line for reports ("tiled CUDA GEMM (kernels/gemm_simple.cu)", "cuBLASLt").</summary>
    string Name { get; }

    /// <summary>Forward: <c>C[m,n] (= or +=) A[m,k]·B[n,k]ᵀ (+ bias[n])</c> — the Linear <c>y = x·Wᵀ + b</c>.</summary>
    /// <param name="c">Output [m, n], bf16 or fp32.</param>
    /// <param name="a">bf16 [m, k] (x).</param>
    /// <param name="b">bf16 [n, k] (W stored [out, in]).</param>
    /// <param name="bias">Null, or [n] in c's dtype.</param>
    /// <param name="m">Rows.</param>
    /// <param name="n">Output features.</param>
    /// <param name="k">Input features.</param>
    /// <param name="accumulate">Add to c (β = 1) instead of overwriting it.</param>
    void Forward(GpuTensor c, GpuTensor a, GpuTensor b, GpuTensor bias, int m, int n, int k, bool accumulate = false);

    /// <summary>Gradient of A: <c>dA[m,k] (= or +=) dC[m,n]·B[n,k]</c> — the Linear input gradient <c>dx = dy·W</c>.</summary>
    /// <param name="da">Output [m, k], bf16 or fp32.</param>
    /// <param name="dc">bf16 [m, n] (dy).</param>
    /// <param name="b">bf16 [n, k] (W).</param>
    /// <param name="m">Rows of the forward product.</param>
    /// <param name="n">Columns of the forward product.</param>
    /// <param name="k">Reduction length of the forward product.</param>
    /// <param name="accumulate">Add to da instead of overwriting it.</param>
    void BackwardA(GpuTensor da, GpuTensor dc, GpuTensor b, int m, int n, int k, bool accumulate = false);

    /// <summary>Gradient of B: <c>dB[n,k] (= or +=) dC[m,n]ᵀ·A[m,k]</c> — the Linear weight gradient <c>dW = dyᵀ·x</c>.</summary>
    /// <param name="db">Output [n, k], bf16 or fp32.</param>
    /// <param name="dc">bf16 [m, n] (dy).</param>
    /// <param name="a">bf16 [m, k] (x).</param>
    /// <param name="m">Rows of the forward product.</param>
    /// <param name="n">Columns of the forward product.</param>
    /// <param name="k">Reduction length of the forward product.</param>
    /// <param name="accumulate">Add to db instead of overwriting it.</param>
    void BackwardB(GpuTensor db, GpuTensor dc, GpuTensor a, int m, int n, int k, bool accumulate = false);
}

/// <summary>Argument checks shared by the <see cref="IGemm"/> implementations (identical messages for both).</summary>
internal static class GemmChecks
{
    public static void Sizes(string op, int m, int n, int k)
    {
        if (m <= 0 || n <= 0 || k <= 0) throw new ArgumentException($"{op}: sizes must be positive (got m={m}, n={n}, k={k})");
    }

    public static void Output(string op, string name, GpuTensor t, long elements)
    {
        if (t.IsNull) throw new ArgumentException($"{op}: {name} is required (got a null tensor)", name);
        if (t.DType is not (DType.BF16 or DType.F32)) throw new ArgumentException($"{op}: {name} is {t.DType}; expected BF16 or F32", name);
        if (t.Length < elements) throw new ArgumentException($"{op}: {name} has {t.Length} elements, {elements} needed", name);
    }

    public static void Operand(string op, string name, GpuTensor t, long elements)
    {
        if (t.IsNull || t.DType != DType.BF16 || t.Length < elements)
            throw new ArgumentException($"{op}: {name} must be BF16 with at least {elements} elements (got {t})", name);
    }

    public static void Bias(string op, GpuTensor bias, GpuTensor c, int n)
    {
        if (!bias.IsNull && (bias.DType != c.DType || bias.Length < n))
            throw new ArgumentException($"{op}: bias must be {c.DType} (the output's dtype) with {n} elements (got {bias})", nameof(bias));
    }

    public static void Forward(GpuTensor c, GpuTensor a, GpuTensor b, GpuTensor bias, int m, int n, int k)
    {
        const string op = nameof(IGemm.Forward);
        Sizes(op, m, n, k);
        Output(op, nameof(c), c, (long)m * n);
        Operand(op, nameof(a), a, (long)m * k); Operand(op, nameof(b), b, (long)n * k);
        Bias(op, bias, c, n);
    }

    public static void BackwardA(GpuTensor da, GpuTensor dc, GpuTensor b, int m, int n, int k)
    {
        const string op = nameof(IGemm.BackwardA);
        Sizes(op, m, n, k);
        Output(op, nameof(da), da, (long)m * k);
        Operand(op, nameof(dc), dc, (long)m * n); Operand(op, nameof(b), b, (long)n * k);
    }

    public static void BackwardB(GpuTensor db, GpuTensor dc, GpuTensor a, int m, int n, int k)
    {
        const string op = nameof(IGemm.BackwardB);
        Sizes(op, m, n, k);
        Output(op, nameof(db), db, (long)n * k);
        Operand(op, nameof(dc), dc, (long)m * n); Operand(op, nameof(a), a, (long)m * k);
    }
}
