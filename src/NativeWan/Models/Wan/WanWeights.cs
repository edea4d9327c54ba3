using NativeWan.IO;

namespace NativeWan.Models.Wan;

/// <summary>A frozen Linear: W [Out, In] (PyTorch layout) and b [Out], float32, plus its state-dict path.</summary>
public sealed class WanLinear
{
    /// <summary>Module path without <c>.weight</c>, e.g. <c>blocks.3.ffn.0</c> (the LoRA target name).</summary>
    public string Path { get; }
    public int In { get; }
    public int Out { get; }
    /// <summary>[Out, In].</summary>
    public float[] Weight { get; }
    /// <summary>[Out].</summary>
    public float[] Bias { get; }

    internal WanLinear(string path, int @in, int @out, float[] weight, float[] bias)
    {
        Path = path; In = @in; Out = @out; Weight = weight; Bias = bias;
    }

    internal static WanLinear Read(ITensorSource src, string path, int @in, int @out) =>
        new(path, @in, @out, src.ReadWeight(path + ".weight", @out, @in), src.ReadFloat32(path + ".bias", [@out]));
}

/// <summary>q, k, v, o projections and the full-width q/k RMSNorm weights of one attention (spec 2.6).</summary>
public sealed class WanAttentionWeights
{
    public required WanLinear Q { get; init; }
    public required WanLinear K { get; init; }
    public required WanLinear V { get; init; }
    public required WanLinear O { get; init; }
    /// <summary>[dim].</summary>
    public required float[] NormQ { get; init; }
    /// <summary>[dim].</summary>
    public required float[] NormK { get; init; }

    internal static WanAttentionWeights Read(ITensorSource src, string prefix, int dim) => new()
    {
        Q = WanLinear.Read(src, prefix + ".q", dim, dim), K = WanLinear.Read(src, prefix + ".k", dim, dim),
        V = WanLinear.Read(src, prefix + ".v", dim, dim), O = WanLinear.Read(src, prefix + ".o", dim, dim),
        NormQ = src.ReadFloat32(prefix + ".norm_q.weight", [dim]), NormK = src.ReadFloat32(prefix + ".norm_k.weight", [dim]),
    };
}

/// <summary>One WanAttentionBlock's parameters (spec 2.6, 2.8), flat float32 arrays.</summary>
public sealed class WanBlockWeights
{
    /// <summary>[6, dim]: shift/scale/gate of self-attention, then of the FFN.</summary>
    public required float[] Modulation { get; init; }
    public required WanAttentionWeights SelfAttn { get; init; }
    public required WanAttentionWeights CrossAttn { get; init; }
    /// <summary>norm3 (affine LayerNorm before cross-attention) γ [dim].</summary>
    public required float[] Norm3Weight { get; init; }
    /// <summary>norm3 β [dim].</summary>
    public required float[] Norm3Bias { get; init; }
    /// <summary><c>ffn.0</c> dim → ffn_dim.</summary>
    public required WanLinear Ffn0 { get; init; }
    /// <summary><c>ffn.2</c> ffn_dim → dim.</summary>
    public required WanLinear Ffn2 { get; init; }
}

/// <summary>
/// All Wan 2.2 DiT weights in float32 (spec 2.8; any stored float dtype is converted on load).
/// The patch embedding's Conv3d weight [dim, in_dim, pt, ph, pw] is kept flat as a Linear [dim, in_dim·pt·ph·pw]
/// over tokens ordered (c, pt, ph, pw).
/// </summary>
public sealed class WanWeights
{
    public required WanConfig Config { get; init; }
    public required WanLinear PatchEmbedding { get; init; }
    public required WanLinear TextEmbedding0 { get; init; }
    public required WanLinear TextEmbedding2 { get; init; }
    public required WanLinear TimeEmbedding0 { get; init; }
    public required WanLinear TimeEmbedding2 { get; init; }
    /// <summary><c>time_projection.1</c>: dim → 6·dim.</summary>
    public required WanLinear TimeProjection { get; init; }
    /// <summary><c>head.modulation</c> [2, dim]: shift, scale.</summary>
    public required float[] HeadModulation { get; init; }
    /// <summary><c>head.head</c>: dim → pt·ph·pw·out_dim.</summary>
    public required WanLinear Head { get; init; }
    public required WanBlockWeights[] Blocks { get; init; }

    /// <summary>Reads every tensor the configuration calls for, checking each shape.</summary>
    /// <exception cref="ModelFileException">A tensor is missing or has the wrong shape (message names file and tensor).</exception>
    public static WanWeights Load(ITensorSource src, WanConfig cfg)
    {
        ArgumentNullException.ThrowIfNull(src); ArgumentNullException.ThrowIfNull(cfg);
        int d = cfg.Dim, pv = cfg.PatchSize.T * cfg.PatchSize.H * cfg.PatchSize.W;
        var peW = src.ReadFloat32("patch_embedding.weight", [d, cfg.InDim, cfg.PatchSize.T, cfg.PatchSize.H, cfg.PatchSize.W]);
        var blocks = new WanBlockWeights[cfg.NumLayers];
        for (int i = 0; i < blocks.Length; i++)
        {
            string p = $"blocks.{i}";
            blocks[i] = new WanBlockWeights
            {
                Modulation = src.ReadFloat32(p + ".modulation", [1, 6, d]),
                SelfAttn = WanAttentionWeights.Read(src, p + ".self_attn", d),
                CrossAttn = WanAttentionWeights.Read(src, p + ".cross_attn", d),
                Norm3Weight = src.ReadFloat32(p + ".norm3.weight", [d]),
                Norm3Bias = src.ReadFloat32(p + ".norm3.bias", [d]),
                Ffn0 = WanLinear.Read(src, p + ".ffn.0", d, cfg.FfnDim),
                Ffn2 = WanLinear.Read(src, p + ".ffn.2", cfg.FfnDim, d),
            };
        }
        return new WanWeights
        {
            Config = cfg,
            PatchEmbedding = new WanLinear("patch_embedding", cfg.InDim * pv, d, peW, src.ReadFloat32("patch_embedding.bias", [d])),
            TextEmbedding0 = WanLinear.Read(src, "text_embedding.0", cfg.TextDim, d),
            TextEmbedding2 = WanLinear.Read(src, "text_embedding.2", d, d),
            TimeEmbedding0 = WanLinear.Read(src, "time_embedding.0", cfg.FreqDim, d),
            TimeEmbedding2 = WanLinear.Read(src, "time_embedding.2", d, d),
            TimeProjection = WanLinear.Read(src, "time_projection.1", d, 6 * d),
            HeadModulation = src.ReadFloat32("head.modulation", [1, 2, d]),
            Head = WanLinear.Read(src, "head.head", d, pv * cfg.OutDim),
            Blocks = blocks,
        };
    }
}
