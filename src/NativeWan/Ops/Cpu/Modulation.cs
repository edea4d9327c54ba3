using System.Numerics.Tensors;

namespace NativeWan.Ops.Cpu;

public static unsafe partial class CpuOps
{
    /// <summary>
    /// adaLN modulation (spec 2.6 step 1/5, 2.7): <c>out = x · (1 + scale) + shift</c>.
    /// </summary>
    /// <param name="output">[rows, dim]; may alias <paramref name="input"/>.</param>
    /// <param name="input">[rows, dim], normally a LayerNorm output.</param>
    /// <param name="shift">[dim] broadcast over rows, or [rows, dim] per row (per-token timesteps).</param>
    /// <param name="scale">[dim] or [rows, dim], same rule.</param>
    /// <exception cref="ArgumentException">A span of the wrong length.</exception>
    /// <param name="rows">Number of rows (tokens).</param>
    /// <param name="dim">Row width (features).</param>
    public static void ModulateForward(Span<float> output, ReadOnlySpan<float> input, ReadOnlySpan<float> shift,
        ReadOnlySpan<float> scale, int rows, int dim)
    {
        Positive(rows, nameof(rows)); Positive(dim, nameof(dim));
        long n = (long)rows * dim;
        Need(output.Length, n, nameof(output)); Need(input.Length, n, nameof(input));
        int sh = RowStride(shift.Length, rows, dim, nameof(shift)), sc = RowStride(scale.Length, rows, dim, nameof(scale));
        fixed (float* po = output, pi = input, psh = shift, psc = scale)
        {
            nint O = (nint)po, I = (nint)pi, SH = (nint)psh, SC = (nint)psc;
            CpuParallel.For(rows, 2L * dim, r =>
            {
                var x = new ReadOnlySpan<float>((float*)I + (long)r * dim, dim);
                var o = new Span<float>((float*)O + (long)r * dim, dim);
                var s = new ReadOnlySpan<float>((float*)SC + (long)r * sc, dim);
                var b = new ReadOnlySpan<float>((float*)SH + (long)r * sh, dim);
                // same evaluation order as the official code: (1 + s) first, then x·(1+s) + b
                var t = new Span<float>(CpuScratch.A(dim), 0, dim);
                TensorPrimitives.Add(s, 1f, t);
                TensorPrimitives.MultiplyAdd(x, t, b, o);
            });
        }
    }

    /// <summary>Backward of <see cref="ModulateForward"/> w.r.t. its input: <c>dinp = dout · (1 + scale)</c>
    /// (shift and scale are frozen here: they come from the timestep path, spec section 10).</summary>
    /// <param name="dinput">[rows, dim]; may alias <paramref name="dout"/>.</param>
    /// <param name="dout">Gradient of the output, same shape as the output.</param>
    /// <param name="scale">As in the forward.</param>
    /// <param name="rows">Number of rows (tokens).</param>
    /// <param name="dim">Row width (features).</param>
    public static void ModulateBackward(Span<float> dinput, ReadOnlySpan<float> dout, ReadOnlySpan<float> scale, int rows, int dim)
    {
        Positive(rows, nameof(rows)); Positive(dim, nameof(dim));
        long n = (long)rows * dim;
        Need(dinput.Length, n, nameof(dinput)); Need(dout.Length, n, nameof(dout));
        int sc = RowStride(scale.Length, rows, dim, nameof(scale));
        fixed (float* pd = dinput, pdo = dout, psc = scale)
        {
            nint D = (nint)pd, DO = (nint)pdo, SC = (nint)psc;
            CpuParallel.For(rows, 2L * dim, r =>
            {
                var t = new Span<float>(CpuScratch.A(dim), 0, dim);
                TensorPrimitives.Add(new ReadOnlySpan<float>((float*)SC + (long)r * sc, dim), 1f, t);
                TensorPrimitives.Multiply(new ReadOnlySpan<float>((float*)DO + (long)r * dim, dim), t,
                    new Span<float>((float*)D + (long)r * dim, dim));
            });
        }
    }
}
