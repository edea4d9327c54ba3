using NativeWan.Ops.Cpu;
using Xunit.Abstractions;
using static NativeWan.Ops.Cpu.CpuOps;
using static NativeWan.Tests.Ops.FiniteDifference;

namespace NativeWan.Tests.Ops;

/// <summary>
/// Every operator's forward against an independent float64 reference (RefOps) and its backward against central
/// finite differences of that reference, loss = Σ dout ⊙ op(inputs) with random dout. Sizes are small and odd so
/// partial vector widths and (for attention) partial tiles are exercised.
/// </summary>
public sealed class CpuOpsGradientTests(ITestOutputHelper output)
{
    const float Eps = 1e-6f;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LayerNorm_ForwardAndBackward(bool affine)
    {
        var rng = new Random(1);
        int rows = 5, dim = 37;
        var x = Randn(rng, rows * dim, 2, 0.5);
        var w = affine ? Randn(rng, dim, 0.2, 1) : null;
        var b = affine ? Randn(rng, dim, 0.1) : null;
        var dout = Randn(rng, rows * dim);
        var y = new float[rows * dim]; var mean = new float[rows]; var rstd = new float[rows];
        LayerNormForward(y, mean, rstd, x, w, b, rows, dim, Eps);
        Close("layernorm", y, RefOps.LayerNorm(D(x), w == null ? null : D(w), b == null ? null : D(b), rows, dim, Eps), 1e-5);

        var dx = new float[rows * dim];
        var dw = affine ? new float[dim] : null; var db = affine ? new float[dim] : null;
        LayerNormBackward(dx, dw, db, dout, x, w, mean, rstd, rows, dim);
        double[] xd = D(x), wd = w == null ? [] : D(w), bd = b == null ? [] : D(b);
        Func<double[], double> loss = _ => Dot(RefOps.LayerNorm(xd, affine ? wd : null, affine ? bd : null, rows, dim, Eps), dout);
        output.WriteLine($"dx {Check("layernorm dx", dx, xd, loss, rng):E2}");
        if (affine)
        {
            output.WriteLine($"dweight {Check("layernorm dweight", dw!, wd, loss, rng):E2}");
            output.WriteLine($"dbias {Check("layernorm dbias", db!, bd, loss, rng):E2}");
        }
        // accumulate adds to what is there
        var acc = Enumerable.Repeat(1f, rows * dim).ToArray();
        LayerNormBackward(acc, default, default, dout, x, w, mean, rstd, rows, dim, accumulate: true);
        for (int i = 0; i < acc.Length; i++) Assert.Equal(dx[i] + 1f, acc[i], 1e-5f);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Modulate_ForwardAndBackward(bool perRow)
    {
        var rng = new Random(2);
        int rows = 4, dim = 19, vn = perRow ? rows * dim : dim;
        var x = Randn(rng, rows * dim); var shift = Randn(rng, vn, 0.3); var scale = Randn(rng, vn, 0.3);
        var dout = Randn(rng, rows * dim);
        var y = new float[rows * dim];
        ModulateForward(y, x, shift, scale, rows, dim);
        Close("modulate", y, RefOps.Modulate(D(x), D(shift), D(scale), rows, dim), 1e-6);
        var dx = new float[rows * dim];
        ModulateBackward(dx, dout, scale, rows, dim);
        var xd = D(x);
        Check("modulate dx", dx, xd, p => Dot(RefOps.Modulate(p, D(shift), D(scale), rows, dim), dout), rng);
        Assert.Throws<ArgumentException>(() => ModulateForward(y, x, new float[dim + 1], scale, rows, dim));
    }

    [Fact]
    public void GatedResidual_ForwardAndBackward()
    {
        var rng = new Random(3);
        int rows = 3, dim = 21;
        var x = Randn(rng, rows * dim); var yb = Randn(rng, rows * dim); var gate = Randn(rng, dim);
        var dout = Randn(rng, rows * dim);
        var o = (float[])x.Clone();
        GatedResidualForward(o, yb, gate, rows, dim);
        Close("gated", o, RefOps.Gated(D(x), D(yb), D(gate), rows, dim), 1e-6);
        var dy = new float[rows * dim];
        GatedResidualBackward(dy, dout, gate, rows, dim);
        Check("gated dy", dy, D(yb), p => Dot(RefOps.Gated(D(x), p, D(gate), rows, dim), dout), rng);
        // no gate = plain add, gradient passes through
        GatedResidualBackward(dy, dout, default, rows, dim);
        Assert.Equal(dout, dy);
    }

    [Fact]
    public void RmsNorm_ForwardAndBackward()
    {
        var rng = new Random(4);
        int rows = 6, dim = 33;
        var x = Randn(rng, rows * dim, 1.5); var w = Randn(rng, dim, 0.2, 1); var dout = Randn(rng, rows * dim);
        var y = new float[rows * dim]; var rstd = new float[rows];
        RmsNormForward(y, rstd, x, w, rows, dim, Eps);
        Close("rmsnorm", y, RefOps.RmsNorm(D(x), D(w), rows, dim, Eps), 1e-5);
        var dx = new float[rows * dim]; var dw = new float[dim];
        RmsNormBackward(dx, dw, dout, x, w, rstd, rows, dim);
        double[] xd = D(x), wd = D(w);
        Func<double[], double> loss = _ => Dot(RefOps.RmsNorm(xd, wd, rows, dim, Eps), dout);
        output.WriteLine($"dx {Check("rmsnorm dx", dx, xd, loss, rng):E2}, dw {Check("rmsnorm dw", dw, wd, loss, rng):E2}");
    }

    [Theory]
    [InlineData(16, 2, 3, 2, 0)]  // split 4/2/2 pairs
    [InlineData(32, 3, 2, 2, 5)]  // golden head size (6/5/5), 5 padding rows stay unrotated
    [InlineData(12, 2, 2, 3, 2)]  // 2/2/2
    public void Rope3d_ForwardAndBackward(int d, int gf, int gh, int gw, int pad)
    {
        var rng = new Random(5);
        int heads = 2, L = gf * gh * gw, rows = L + pad, w = heads * d;
        var table = new RopeTable(d, gf, gh, gw);
        var x = Randn(rng, rows * w); var dout = Randn(rng, rows * w);
        var y = new float[rows * w];
        Rope3dForward(y, x, table, rows, heads);
        Close("rope", y, RefOps.Rope(D(x), rows, heads, d, gf, gh, gw), 1e-6);
        for (int i = L * w; i < rows * w; i++) Assert.Equal(x[i], y[i]);
        var dx = new float[rows * w];
        Rope3dBackward(dx, dout, table, rows, heads);
        Check("rope dx", dx, D(x), p => Dot(RefOps.Rope(p, rows, heads, d, gf, gh, gw), dout), rng);
        // in place
        var inPlace = (float[])x.Clone();
        Rope3dForward(inPlace, inPlace, table, rows, heads);
        Assert.Equal(y, inPlace);
    }

    [Fact]
    public void RopeTable_SplitFollowsHeadDim()
    {
        var t = new RopeTable(128, 1, 1, 1);
        Assert.Equal((22, 21, 21), (t.PairsF, t.PairsH, t.PairsW));
        var g = new RopeTable(32, 1, 1, 1);
        Assert.Equal((6, 5, 5), (g.PairsF, g.PairsH, g.PairsW));
        Assert.Throws<ArgumentException>(() => new RopeTable(31, 1, 1, 1));
    }

    [Theory]
    [InlineData(70, 75, 67, 2, 8)]   // self-attention shape over several 64-row tiles with key padding
    [InlineData(9, 5, 5, 3, 4)]      // cross-attention shape, no mask
    [InlineData(130, 130, 2, 1, 6)]  // two valid keys, 128 masked over three tiles
    public void Attention_ForwardAndBackward(int lq, int lk, int keyValid, int heads, int d)
    {
        var rng = new Random(6 + lq);
        int w = heads * d;
        float scale = 1f / MathF.Sqrt(d);
        var q = Randn(rng, lq * w, 1.2); var k = Randn(rng, lk * w, 1.2); var v = Randn(rng, lk * w);
        var dout = Randn(rng, lq * w);
        var o = new float[lq * w]; var lse = new float[heads * lq];
        AttentionForward(o, lse, q, k, v, lq, lk, heads, d, keyValid, scale);
        double[] qd = D(q), kd = D(k), vd = D(v);
        Close("attention", o, RefOps.Attention(qd, kd, vd, lq, lk, heads, d, keyValid, scale), 1e-5);

        var dq = new float[lq * w]; var dk = Enumerable.Repeat(9f, lk * w).ToArray(); var dv = Enumerable.Repeat(9f, lk * w).ToArray();
        AttentionBackward(dq, dk, dv, dout, q, k, v, o, lse, lq, lk, heads, d, keyValid, scale);
        Func<double[], double> loss = _ => Dot(RefOps.Attention(qd, kd, vd, lq, lk, heads, d, keyValid, scale), dout);
        double eq = Check("attention dq", dq, qd, loss, rng, samples: 60);
        double ek = Check("attention dk", dk, kd, loss, rng, samples: 60);
        double ev = Check("attention dv", dv, vd, loss, rng, samples: 60);
        output.WriteLine($"dq {eq:E2} dk {ek:E2} dv {ev:E2}");
        for (int i = keyValid * w; i < lk * w; i++) { Assert.Equal(0f, dk[i]); Assert.Equal(0f, dv[i]); }
        if (keyValid < lk)
        {
            // masked keys must not influence the output
            var k2 = (float[])k.Clone(); var v2 = (float[])v.Clone();
            for (int i = keyValid * w; i < lk * w; i++) { k2[i] = 1e3f; v2[i] = -1e3f; }
            var o2 = new float[lq * w];
            AttentionForward(o2, lse, q, k2, v2, lq, lk, heads, d, keyValid, scale);
            Assert.Equal(o, o2);
        }
        Assert.Throws<ArgumentException>(() => AttentionForward(o, lse, q, k, v, lq, lk, heads, d, lk + 1, scale));
    }

    [Fact]
    public void GeluTanh_And_Silu_Backward()
    {
        var rng = new Random(7);
        int n = 40000; // more than one element chunk
        var z = Randn(rng, n, 3); var dout = Randn(rng, n);
        var y = new float[n]; var dz = new float[n];
        GeluTanhForward(y, z, n);
        Close("gelu", y, D(z).Select(RefOps.Gelu).ToArray(), 1e-6);
        GeluTanhBackward(dz, dout, z, n);
        CheckElementwise("gelu dz", dz, z, dout, RefOps.Gelu);
        SiluForward(y, z, n);
        Close("silu", y, D(z).Select(RefOps.Silu).ToArray(), 1e-6);
        SiluBackward(dz, dout, z, n);
        CheckElementwise("silu dz", dz, z, dout, RefOps.Silu);
    }

    /// <summary>Element-wise ops: the loss Σ dout·g(z) has d/dz_i = dout_i·g'(z_i), checked by central differences per element.</summary>
    static void CheckElementwise(string name, float[] dz, float[] z, float[] dout, Func<double, double> g)
    {
        const double h = 1e-5;
        double err = 0, scale = dz.Max(v => Math.Abs((double)v));
        for (int i = 0; i < z.Length; i++)
            err = Math.Max(err, Math.Abs(dout[i] * (g(z[i] + h) - g(z[i] - h)) / (2 * h) - dz[i]));
        Assert.True(err <= 1e-5 * scale, $"{name}: finite-difference mismatch {err:E3} vs scale {scale:E3}");
    }

    [Theory]
    [InlineData(4)]
    [InlineData(0)]
    public void LinearLora_ForwardAndBackward(int rank)
    {
        var rng = new Random(8);
        int rows = 7, inF = 23, outF = 17;
        float s = 0.75f;
        var x = Randn(rng, rows * inF); var wt = Randn(rng, outF * inF, 0.2); var b = Randn(rng, outF, 0.1);
        var down = Randn(rng, rank * inF, 0.3); var up = Randn(rng, outF * rank, 0.3);
        var dout = Randn(rng, rows * outF);
        var y = new float[rows * outF]; var mid = new float[rows * rank];
        LinearForward(y, mid, x, wt, b, down, up, s, rows, inF, outF, rank);
        double[] xd = D(x), downd = D(down), upd = D(up);
        Func<double[], double> loss = _ => Dot(RefOps.Linear(xd, D(wt), D(b), downd, upd, s, rows, inF, outF, rank), dout);
        Close("linear", y, RefOps.Linear(xd, D(wt), D(b), downd, upd, s, rows, inF, outF, rank), 1e-5);

        var dx = new float[rows * inF];
        var dDown = Enumerable.Repeat(0.5f, rank * inF).ToArray(); var dUp = Enumerable.Repeat(0.5f, outF * rank).ToArray();
        LinearBackward(dx, dDown, dUp, new float[rows * rank], dout, x, wt, down, up, mid, s, rows, inF, outF, rank);
        Check("linear dx", dx, xd, loss, rng);
        if (rank > 0)
        {
            // LoRA gradients are accumulated: subtract the 0.5 they started from
            Check("linear dDown", dDown.Select(v => v - 0.5f).ToArray(), downd, loss, rng);
            Check("linear dUp", dUp.Select(v => v - 0.5f).ToArray(), upd, loss, rng);
        }
        // input gradient skipped when not requested; LoRA gradients still produced
        if (rank > 0)
        {
            var dDown2 = new float[rank * inF]; var dUp2 = new float[outF * rank];
            LinearBackward(default, dDown2, dUp2, new float[rows * rank], dout, x, wt, down, up, mid, s, rows, inF, outF, rank);
            for (int i = 0; i < dDown2.Length; i++) Assert.Equal(dDown[i] - 0.5f, dDown2[i], 1e-5f);
        }
    }
}
