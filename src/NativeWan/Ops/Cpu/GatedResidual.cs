using System.Numerics.Tensors;

namespace NativeWan.Ops.Cpu;

public static unsafe partial class CpuOps
{
    /// <summary>
    /// Gated residual add (spec 2.6 steps 3 and 5): <c>x ← x + y · gate</c>, in place on the residual stream.
    /// </summary>
    /// <param name="x">[rows, dim] residual stream, updated in place.</param>
    /// <param name="y">[rows, dim] branch output.</param>
    /// <param name="gate">[dim] broadcast over rows, [rows, dim] per row, or empty for gate = 1 (cross-attention).</param>
    /// <param name="rows">Number of rows (tokens).</param>
    /// <param name="dim">Row width (features).</param>
    public static void GatedResidualForward(Span<float> x, ReadOnlySpan<float> y, ReadOnlySpan<float> gate, int rows, int dim)
    {
        Positive(rows, nameof(rows)); Positive(dim, nameof(dim));
        long n = (long)rows * dim;
        Need(x.Length, n, nameof(x)); Need(y.Length, n, nameof(y));
        bool hasGate = !gate.IsEmpty;
        int gs = hasGate ? RowStride(gate.Length, rows, dim, nameof(gate)) : 0;
        fixed (float* px = x, py = y, pg = gate)
        {
            nint X = (nint)px, Y = (nint)py, G = (nint)pg;
            CpuParallel.For(rows, dim, r =>
            {
                var xr = new Span<float>((float*)X + (long)r * dim, dim);
                var yr = new ReadOnlySpan<float>((float*)Y + (long)r * dim, dim);
                if (hasGate) TensorPrimitives.MultiplyAdd(yr, new ReadOnlySpan<float>((float*)G + (long)r * gs, dim), xr, xr);
                else TensorPrimitives.Add(xr, yr, xr);
            });
        }
    }

    /// <summary>
    /// Backward of <see cref="GatedResidualForward"/> for the branch: <c>dy = dx · gate</c> (the residual gradient
    /// passes through unchanged, so dx itself needs no update; the gate is frozen).
    /// </summary>
    /// <param name="dy">[rows, dim] gradient of the branch output; may alias <paramref name="dx"/>.</param>
    /// <param name="dx">[rows, dim] gradient of the updated residual stream.</param>
    /// <param name="gate">As in the forward (empty = 1).</param>
    /// <param name="rows">Number of rows (tokens).</param>
    /// <param name="dim">Row width (features).</param>
    public static void GatedResidualBackward(Span<float> dy, ReadOnlySpan<float> dx, ReadOnlySpan<float> gate, int rows, int dim)
    {
        Positive(rows, nameof(rows)); Positive(dim, nameof(dim));
        long n = (long)rows * dim;
        Need(dy.Length, n, nameof(dy)); Need(dx.Length, n, nameof(dx));
        if (gate.IsEmpty) { dx[..(int)n].CopyTo(dy); return; }
        int gs = RowStride(gate.Length, rows, dim, nameof(gate));
        fixed (float* pdy = dy, pdx = dx, pg = gate)
        {
            nint DY = (nint)pdy, DX = (nint)pdx, G = (nint)pg;
            CpuParallel.For(rows, dim, r =>
                TensorPrimitives.Multiply(new ReadOnlySpan<float>((float*)DX + (long)r * dim, dim),
                    new ReadOnlySpan<float>((float*)G + (long)r * gs, dim), new Span<float>((float*)DY + (long)r * dim, dim)));
        }
    }
}
