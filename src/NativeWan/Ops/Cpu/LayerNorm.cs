using System.Numerics.Tensors;

namespace NativeWan.Ops.Cpu;

public static unsafe partial class CpuOps
{
    /// <summary>
    /// LayerNorm over the last axis (spec 2.6, PyTorch <c>F.layer_norm</c>):
    /// <c>out = (x − μ)/√(σ² + eps) · weight + bias</c>, μ and biased σ² over <paramref name="dim"/>.
    /// </summary>
    /// <param name="output">[rows, dim]; may alias <paramref name="input"/>.</param>
    /// <param name="mean">[rows] saved μ for the backward.</param>
    /// <param name="rstd">[rows] saved 1/√(σ² + eps).</param>
    /// <param name="input">[rows, dim].</param>
    /// <param name="weight">[dim] γ, or empty for no affine (Wan norm1/norm2/head.norm).</param>
    /// <param name="bias">[dim] β, or empty (then no bias even with a weight).</param>
    /// <exception cref="ArgumentException">Sizes not positive or a span too short.</exception>
    /// <param name="rows">Number of rows (tokens).</param>
    /// <param name="dim">Row width (features).</param>
    /// <param name="eps">Epsilon added to the mean square / variance (1e-6 in Wan).</param>
    public static void LayerNormForward(Span<float> output, Span<float> mean, Span<float> rstd, ReadOnlySpan<float> input,
        ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, int rows, int dim, float eps)
    {
        Positive(rows, nameof(rows)); Positive(dim, nameof(dim));
        long n = (long)rows * dim;
        Need(output.Length, n, nameof(output)); Need(input.Length, n, nameof(input));
        Need(mean.Length, rows, nameof(mean)); Need(rstd.Length, rows, nameof(rstd));
        if (!weight.IsEmpty) Need(weight.Length, dim, nameof(weight));
        if (!bias.IsEmpty) Need(bias.Length, dim, nameof(bias));
        bool hasW = !weight.IsEmpty, hasB = !bias.IsEmpty;
        fixed (float* po = output, pm = mean, ps = rstd, pi = input, pw = weight, pb = bias)
        {
            nint O = (nint)po, M = (nint)pm, S = (nint)ps, I = (nint)pi, W = (nint)pw, B = (nint)pb;
            CpuParallel.For(rows, 4L * dim, r =>
            {
                var x = new ReadOnlySpan<float>((float*)I + (long)r * dim, dim);
                var o = new Span<float>((float*)O + (long)r * dim, dim);
                float mu = TensorPrimitives.Sum(x) / dim;
                TensorPrimitives.Subtract(x, mu, o);
                float var = TensorPrimitives.SumOfSquares<float>(o) / dim;
                float rs = 1f / MathF.Sqrt(var + eps);
                TensorPrimitives.Multiply<float>(o, rs, o);
                if (hasW) TensorPrimitives.Multiply<float>(o, new ReadOnlySpan<float>((float*)W, dim), o);
                if (hasB) TensorPrimitives.Add<float>(o, new ReadOnlySpan<float>((float*)B, dim), o);
                ((float*)M)[r] = mu; ((float*)S)[r] = rs;
            });
        }
    }

    /// <summary>
    /// Backward of <see cref="LayerNormForward"/> (spec section 10): with x̂ = (x − μ)·rstd and g = dout·γ,
    /// <c>dx = rstd · (g − mean(g) − x̂ · mean(g · x̂))</c>; <c>dγ = Σ_rows dout·x̂</c>, <c>dβ = Σ_rows dout</c>.
    /// </summary>
    /// <param name="dinput">[rows, dim] gradient for the input; overwritten, or added to when <paramref name="accumulate"/>.
    /// Must not alias <paramref name="dout"/>.</param>
    /// <param name="dweight">[dim] accumulated γ gradient, or empty to skip (frozen weights).</param>
    /// <param name="dbias">[dim] accumulated β gradient, or empty to skip.</param>
    /// <param name="weight">The forward's γ, or empty when it had none.</param>
    /// <param name="mean">Saved μ from the forward.</param>
    /// <param name="rstd">Saved rstd from the forward.</param>
    /// <param name="dout">Gradient of the output, same shape as the output.</param>
    /// <param name="input">The forward input.</param>
    /// <param name="rows">Number of rows (tokens).</param>
    /// <param name="dim">Row width (features).</param>
    /// <param name="accumulate">Add into the input gradient instead of overwriting it.</param>
    public static void LayerNormBackward(Span<float> dinput, Span<float> dweight, Span<float> dbias, ReadOnlySpan<float> dout,
        ReadOnlySpan<float> input, ReadOnlySpan<float> weight, ReadOnlySpan<float> mean, ReadOnlySpan<float> rstd,
        int rows, int dim, bool accumulate = false)
    {
        Positive(rows, nameof(rows)); Positive(dim, nameof(dim));
        long n = (long)rows * dim;
        Need(dinput.Length, n, nameof(dinput)); Need(dout.Length, n, nameof(dout)); Need(input.Length, n, nameof(input));
        Need(mean.Length, rows, nameof(mean)); Need(rstd.Length, rows, nameof(rstd));
        if (!weight.IsEmpty) Need(weight.Length, dim, nameof(weight));
        if (!dweight.IsEmpty) Need(dweight.Length, dim, nameof(dweight));
        if (!dbias.IsEmpty) Need(dbias.Length, dim, nameof(dbias));
        bool hasW = !weight.IsEmpty;
        fixed (float* pdi = dinput, pdo = dout, pi = input, pw = weight, pm = mean, ps = rstd)
        {
            nint DI = (nint)pdi, DO = (nint)pdo, I = (nint)pi, W = (nint)pw, M = (nint)pm, S = (nint)ps;
            CpuParallel.For(rows, 8L * dim, r =>
            {
                var x = new ReadOnlySpan<float>((float*)I + (long)r * dim, dim);
                var dy = new ReadOnlySpan<float>((float*)DO + (long)r * dim, dim);
                var dx = new Span<float>((float*)DI + (long)r * dim, dim);
                var xhat = new Span<float>(CpuScratch.A(dim), 0, dim);
                var g = new Span<float>(CpuScratch.B(dim), 0, dim);
                float mu = ((float*)M)[r], rs = ((float*)S)[r];
                TensorPrimitives.Subtract(x, mu, xhat);
                TensorPrimitives.Multiply<float>(xhat, rs, xhat);
                if (hasW) TensorPrimitives.Multiply(dy, new ReadOnlySpan<float>((float*)W, dim), g); else dy.CopyTo(g);
                float meanG = TensorPrimitives.Sum<float>(g) / dim;
                float meanGX = TensorPrimitives.Dot<float>(g, xhat) / dim;
                // g ← (g − meanG − x̂·meanGX)·rs
                TensorPrimitives.Subtract<float>(g, meanG, g);
                TensorPrimitives.MultiplyAdd<float>(xhat, -meanGX, g, g);
                if (accumulate) TensorPrimitives.MultiplyAdd<float>(g, rs, dx, dx);
                else TensorPrimitives.Multiply<float>(g, rs, dx);
            });
        }
        if (dweight.IsEmpty && dbias.IsEmpty) return;
        var xh = new float[dim];
        for (int r = 0; r < rows; r++)
        {
            var dy = dout.Slice(r * dim, dim);
            if (!dbias.IsEmpty) TensorPrimitives.Add(dbias[..dim], dy, dbias[..dim]);
            if (!dweight.IsEmpty)
            {
                TensorPrimitives.Subtract(input.Slice(r * dim, dim), mean[r], xh);
                TensorPrimitives.Multiply<float>(xh, rstd[r], xh);
                TensorPrimitives.MultiplyAdd<float>(xh, dy, dweight[..dim], dweight[..dim]);
            }
        }
    }
}
