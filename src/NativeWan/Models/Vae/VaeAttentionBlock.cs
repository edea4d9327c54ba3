using System.Numerics.Tensors;
using NativeWan.Ops.Cpu;

namespace NativeWan.Models.Vae;

/// <summary>
/// Official <c>AttentionBlock(C)</c> (spec 5.1), applied to each frame on its own: RMS_norm (2-D γ) → 1×1 conv
/// <c>to_qkv</c> to 3C channels (q | k | v) → single-head softmax(q·kᵀ/√C) over the H·W positions → 1×1 conv
/// <c>proj</c> → + input. Queries are processed in blocks so the score matrix never exceeds a few MiB.
/// </summary>
internal sealed class VaeAttentionBlock : IVaeLayer
{
    const int ScoreBlockFloats = 1 << 20;
    readonly ChannelRmsNorm _norm;
    readonly float[] _wq, _wk, _wv, _bq, _bk, _bv, _wp, _bp;
    readonly int _c;

    public VaeAttentionBlock(VaeWeightReader r, string name, int channels)
    {
        _c = channels;
        _norm = ChannelRmsNorm.Load(r, name + ".norm", channels);
        var qkv = r.Read(name + ".to_qkv.weight", 3L * channels, channels, 1, 1);
        var qkvb = r.Read(name + ".to_qkv.bias", 3L * channels);
        int cc = channels * channels;
        _wq = qkv[..cc]; _wk = qkv[cc..(2 * cc)]; _wv = qkv[(2 * cc)..];
        _bq = qkvb[..channels]; _bk = qkvb[channels..(2 * channels)]; _bv = qkvb[(2 * channels)..];
        _wp = r.Read(name + ".proj.weight", channels, channels, 1, 1);
        _bp = r.Read(name + ".proj.bias", channels);
    }

    public VaeActivation Forward(VaeWorkspace ws, VaeActivation x, VaeStreamState state)
    {
        if (x.C != _c) throw new InvalidOperationException($"AttentionBlock expects {_c} channels, got {x.C}");
        int p = x.Pixels, c = _c;
        long pc = (long)p * c;
        var xn = ws.Alloc(pc);
        var q = ws.Alloc(pc);
        var k = ws.Alloc(pc);
        var v = ws.Alloc(pc);
        int qb = Math.Clamp(ScoreBlockFloats / p, 1, p);
        var s = ws.Alloc((long)qb * p);
        float scale = 1f / MathF.Sqrt(c);
        for (int t = 0; t < x.T; t++)
        {
            var frame = x.FrameSpan(t);
            frame.CopyTo(xn);
            _norm.Apply(xn, xn, p, silu: false);
            Project(xn, _wq, _bq, q, p, c);
            Project(xn, _wk, _bk, k, p, c);
            Project(xn, _wv, _bv, v, p, c);
            // xn now receives the attention output [P, C].
            for (int i0 = 0; i0 < p; i0 += qb)
            {
                int n = Math.Min(qb, p - i0);
                var sb = s.AsSpan(0, n * p);
                Gemm.MatMulTransB(q.AsSpan(i0 * c, n * c), k, sb, n, p, c);
                SoftmaxRows(s, n, p, scale);
                Gemm.MatMul(sb, v, xn.AsSpan(i0 * c, n * c), n, c, p);
            }
            Project(xn, _wp, _bp, q, p, c);
            TensorPrimitives.Add(frame, q.AsSpan(0, (int)pc), frame);
        }
        ws.Free(xn); ws.Free(q); ws.Free(k); ws.Free(v); ws.Free(s);
        return x;
    }

    static void Project(float[] x, float[] w, float[] b, float[] y, int p, int c)
    {
        Gemm.MatMulTransB(x, w, y, p, c, c);
        VaeConv.AddBiasRows(y.AsSpan(0, p * c), b, p);
    }

    static void SoftmaxRows(float[] s, int rows, int len, float scale)
    {
        void Row(int i)
        {
            var r = s.AsSpan(i * len, len);
            TensorPrimitives.Multiply(r, scale, r);
            float max = TensorPrimitives.Max(r);
            TensorPrimitives.Subtract(r, max, r);
            TensorPrimitives.Exp(r, r);
            TensorPrimitives.Divide(r, TensorPrimitives.Sum(r), r);
        }
        if ((long)rows * len < 1 << 15) { for (int i = 0; i < rows; i++) Row(i); }
        else Parallel.For(0, rows, Row);
    }
}
