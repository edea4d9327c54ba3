using System.Numerics.Tensors;

namespace NativeWan.Ops.Cpu;

public static unsafe partial class CpuOps
{
    /// <summary>
    /// RMSNorm over the last axis (spec 2.6, Wan q/k norms over the full model dim before the head split):
    /// <c>out = x · rstd · weight</c>, <c>rstd = 1/√(mean(x²) + eps)</c>.
    /// </summary>
    /// <param name="output">[rows, dim]; may alias <paramref name="input"/>.</param>
    /// <param name="rstd">[rows] saved for the backward.</param>
    /// <param name="input">[rows, dim].</param>
    /// <param name="weight">[dim].</param>
    /// <exception cref="ArgumentException">Sizes not positive or a span too short.</exception>
    /// <param name="rows">Number of rows (tokens).</param>
    /// <param name="dim">Row width (features).</param>
    /// <param name="eps">Epsilon added to the mean square / variance (1e-6 in Wan).</param>
    public static void RmsNormForward(Span<float> output, Span<float> rstd, ReadOnlySpan<float> input, ReadOnlySpan<float> weight,
        int rows, int dim, float eps)
    {
        Positive(rows, nameof(rows)); Positive(dim, nameof(dim));
        long n = (long)rows * dim;
        Need(output.Length, n, nameof(output)); Need(input.Length, n, nameof(input));
        Need(rstd.Length, rows, nameof(rstd)); Need(weight.Length, dim, nameof(weight));
        fixed (float* po = output, ps = rstd, pi = input, pw = weight)
        {
            nint O = (nint)po, S = (nint)ps, I = (nint)pi, W = (nint)pw;
            CpuParallel.For(rows, 3L * dim, r =>
            {
                var x = new ReadOnlySpan<float>((float*)I + (long)r * dim, dim);
                var o = new Span<float>((float*)O + (long)r * dim, dim);
                float rs = 1f / MathF.Sqrt(TensorPrimitives.SumOfSquares(x) / dim + eps);
                TensorPrimitives.Multiply(x, rs, o);
                TensorPrimitives.Multiply(o, new ReadOnlySpan<float>((float*)W, dim), o);
                ((float*)S)[r] = rs;
            });
        }
    }

    /// <summary>
    /// Backward of <see cref="RmsNormForward"/> w.r.t. the input (spec section 10): with g = dout·weight and
    /// x̂ = x·rstd, <c>dx = rstd · (g − x̂ · mean(g · x̂))</c>. Optionally <c>dweight += Σ_rows dout·x̂</c>.
    /// </summary>
    /// <param name="dinput">[rows, dim]; overwritten or added to (<paramref name="accumulate"/>); must not alias dout.</param>
    /// <param name="dweight">[dim] accumulated weight gradient, or empty to skip (frozen).</param>
    /// <param name="dout">Gradient of the output, same shape as the output.</param>
    /// <param name="input">The forward input.</param>
    /// <param name="weight">The forward weight.</param>
    /// <param name="rstd">The forward's saved rstd.</param>
    /// <param name="rows">Number of rows (tokens).</param>
    /// <param name="dim">Row width (features).</param>
    /// <param name="accumulate">Add into the input gradient instead of overwriting it.</param>
    public static void RmsNormBackward(Span<float> dinput, Span<float> dweight, ReadOnlySpan<float> dout, ReadOnlySpan<float> input,
        ReadOnlySpan<float> weight, ReadOnlySpan<float> rstd, int rows, int dim, bool accumulate = false)
    {
        Positive(rows, nameof(rows)); Positive(dim, nameof(dim));
        long n = (long)rows * dim;
        Need(dinput.Length, n, nameof(dinput)); Need(dout.Length, n, nameof(dout)); Need(input.Length, n, nameof(input));
        Need(rstd.Length, rows, nameof(rstd)); Need(weight.Length, dim, nameof(weight));
        if (!dweight.IsEmpty) Need(dweight.Length, dim, nameof(dweight));
        fixed (float* pdi = dinput, pdo = dout, pi = input, pw = weight, ps = rstd)
        {
            nint DI = (nint)pdi, DO = (nint)pdo, I = (nint)pi, W = (nint)pw, S = (nint)ps;
            CpuParallel.For(rows, 6L * dim, r =>
            {
                var x = new ReadOnlySpan<float>((float*)I + (long)r * dim, dim);
                var dx = new Span<float>((float*)DI + (long)r * dim, dim);
                var xhat = new Span<float>(CpuScratch.A(dim), 0, dim);
                var g = new Span<float>(CpuScratch.B(dim), 0, dim);
                float rs = ((float*)S)[r];
                TensorPrimitives.Multiply(x, rs, xhat);
                TensorPrimitives.Multiply(new ReadOnlySpan<float>((float*)DO + (long)r * dim, dim), new ReadOnlySpan<float>((float*)W, dim), g);
                float m = TensorPrimitives.Dot<float>(g, xhat) / dim;
                TensorPrimitives.MultiplyAdd<float>(xhat, -m, g, g);
                if (accumulate) TensorPrimitives.MultiplyAdd<float>(g, rs, dx, dx);
                else TensorPrimitives.Multiply<float>(g, rs, dx);
            });
        }
        if (dweight.IsEmpty) return;
        var xh = new float[dim];
        for (int r = 0; r < rows; r++)
        {
            TensorPrimitives.Multiply(input.Slice(r * dim, dim), rstd[r], xh);
            TensorPrimitives.MultiplyAdd<float>(xh, dout.Slice(r * dim, dim), dweight[..dim], dweight[..dim]);
        }
    }
}
