using System.Numerics.Tensors;

namespace NativeWan.Ops.Cpu;

public static unsafe partial class CpuOps
{
    /// <summary>Query rows per tile.</summary>
    const int AttnBlockQ = 64;
    /// <summary>Key rows per tile.</summary>
    const int AttnBlockK = 64;

    /// <summary>
    /// Multi-head softmax attention <c>O = softmax(Q Kᵀ · scale) V</c> per head (spec 2.6), computed in tiles with
    /// an online softmax (FlashAttention-2 style): memory is O(tile²) per thread, never [Lq, Lk]. Keys with index ≥
    /// <paramref name="keyValid"/> are masked out (sequence padding, official <c>k_lens</c>); every query row is
    /// computed.
    /// </summary>
    /// <param name="output">[lq, heads·headDim].</param>
    /// <param name="lse">[heads, lq] log-sum-exp of the scaled logits per query row, saved for the backward.</param>
    /// <param name="q">[lq, heads·headDim] (head h of row i at <c>i·heads·headDim + h·headDim</c>).</param>
    /// <param name="k">[lk, heads·headDim].</param>
    /// <param name="v">[lk, heads·headDim].</param>
    /// <param name="keyValid">Number of unmasked keys, 1 ≤ keyValid ≤ lk.</param>
    /// <param name="scale">Logit scale, 1/√headDim in Wan.</param>
    /// <exception cref="ArgumentException">Non-positive sizes, keyValid out of range, spans too short.</exception>
    /// <param name="lq">Query rows.</param>
    /// <param name="lk">Key/value rows.</param>
    /// <param name="heads">Number of heads.</param>
    /// <param name="headDim">Head size.</param>
    public static void AttentionForward(Span<float> output, Span<float> lse, ReadOnlySpan<float> q, ReadOnlySpan<float> k,
        ReadOnlySpan<float> v, int lq, int lk, int heads, int headDim, int keyValid, float scale)
    {
        CheckAttention(lq, lk, heads, headDim, keyValid, q.Length, k.Length, v.Length);
        int width = heads * headDim;
        Need(output.Length, (long)lq * width, nameof(output)); Need(lse.Length, (long)heads * lq, nameof(lse));
        int qBlocks = (lq + AttnBlockQ - 1) / AttnBlockQ;
        fixed (float* po = output, pl = lse, pq = q, pk = k, pv = v)
        {
            nint O = (nint)po, LSE = (nint)pl, Q = (nint)pq, K = (nint)pk, V = (nint)pv;
            CpuParallel.For(heads * qBlocks, 2L * AttnBlockQ * keyValid * headDim, item =>
            {
                int h = item / qBlocks, i0 = item % qBlocks * AttnBlockQ, nq = Math.Min(AttnBlockQ, lq - i0);
                var sArr = CpuScratch.A(AttnBlockK + AttnBlockQ * (headDim + 2));
                var s = sArr.AsSpan(0, AttnBlockK);
                var m = sArr.AsSpan(AttnBlockK, AttnBlockQ);
                var l = sArr.AsSpan(AttnBlockK + AttnBlockQ, AttnBlockQ);
                var acc = sArr.AsSpan(AttnBlockK + 2 * AttnBlockQ, AttnBlockQ * headDim);
                m.Fill(float.NegativeInfinity); l.Clear(); acc.Clear();
                for (int j0 = 0; j0 < keyValid; j0 += AttnBlockK)
                {
                    int nk = Math.Min(AttnBlockK, keyValid - j0);
                    var sr = s[..nk];
                    for (int ii = 0; ii < nq; ii++)
                    {
                        var qi = new ReadOnlySpan<float>((float*)Q + (long)(i0 + ii) * width + h * headDim, headDim);
                        for (int jj = 0; jj < nk; jj++)
                            sr[jj] = TensorPrimitives.Dot(qi, new ReadOnlySpan<float>((float*)K + (long)(j0 + jj) * width + h * headDim, headDim)) * scale;
                        float mNew = MathF.Max(m[ii], TensorPrimitives.Max<float>(sr));
                        float alpha = MathF.Exp(m[ii] - mNew); // 0 on the first tile (m = −∞)
                        TensorPrimitives.Subtract(sr, mNew, sr);
                        TensorPrimitives.Exp<float>(sr, sr);
                        l[ii] = l[ii] * alpha + TensorPrimitives.Sum<float>(sr);
                        var ai = acc.Slice(ii * headDim, headDim);
                        if (alpha != 1f) TensorPrimitives.Multiply<float>(ai, alpha, ai);
                        for (int jj = 0; jj < nk; jj++)
                            TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>((float*)V + (long)(j0 + jj) * width + h * headDim, headDim), sr[jj], ai, ai);
                        m[ii] = mNew;
                    }
                }
                for (int ii = 0; ii < nq; ii++)
                {
                    TensorPrimitives.Divide<float>(acc.Slice(ii * headDim, headDim), l[ii],
                        new Span<float>((float*)O + (long)(i0 + ii) * width + h * headDim, headDim));
                    ((float*)LSE)[(long)h * lq + i0 + ii] = m[ii] + MathF.Log(l[ii]);
                }
            });
        }
    }

    /// <summary>
    /// Backward of <see cref="AttentionForward"/> (spec section 10, FlashAttention-2 recomputation): probabilities are
    /// recomputed tile by tile from Q, K and the saved log-sum-exp, <c>P = exp(S − lse)</c>;
    /// <c>dV = Pᵀ dO</c>, <c>dS = P ⊙ (dO Vᵀ − rowsum(dO ⊙ O))</c>, <c>dQ = dS K · scale</c>, <c>dK = dSᵀ Q · scale</c>.
    /// dQ is computed per (head, query tile) and dK/dV per (head, key tile), so no atomics are needed and the result is
    /// deterministic. Masked key rows get zero gradient.
    /// </summary>
    /// <param name="dq">[lq, heads·headDim], overwritten.</param>
    /// <param name="dk">[lk, heads·headDim], overwritten.</param>
    /// <param name="dv">[lk, heads·headDim], overwritten.</param>
    /// <param name="dout">[lq, heads·headDim] gradient of the output.</param>
    /// <param name="output">The forward output O.</param>
    /// <param name="lse">The forward's saved [heads, lq] log-sum-exp.</param>
    /// <param name="q">The forward queries.</param>
    /// <param name="k">The forward keys.</param>
    /// <param name="v">The forward values.</param>
    /// <param name="lq">Query rows.</param>
    /// <param name="lk">Key/value rows.</param>
    /// <param name="heads">Number of heads.</param>
    /// <param name="headDim">Head size.</param>
    /// <param name="keyValid">As in the forward.</param>
    /// <param name="scale">As in the forward.</param>
    public static void AttentionBackward(Span<float> dq, Span<float> dk, Span<float> dv, ReadOnlySpan<float> dout,
        ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, ReadOnlySpan<float> output, ReadOnlySpan<float> lse,
        int lq, int lk, int heads, int headDim, int keyValid, float scale)
    {
        CheckAttention(lq, lk, heads, headDim, keyValid, q.Length, k.Length, v.Length);
        int width = heads * headDim;
        Need(dq.Length, (long)lq * width, nameof(dq)); Need(dk.Length, (long)lk * width, nameof(dk)); Need(dv.Length, (long)lk * width, nameof(dv));
        Need(dout.Length, (long)lq * width, nameof(dout)); Need(output.Length, (long)lq * width, nameof(output));
        Need(lse.Length, (long)heads * lq, nameof(lse));
        var dRowArr = System.Buffers.ArrayPool<float>.Shared.Rent(heads * lq);
        try
        {
            fixed (float* pdq = dq, pdk = dk, pdv = dv, pdo = dout, pq = q, pk = k, pv = v, po = output, pl = lse, pD = dRowArr)
            {
                nint DQ = (nint)pdq, DK = (nint)pdk, DV = (nint)pdv, DO = (nint)pdo, Q = (nint)pq, K = (nint)pk, V = (nint)pv,
                    O = (nint)po, LSE = (nint)pl, DR = (nint)pD;
                ReadOnlySpan<float> Row(nint p, int row, int h) => new((float*)p + (long)row * width + h * headDim, headDim);

                // D_i = rowsum(dO ⊙ O) per head
                CpuParallel.For(lq, 2L * width, i =>
                {
                    for (int h = 0; h < heads; h++)
                        ((float*)DR)[(long)h * lq + i] = TensorPrimitives.Dot(Row(DO, i, h), Row(O, i, h));
                });

                // P_i· and dS_i· for query row i against key rows j0..j0+nk (into p and ds)
                void Probs(int h, int i, int j0, int nk, Span<float> p, Span<float> ds)
                {
                    var qi = Row(Q, i, h); var doi = Row(DO, i, h);
                    float l = ((float*)LSE)[(long)h * lq + i], d = ((float*)DR)[(long)h * lq + i];
                    for (int jj = 0; jj < nk; jj++)
                    {
                        p[jj] = TensorPrimitives.Dot(qi, Row(K, j0 + jj, h)) * scale;
                        ds[jj] = TensorPrimitives.Dot(doi, Row(V, j0 + jj, h));
                    }
                    TensorPrimitives.Subtract(p, l, p);
                    TensorPrimitives.Exp<float>(p, p);
                    TensorPrimitives.Subtract(ds, d, ds);
                    TensorPrimitives.Multiply(ds, p, ds);
                }

                int qBlocks = (lq + AttnBlockQ - 1) / AttnBlockQ;
                CpuParallel.For(heads * qBlocks, 3L * AttnBlockQ * keyValid * headDim, item =>
                {
                    int h = item / qBlocks, i0 = item % qBlocks * AttnBlockQ, nq = Math.Min(AttnBlockQ, lq - i0);
                    var buf = CpuScratch.A(2 * AttnBlockK);
                    for (int ii = 0; ii < nq; ii++)
                    {
                        int i = i0 + ii;
                        var dqi = new Span<float>((float*)DQ + (long)i * width + h * headDim, headDim);
                        dqi.Clear();
                        for (int j0 = 0; j0 < keyValid; j0 += AttnBlockK)
                        {
                            int nk = Math.Min(AttnBlockK, keyValid - j0);
                            var p = buf.AsSpan(0, nk); var ds = buf.AsSpan(AttnBlockK, nk);
                            Probs(h, i, j0, nk, p, ds);
                            for (int jj = 0; jj < nk; jj++) TensorPrimitives.MultiplyAdd(Row(K, j0 + jj, h), ds[jj] * scale, dqi, dqi);
                        }
                    }
                });

                int kBlocks = (lk + AttnBlockK - 1) / AttnBlockK;
                CpuParallel.For(heads * kBlocks, 4L * AttnBlockK * lq * headDim, item =>
                {
                    int h = item / kBlocks, j0 = item % kBlocks * AttnBlockK;
                    int nk = Math.Min(AttnBlockK, lk - j0), nValid = Math.Clamp(keyValid - j0, 0, nk);
                    for (int jj = 0; jj < nk; jj++)
                    {
                        new Span<float>((float*)DK + (long)(j0 + jj) * width + h * headDim, headDim).Clear();
                        new Span<float>((float*)DV + (long)(j0 + jj) * width + h * headDim, headDim).Clear();
                    }
                    if (nValid == 0) return;
                    var buf = CpuScratch.A(2 * AttnBlockK);
                    var p = buf.AsSpan(0, nValid); var ds = buf.AsSpan(AttnBlockK, nValid);
                    for (int i = 0; i < lq; i++)
                    {
                        Probs(h, i, j0, nValid, p, ds);
                        var qi = Row(Q, i, h); var doi = Row(DO, i, h);
                        for (int jj = 0; jj < nValid; jj++)
                        {
                            var dvj = new Span<float>((float*)DV + (long)(j0 + jj) * width + h * headDim, headDim);
                            var dkj = new Span<float>((float*)DK + (long)(j0 + jj) * width + h * headDim, headDim);
                            TensorPrimitives.MultiplyAdd(doi, p[jj], dvj, dvj);
                            TensorPrimitives.MultiplyAdd(qi, ds[jj] * scale, dkj, dkj);
                        }
                    }
                });
            }
        }
        finally { System.Buffers.ArrayPool<float>.Shared.Return(dRowArr); }
    }

    static void CheckAttention(int lq, int lk, int heads, int headDim, int keyValid, int qLen, int kLen, int vLen)
    {
        Positive(lq, nameof(lq)); Positive(lk, nameof(lk)); Positive(heads, nameof(heads)); Positive(headDim, nameof(headDim));
        if (keyValid < 1 || keyValid > lk) throw new ArgumentException($"keyValid ({keyValid}) must be in 1..{lk}", nameof(keyValid));
        long w = (long)heads * headDim;
        Need(qLen, lq * w, "q"); Need(kLen, lk * w, "k"); Need(vLen, lk * w, "v");
    }
}
