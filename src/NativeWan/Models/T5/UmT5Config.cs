using NativeWan.IO;

namespace NativeWan.Models.T5;

/// <summary>
/// Hyper-parameters of a (um)T5 encoder (spec wan-architecture.md §6.1; official <c>wan/modules/t5.py</c> <c>T5Encoder</c>).
/// umT5-XXL: vocab 256384, dim 4096, dim_attn 4096, dim_ffn 10240, 64 heads, 24 layers, 32 buckets, max distance 128,
/// a separate relative-bias table per layer.
/// </summary>
/// <param name="Vocab">Rows of the token embedding.</param>
/// <param name="Dim">Model width (d_model).</param>
/// <param name="DimAttn">Width of q/k/v (heads × head_dim).</param>
/// <param name="DimFfn">Hidden width of the gated-GELU feed-forward (d_ff).</param>
/// <param name="NumHeads">Attention heads.</param>
/// <param name="NumLayers">Encoder blocks.</param>
/// <param name="NumBuckets">Relative-position buckets (both directions together; 32 for umT5).</param>
/// <param name="SharedPositionBias">True when one bias table serves every layer (classic T5, official <c>shared_pos=True</c>);
/// false for umT5, where every block has its own.</param>
/// <param name="MaxDistance">Relative distance mapped to the last bucket (128; not stored in checkpoints).</param>
/// <param name="Eps">T5 RMS-norm epsilon (1e-6).</param>
public sealed record UmT5Config(
    int Vocab, int Dim, int DimAttn, int DimFfn, int NumHeads, int NumLayers, int NumBuckets,
    bool SharedPositionBias = false, int MaxDistance = 128, float Eps = 1e-6f)
{
    /// <summary>Per-head width, <see cref="DimAttn"/> / <see cref="NumHeads"/>.</summary>
    public int HeadDim => DimAttn / NumHeads;

    /// <summary>Number of parameters: embedding, per block q/k/v/o, gate/fc1/fc2, two norms and (per block or shared)
    /// the bias table, final norm. umT5-XXL: 5,680,910,336 (spec §0).</summary>
    public long ParameterCount =>
        (long)Vocab * Dim + Dim
        + NumLayers * (4L * Dim * DimAttn + 3L * Dim * DimFfn + 2L * Dim + (SharedPositionBias ? 0 : (long)NumBuckets * NumHeads))
        + (SharedPositionBias ? (long)NumBuckets * NumHeads : 0);

    /// <summary>The released umT5-XXL encoder used by Wan 2.1/2.2.</summary>
    public static UmT5Config UmT5Xxl { get; } = new(256384, 4096, 4096, 10240, 64, 24, 32);

    /// <summary>
    /// Reads the configuration from tensor shapes. Accepts official names (<c>token_embedding.weight</c>,
    /// <c>blocks.N.attn.q.weight</c>, …) and HF/ComfyUI names (<c>shared.weight</c>,
    /// <c>encoder.block.N.layer.0.SelfAttention.q.weight</c>, …), optionally under a common prefix.
    /// </summary>
    /// <exception cref="ModelFileException">No T5 encoder found, or inconsistent shapes (names the file and tensor).</exception>
    public static UmT5Config FromWeights(ITensorSource source) => FromWeights(source, UmT5WeightNames.Detect(source));

    internal static UmT5Config FromWeights(ITensorSource src, UmT5WeightNames names)
    {
        var emb = src.Get(names.TokenEmbedding);
        if (emb.Shape.Length != 2) throw new ModelFileException(src.SourcePath, emb.Name, $"shape {emb.ShapeText}, expected [vocab, dim]");
        int vocab = checked((int)emb.Shape[0]), dim = checked((int)emb.Shape[1]);

        int layers = 0;
        while (src.Contains(names.Block(layers, UmT5WeightNames.AttnQ))) layers++;
        if (layers == 0) throw new ModelFileException(src.SourcePath, names.Block(0, UmT5WeightNames.AttnQ), "tensor not found: the encoder has no blocks");

        var q = src.Get(names.Block(0, UmT5WeightNames.AttnQ));
        if (q.Shape.Length != 2 || q.Shape[1] != dim)
            throw new ModelFileException(src.SourcePath, q.Name, $"shape {q.ShapeText}, expected [dim_attn, {dim}]");
        var gate = src.Get(names.Block(0, UmT5WeightNames.FfnGate));
        if (gate.Shape.Length != 2 || gate.Shape[1] != dim)
            throw new ModelFileException(src.SourcePath, gate.Name, $"shape {gate.ShapeText}, expected [dim_ffn, {dim}]");

        bool shared = !src.Contains(names.Block(layers > 1 ? 1 : 0, UmT5WeightNames.PosEmbedding));
        string posName = shared ? names.SharedPositionTable(src) : names.Block(0, UmT5WeightNames.PosEmbedding);
        var pos = src.Get(posName);
        if (pos.Shape.Length != 2 || pos.Shape[0] < 2)
            throw new ModelFileException(src.SourcePath, pos.Name, $"shape {pos.ShapeText}, expected [num_buckets, num_heads]");
        int heads = checked((int)pos.Shape[1]);
        int dimAttn = checked((int)q.Shape[0]);
        if (heads <= 0 || dimAttn % heads != 0)
            throw new ModelFileException(src.SourcePath, pos.Name, $"{heads} heads do not divide dim_attn {dimAttn} (from {q.Name})");

        return new UmT5Config(vocab, dim, dimAttn, checked((int)gate.Shape[0]), heads, layers, checked((int)pos.Shape[0]), shared);
    }
}
