using NativeWan.IO;
using NativeWan.Ops.Cpu;

namespace NativeWan.Models.T5;

/// <summary>
/// umT5 encoder, float32 CPU reference (spec wan-architecture.md §6.1; official <c>wan/modules/t5.py</c>
/// <c>T5Encoder</c> + the trimming of <c>T5EncoderModel.__call__</c>).
/// Per block (pre-norm, no biases, eps 1e-6):
/// <c>x += o(Attn(RMS₁(x)))</c> with logits <c>q·k + bias[head, i, j]</c> (<b>no 1/√d</b>), the bias replaced by
/// <c>float.MinValue</c> on padding keys; then <c>x += fc2(fc1(h) · gelu_tanh(gate(h)))</c>, h = RMS₂(x).
/// A final RMS norm follows. The token embedding is not scaled.
/// Weights are held as float32 row-major arrays in the official layout (Linear [out, in]).
/// </summary>
public sealed class UmT5Encoder
{
    sealed class Block
    {
        public required float[] Norm1, Q, K, V, O, Norm2, Gate, Fc1, Fc2;
        /// <summary>Relative bias transposed to [heads, buckets].</summary>
        public required float[] PosBias;
    }

    readonly float[] _embedding;   // [vocab, dim]
    readonly Block[] _blocks;
    readonly float[] _finalNorm;   // [dim]

    /// <summary>Sizes of this encoder.</summary>
    public UmT5Config Config { get; }

    UmT5Encoder(UmT5Config config, float[] embedding, Block[] blocks, float[] finalNorm)
    {
        Config = config; _embedding = embedding; _blocks = blocks; _finalNorm = finalNorm;
    }

    /// <summary>
    /// Loads every weight as float32. Accepts official (<c>token_embedding.weight</c>, <c>blocks.N.…</c>) and HF/ComfyUI
    /// (<c>shared.weight</c>, <c>encoder.block.N.layer.…</c>) names under an optional prefix; F32/F16/BF16/F64 and fp8
    /// (E4M3FN/E5M2, with a per-tensor <c>scale_weight</c>/<c>weight_scale</c> when present) are accepted. Tensors
    /// that are not encoder weights (<c>spiece_model</c>, <c>scaled_fp8</c>, a decoder, …) are ignored.
    /// The source may be disposed after this returns.
    /// </summary>
    /// <exception cref="ModelFileException">No T5 encoder, missing tensor, or a shape/dtype mismatch (names file and tensor).</exception>
    public static UmT5Encoder Load(ITensorSource source)
    {
        var names = UmT5WeightNames.Detect(source);
        var c = UmT5Config.FromWeights(source, names);
        long d = c.Dim, a = c.DimAttn, f = c.DimFfn;
        var emb = source.ReadWeight(names.TokenEmbedding, c.Vocab, d);
        float[]? sharedPos = c.SharedPositionBias ? ReadPos(source, names.SharedPositionTable(source), c) : null;
        var blocks = new Block[c.NumLayers];
        for (int i = 0; i < c.NumLayers; i++)
        {
            string N(string s) => names.Block(i, s);
            blocks[i] = new Block
            {
                Norm1 = source.ReadWeight(N(UmT5WeightNames.Norm1), d),
                Q = source.ReadWeight(N(UmT5WeightNames.AttnQ), a, d),
                K = source.ReadWeight(N(UmT5WeightNames.AttnK), a, d),
                V = source.ReadWeight(N(UmT5WeightNames.AttnV), a, d),
                O = source.ReadWeight(N(UmT5WeightNames.AttnO), d, a),
                Norm2 = source.ReadWeight(N(UmT5WeightNames.Norm2), d),
                Gate = source.ReadWeight(N(UmT5WeightNames.FfnGate), f, d),
                Fc1 = source.ReadWeight(N(UmT5WeightNames.FfnFc1), f, d),
                Fc2 = source.ReadWeight(N(UmT5WeightNames.FfnFc2), d, f),
                PosBias = sharedPos ?? ReadPos(source, N(UmT5WeightNames.PosEmbedding), c),
            };
        }
        var norm = source.ReadWeight(names.FinalNorm, d);
        return new UmT5Encoder(c, emb, blocks, norm);
    }

    static float[] ReadPos(ITensorSource src, string name, UmT5Config c)
    {
        var table = src.ReadWeight(name, c.NumBuckets, c.NumHeads); // [buckets, heads]
        var t = new float[table.Length];
        for (int b = 0; b < c.NumBuckets; b++)
            for (int h = 0; h < c.NumHeads; h++) t[h * c.NumBuckets + b] = table[b * c.NumHeads + h];
        return t;
    }

    /// <summary>
    /// Encodes one prompt and trims the result to its true length, as <c>T5EncoderModel.__call__</c> does:
    /// the first <c>count(mask &gt; 0)</c> rows (real tokens including EOS).
    /// </summary>
    /// <param name="ids">Token ids [seqLen] (padded layout from the tokenizer: tokens, EOS, then pad id 0).</param>
    /// <param name="mask">Key mask [seqLen]: nonzero for real tokens, 0 for padding.</param>
    /// <returns>Row-major [count(mask &gt; 0), dim] float32.</returns>
    /// <exception cref="ArgumentException">Lengths differ, are zero, or an id is outside [0, vocab).</exception>
    public float[] Encode(int[] ids, int[] mask)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(mask);
        var all = EncodeAll(ids, mask);
        int valid = 0;
        foreach (var m in mask) if (m > 0) valid++;
        return all.AsSpan(0, valid * Config.Dim).ToArray();
    }

    /// <summary>
    /// The encoder output for every position, padding rows included (official <c>T5Encoder(ids, mask)</c>): padding
    /// queries are computed too and attend only to unmasked keys.
    /// </summary>
    /// <returns>Row-major [seqLen, dim] float32.</returns>
    /// <exception cref="ArgumentException">Lengths differ, are zero, or an id is outside [0, vocab).</exception>
    public float[] EncodeAll(ReadOnlySpan<int> ids, ReadOnlySpan<int> mask)
    {
        var c = Config;
        if (ids.Length == 0) throw new ArgumentException("no tokens", nameof(ids));
        if (mask.Length != ids.Length) throw new ArgumentException($"mask has {mask.Length} entries for {ids.Length} ids", nameof(mask));
        int L = ids.Length, D = c.Dim, A = c.DimAttn, F = c.DimFfn;

        var x = new float[L * D];
        for (int i = 0; i < L; i++)
        {
            int id = ids[i];
            if ((uint)id >= (uint)c.Vocab) throw new ArgumentException($"token id {id} at position {i} is outside the vocabulary [0, {c.Vocab})", nameof(ids));
            _embedding.AsSpan(id * D, D).CopyTo(x.AsSpan(i * D, D));
        }
        var keyValid = new bool[L];
        for (int j = 0; j < L; j++) keyValid[j] = mask[j] != 0;
        var buckets = UmT5RelativePosition.BucketMatrix(L, L, c.NumBuckets, c.MaxDistance);

        var h = new float[L * D];
        var q = new float[L * A];
        var k = new float[L * A];
        var v = new float[L * A];
        var att = new float[L * A];
        var tmp = new float[L * D];
        var gate = new float[L * F];
        var fc1 = new float[L * F];

        foreach (var b in _blocks)
        {
            T5Ops.RmsNorm(x, b.Norm1, h, L, D, c.Eps);
            Gemm.MatMulTransB(h, b.Q, q, L, A, D);
            Gemm.MatMulTransB(h, b.K, k, L, A, D);
            Gemm.MatMulTransB(h, b.V, v, L, A, D);
            Attention(q, k, v, att, b.PosBias, buckets, keyValid, L);
            Gemm.MatMulTransB(att, b.O, tmp, L, D, A);
            System.Numerics.Tensors.TensorPrimitives.Add(x, tmp, x);

            T5Ops.RmsNorm(x, b.Norm2, h, L, D, c.Eps);
            Gemm.MatMulTransB(h, b.Gate, gate, L, F, D);
            T5Ops.GeluTanhInPlace(gate);
            Gemm.MatMulTransB(h, b.Fc1, fc1, L, F, D);
            System.Numerics.Tensors.TensorPrimitives.Multiply(fc1, gate, fc1);
            Gemm.MatMulTransB(fc1, b.Fc2, tmp, L, D, F);
            System.Numerics.Tensors.TensorPrimitives.Add(x, tmp, x);
        }
        T5Ops.RmsNorm(x, _finalNorm, x, L, D, c.Eps);
        return x;
    }

    /// <summary>
    /// Relative position bias of block <paramref name="layer"/> (official <c>T5RelativeEmbedding(lq, lk)</c>):
    /// <c>bias[h, i, j] = table[Bucket(j − i), h]</c>, row-major [heads, queries, keys], before any masking.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">layer outside [0, NumLayers) or a non-positive length.</exception>
    public float[] PositionBias(int layer, int queries, int keys)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(layer, _blocks.Length);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(queries);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(keys);
        var c = Config;
        var buckets = UmT5RelativePosition.BucketMatrix(queries, keys, c.NumBuckets, c.MaxDistance);
        var table = _blocks[layer].PosBias;
        var r = new float[c.NumHeads * queries * keys];
        for (int n = 0; n < c.NumHeads; n++)
            for (int p = 0; p < buckets.Length; p++) r[n * buckets.Length + p] = table[n * c.NumBuckets + buckets[p]];
        return r;
    }

    /// <summary>Multi-head attention with relative bias and key mask; q, k, v, output [L, heads·headDim].</summary>
    void Attention(float[] q, float[] k, float[] v, float[] output, float[] posBias, int[] buckets, bool[] keyValid, int L)
    {
        var c = Config;
        int H = c.NumHeads, hd = c.HeadDim, A = c.DimAttn, nb = c.NumBuckets;
        Parallel.For(0, H,
            () => (qh: new float[L * hd], kh: new float[L * hd], vh: new float[L * hd], s: new float[L * L], oh: new float[L * hd]),
            (n, _, buf) =>
            {
                for (int i = 0; i < L; i++)
                {
                    q.AsSpan(i * A + n * hd, hd).CopyTo(buf.qh.AsSpan(i * hd, hd));
                    k.AsSpan(i * A + n * hd, hd).CopyTo(buf.kh.AsSpan(i * hd, hd));
                    v.AsSpan(i * A + n * hd, hd).CopyTo(buf.vh.AsSpan(i * hd, hd));
                }
                Gemm.MatMulTransB(buf.qh, buf.kh, buf.s, L, L, hd);   // q·kᵀ, no 1/√d (T5)
                var table = posBias.AsSpan(n * nb, nb);
                for (int i = 0; i < L; i++)
                {
                    var row = buf.s.AsSpan(i * L, L);
                    for (int j = 0; j < L; j++)
                        row[j] += keyValid[j] ? table[buckets[i * L + j]] : float.MinValue; // official: bias replaced by finfo.min
                    T5Ops.SoftmaxInPlace(row);
                }
                Gemm.MatMul(buf.s, buf.vh, buf.oh, L, hd, L);
                for (int i = 0; i < L; i++) buf.oh.AsSpan(i * hd, hd).CopyTo(output.AsSpan(i * A + n * hd, hd));
                return buf;
            },
            _ => { });
    }
}
