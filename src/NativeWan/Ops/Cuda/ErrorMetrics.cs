using NativeWan.Numerics;

namespace NativeWan.Ops.Cuda;

/// <summary>How far a GPU result is from its CPU reference.</summary>
/// <param name="Nmse">Normalized mean squared error Σ(gpu − cpu)² / Σ cpu² (ggml test-backend-ops' measure): 0 when
/// both are identical, +∞ when the reference is all zeros but the result is not, or when the result has a NaN or
/// infinity where the reference is finite.</param>
/// <param name="MaxAbsError">max |gpu − cpu| over the finite pairs.</param>
/// <param name="Count">Elements compared.</param>
/// <param name="NonFinite">Elements where the GPU value is NaN/±∞ but the reference is finite.</param>
public readonly record struct ErrorStats(double Nmse, double MaxAbsError, long Count, long NonFinite);

/// <summary>NMSE comparison of a GPU output with its CPU reference (float64 sums).</summary>
public static class ErrorMetrics
{
    /// <summary>Compares <paramref name="actual"/> (GPU) with <paramref name="reference"/> (CPU) element by element.</summary>
    /// <exception cref="ArgumentException">Different lengths.</exception>
    public static ErrorStats Compare(ReadOnlySpan<float> actual, ReadOnlySpan<float> reference)
    {
        if (actual.Length != reference.Length)
            throw new ArgumentException($"cannot compare {actual.Length} GPU values with {reference.Length} CPU values", nameof(actual));
        double err = 0, norm = 0, maxAbs = 0;
        long bad = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double a = actual[i], r = reference[i];
            if (!double.IsFinite(r)) continue;
            if (!double.IsFinite(a)) { bad++; continue; }
            double d = a - r;
            err += d * d;
            norm += r * r;
            maxAbs = Math.Max(maxAbs, Math.Abs(d));
        }
        double nmse = bad > 0 ? double.PositiveInfinity : err == 0 ? 0 : norm == 0 ? double.PositiveInfinity : err / norm;
        return new ErrorStats(nmse, maxAbs, actual.Length, bad);
    }

    /// <summary>
    /// max over i of |actual[i] − reference[i]| / |reference[i]| (float64): 0 for identical sequences, +∞ when a value is
    /// NaN/±∞ where the reference is finite or when a reference value is 0 and the actual one is not; non-finite
    /// reference values are skipped. Used for scalar results (a loss) and loss curves.
    /// </summary>
    /// <exception cref="ArgumentException">Different lengths.</exception>
    public static double MaxRelativeError(ReadOnlySpan<double> actual, ReadOnlySpan<double> reference)
    {
        if (actual.Length != reference.Length)
            throw new ArgumentException($"cannot compare {actual.Length} values with {reference.Length} reference values", nameof(actual));
        double worst = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            double a = actual[i], r = reference[i];
            if (!double.IsFinite(r)) continue;
            if (!double.IsFinite(a)) return double.PositiveInfinity;
            double d = Math.Abs(a - r);
            if (d == 0) continue;
            worst = Math.Max(worst, r == 0 ? double.PositiveInfinity : d / Math.Abs(r));
        }
        return worst;
    }
}

/// <summary>
/// Pass thresholds on the NMSE of a GPU output, by the output's storage type (llm.c keeps per-tensor thresholds for the
/// same reason: bf16 storage alone costs a fixed error).
/// </summary>
/// <remarks>
/// bf16: rounding a value to 8 significant bits leaves a relative error uniform within ±half an ulp; over uniformly
/// spread mantissas that is an NMSE of about 2⁻¹⁴/28 ≈ 2.2·10⁻⁶. The kernels compute in fp32 and round once, so their
/// expected NMSE is that; 1·10⁻⁵ leaves ×4.5 headroom, while a wrong index, sign or formula gives 10⁻³ or more.
/// fp32: GPU and CPU differ only in summation order and in last-ulp differences of exp/log/tanh (NMSE ≲ 10⁻¹²);
/// 1·10⁻⁹. Exact: outputs whose kernel contract is bit-identity with the CPU (AdamW, the flow-matching noise and
/// gradient, fp32 permutations) must have NMSE 0.
/// </remarks>
public static class NmseThresholds
{
    /// <summary>Threshold for bf16 outputs.</summary>
    public const double BFloat16 = 1e-5;
    /// <summary>Threshold for fp32 and fp64 outputs.</summary>
    public const double Float32 = 1e-9;
    /// <summary>Threshold for outputs that must be bit-identical.</summary>
    public const double Exact = 0;

    /// <summary>The threshold for an output stored as <paramref name="dtype"/>.</summary>
    /// <exception cref="ArgumentException">A dtype no kernel outputs.</exception>
    public static double For(DType dtype) => dtype switch
    {
        DType.BF16 => BFloat16,
        DType.F32 or DType.F64 => Float32,
        _ => throw new ArgumentException($"no NMSE threshold for {dtype} outputs", nameof(dtype)),
    };

    /// <summary>True when <paramref name="nmse"/> is within <paramref name="threshold"/> (NaN never passes).</summary>
    public static bool Passes(double nmse, double threshold) => nmse <= threshold;
}
