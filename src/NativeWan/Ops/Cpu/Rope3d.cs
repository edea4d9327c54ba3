namespace NativeWan.Ops.Cpu;

/// <summary>
/// Angles of Wan's 3-D rotary position embedding (spec 2.5, golden README section 1 "RoPE") for one token grid.
/// A head of size d has c = d/2 complex pairs; the first <c>c − 2·(c/3)</c> pairs rotate with the frame index,
/// the next c/3 with the row index, the last c/3 with the column index. Frame pair j uses
/// <c>θ = f · 10000^(−2j/d_t)</c> with <c>d_t = d − 4·(d/6)</c>, the spatial pairs <c>θ = pos · 10000^(−2j/d_s)</c>
/// with <c>d_s = 2·(d/6)</c> (integer divisions; d = 128 gives 22/21/21). Angles, cosines and sines are float64
/// like the official code. Immutable; safe to share between threads.
/// </summary>
public sealed class RopeTable
{
    /// <summary>Head size d (even).</summary>
    public int HeadDim { get; }
    /// <summary>Token grid (frames, rows, columns) after patchify.</summary>
    public int GridF { get; }
    /// <inheritdoc cref="GridF"/>
    public int GridH { get; }
    /// <inheritdoc cref="GridF"/>
    public int GridW { get; }
    /// <summary>Pairs per axis (frame, height, width); they sum to HeadDim/2.</summary>
    public int PairsF { get; }
    /// <inheritdoc cref="PairsF"/>
    public int PairsH { get; }
    /// <inheritdoc cref="PairsF"/>
    public int PairsW { get; }
    /// <summary>Number of grid tokens GridF·GridH·GridW (rows beyond this are padding and stay unrotated).</summary>
    public int Tokens => GridF * GridH * GridW;

    internal readonly double[] CosF, SinF, CosH, SinH, CosW, SinW;

    /// <param name="headDim">Head size (even, ≥ 2).</param>
    /// <param name="gridF">Token-grid frames.</param>
    /// <param name="gridH">Token-grid rows.</param>
    /// <param name="gridW">Token-grid columns.</param>
    /// <param name="theta">Frequency base, 10000 in Wan.</param>
    /// <exception cref="ArgumentException">Odd or non-positive head size, or a non-positive grid size.</exception>
    public RopeTable(int headDim, int gridF, int gridH, int gridW, double theta = 10000.0)
    {
        if (headDim <= 0 || headDim % 2 != 0) throw new ArgumentException($"RoPE head size must be positive and even (got {headDim})", nameof(headDim));
        if (gridF <= 0 || gridH <= 0 || gridW <= 0) throw new ArgumentException($"RoPE grid ({gridF}, {gridH}, {gridW}) must be positive");
        HeadDim = headDim; GridF = gridF; GridH = gridH; GridW = gridW;
        int c = headDim / 2;
        PairsH = PairsW = c / 3;
        PairsF = c - 2 * (c / 3);
        int dt = headDim - 4 * (headDim / 6), ds = 2 * (headDim / 6);
        (CosF, SinF) = Axis(gridF, PairsF, dt, theta);
        (CosH, SinH) = Axis(gridH, PairsH, ds, theta);
        (CosW, SinW) = Axis(gridW, PairsW, ds, theta);
    }

    static (double[] cos, double[] sin) Axis(int positions, int pairs, int n, double theta)
    {
        var cos = new double[positions * pairs];
        var sin = new double[positions * pairs];
        for (int j = 0; j < pairs; j++)
        {
            double w = 1.0 / Math.Pow(theta, 2.0 * j / n);
            for (int p = 0; p < positions; p++)
            {
                double a = p * w;
                cos[p * pairs + j] = Math.Cos(a);
                sin[p * pairs + j] = Math.Sin(a);
            }
        }
        return (cos, sin);
    }

    /// <summary>Fills the HeadDim/2 cosines and sines of grid token <paramref name="token"/>.</summary>
    internal void Fill(int token, Span<double> cos, Span<double> sin)
    {
        int hw = GridH * GridW;
        int f = token / hw, h = token / GridW % GridH, w = token % GridW;
        CosF.AsSpan(f * PairsF, PairsF).CopyTo(cos); SinF.AsSpan(f * PairsF, PairsF).CopyTo(sin);
        CosH.AsSpan(h * PairsH, PairsH).CopyTo(cos[PairsF..]); SinH.AsSpan(h * PairsH, PairsH).CopyTo(sin[PairsF..]);
        CosW.AsSpan(w * PairsW, PairsW).CopyTo(cos[(PairsF + PairsH)..]); SinW.AsSpan(w * PairsW, PairsW).CopyTo(sin[(PairsF + PairsH)..]);
    }
}

public static unsafe partial class CpuOps
{
    /// <summary>
    /// 3-D RoPE on adjacent pairs (spec 2.5): per head, <c>(v[2i] + i·v[2i+1]) · e^{iθ_i}</c>, computed in float64 and
    /// rounded to float32. Rows at or beyond <see cref="RopeTable.Tokens"/> (sequence padding) are copied unchanged.
    /// </summary>
    /// <param name="output">[rows, heads·HeadDim]; may alias <paramref name="input"/>.</param>
    /// <param name="input">[rows, heads·HeadDim] (q or k after RMSNorm).</param>
    /// <param name="table">Angles for the token grid.</param>
    /// <param name="rows">Total rows (grid tokens + padding); must be ≥ table.Tokens.</param>
    /// <param name="heads">Number of heads.</param>
    /// <exception cref="ArgumentException">rows below the grid size or spans too short.</exception>
    public static void Rope3dForward(Span<float> output, ReadOnlySpan<float> input, RopeTable table, int rows, int heads) =>
        Rope(output, input, table, rows, heads, 1.0);

    /// <summary>
    /// Backward of <see cref="Rope3dForward"/>: each pair is rotated by −θ (a rotation's transpose is its inverse).
    /// Padding rows pass the gradient unchanged.
    /// </summary>
    /// <param name="dinput">[rows, heads·HeadDim]; may alias <paramref name="dout"/>.</param>
    /// <param name="dout">Gradient of the output, same shape as the output.</param>
    /// <param name="table">The forward's RoPE angles.</param>
    /// <param name="rows">Number of rows (tokens).</param>
    /// <param name="heads">Number of heads.</param>
    public static void Rope3dBackward(Span<float> dinput, ReadOnlySpan<float> dout, RopeTable table, int rows, int heads) =>
        Rope(dinput, dout, table, rows, heads, -1.0);

    static void Rope(Span<float> output, ReadOnlySpan<float> input, RopeTable table, int rows, int heads, double sign)
    {
        ArgumentNullException.ThrowIfNull(table);
        Positive(rows, nameof(rows)); Positive(heads, nameof(heads));
        if (rows < table.Tokens) throw new ArgumentException($"rows ({rows}) is below the RoPE grid's {table.Tokens} tokens", nameof(rows));
        int d = table.HeadDim, c = d / 2, width = heads * d;
        long n = (long)rows * width;
        Need(output.Length, n, nameof(output)); Need(input.Length, n, nameof(input));
        int L = table.Tokens;
        fixed (float* po = output, pi = input)
        {
            nint O = (nint)po, I = (nint)pi;
            CpuParallel.For(rows, 6L * width, r =>
            {
                float* x = (float*)I + (long)r * width;
                float* o = (float*)O + (long)r * width;
                if (r >= L)
                {
                    if (x != o) new ReadOnlySpan<float>(x, width).CopyTo(new Span<float>(o, width));
                    return;
                }
                var buf = CpuScratch.D(2 * c);
                var cos = buf.AsSpan(0, c); var sin = buf.AsSpan(c, c);
                table.Fill(r, cos, sin);
                for (int h = 0; h < heads; h++)
                {
                    float* xh = x + h * d, oh = o + h * d;
                    for (int i = 0; i < c; i++)
                    {
                        double a = xh[2 * i], b = xh[2 * i + 1], cs = cos[i], sn = sign * sin[i];
                        oh[2 * i] = (float)(a * cs - b * sn);
                        oh[2 * i + 1] = (float)(a * sn + b * cs);
                    }
                }
            });
        }
    }
}
