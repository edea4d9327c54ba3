using System.Text.Json;
using NativeWan.IO;

namespace NativeWan.Models.Wan;

/// <summary>Wan 2.2 DiT variant, decided by the patch embedding's input channels (spec 1.1).</summary>
public enum WanModelType
{
    /// <summary>Text-to-video A14B expert: in_dim = out_dim (16).</summary>
    T2V,
    /// <summary>Image-to-video A14B expert: in_dim = out_dim + 20 (16 noisy + 4 mask + 16 image latent).</summary>
    I2V,
    /// <summary>TI2V-5B: in_dim = out_dim = 48 (Wan 2.2 VAE latents).</summary>
    TI2V,
}

/// <summary>
/// Hyper-parameters of a Wan 2.2 DiT (spec 1.1, 2.8). <see cref="FromWeights"/> derives them from tensor shapes;
/// the head count and the text length are not visible in the weights and come from the file's <c>config</c>
/// metadata when present, else from arguments or the Wan defaults (head_dim 128, text_len 512).
/// </summary>
public sealed record WanConfig
{
    public required WanModelType ModelType { get; init; }
    /// <summary>Model width (5120 A14B, 3072 5B).</summary>
    public required int Dim { get; init; }
    /// <summary>FFN hidden width.</summary>
    public required int FfnDim { get; init; }
    /// <summary>Patch-embedding input channels (latent + I2V conditioning).</summary>
    public required int InDim { get; init; }
    /// <summary>Predicted latent channels.</summary>
    public required int OutDim { get; init; }
    public required int NumLayers { get; init; }
    public required int NumHeads { get; init; }
    /// <summary>Text-encoder width (4096 for umT5-XXL).</summary>
    public required int TextDim { get; init; }
    /// <summary>Sinusoid size (256).</summary>
    public required int FreqDim { get; init; }
    /// <summary>Rows the text context is zero-padded to before <c>text_embedding</c> (512).</summary>
    public required int TextLen { get; init; }
    /// <summary>Patch size (t, h, w), (1, 2, 2) in every Wan 2.2 model.</summary>
    public required (int T, int H, int W) PatchSize { get; init; }
    /// <summary>Epsilon of every norm (1e-6).</summary>
    public float Eps { get; init; } = 1e-6f;

    /// <summary>Dim / NumHeads.</summary>
    public int HeadDim => Dim / NumHeads;
    /// <summary>Channels of the I2V conditioning <c>y</c> (InDim − OutDim; 0 for T2V/TI2V).</summary>
    public int CondChannels => InDim - OutDim;

    /// <summary>
    /// Reads the configuration from official tensor names and shapes (spec 2.8): dim and in_dim from
    /// <c>patch_embedding.weight</c> [dim, in_dim, pt, ph, pw], out_dim from <c>head.head.weight</c>
    /// [pt·ph·pw·out_dim, dim], ffn_dim from <c>blocks.0.ffn.0.weight</c>, text_dim from <c>text_embedding.0.weight</c>,
    /// freq_dim from <c>time_embedding.0.weight</c>, layers by counting <c>blocks.N.modulation</c>.
    /// </summary>
    /// <param name="src">Weights with official (bare) names.</param>
    /// <param name="headDim">Head size; when null, <c>num_heads</c> of the <c>config</c> metadata JSON is used if present,
    /// else 128 (every released Wan 2.2 model).</param>
    /// <param name="textLen">Text length; when null, <c>text_len</c> of the <c>config</c> metadata, else 512.</param>
    /// <exception cref="ModelFileException">A required tensor is missing or its shape is inconsistent, the head size
    /// does not divide dim, or in_dim/out_dim match no Wan 2.2 variant.</exception>
    /// <exception cref="ArgumentException"><paramref name="textLen"/> is not positive.</exception>
    public static WanConfig FromWeights(ITensorSource src, int? headDim = null, int? textLen = null)
    {
        ArgumentNullException.ThrowIfNull(src);
        var pe = Shape(src, "patch_embedding.weight", 5);
        int dim = (int)pe[0], inDim = (int)pe[1];
        (int T, int H, int W) patch = ((int)pe[2], (int)pe[3], (int)pe[4]);
        int pv = patch.T * patch.H * patch.W;
        var hh = Shape(src, "head.head.weight", 2);
        if (hh[1] != dim || hh[0] % pv != 0)
            throw new ModelFileException(src.SourcePath, "head.head.weight", $"shape [{hh[0]}, {hh[1]}] does not fit dim {dim} and patch volume {pv}");
        int outDim = (int)(hh[0] / pv);
        var f0 = Shape(src, "blocks.0.ffn.0.weight", 2);
        var te = Shape(src, "text_embedding.0.weight", 2);
        var tm = Shape(src, "time_embedding.0.weight", 2);
        if (f0[1] != dim) throw new ModelFileException(src.SourcePath, "blocks.0.ffn.0.weight", $"input width {f0[1]} differs from dim {dim}");
        if (te[0] != dim) throw new ModelFileException(src.SourcePath, "text_embedding.0.weight", $"output width {te[0]} differs from dim {dim}");
        if (tm[0] != dim) throw new ModelFileException(src.SourcePath, "time_embedding.0.weight", $"output width {tm[0]} differs from dim {dim}");
        int layers = 0;
        while (src.Contains($"blocks.{layers}.modulation")) layers++;

        WanModelType type;
        if (inDim == outDim + 20) type = WanModelType.I2V;
        else if (inDim == outDim) type = outDim == 48 ? WanModelType.TI2V : WanModelType.T2V;
        else throw new ModelFileException(src.SourcePath, "patch_embedding.weight", $"in_dim {inDim} with out_dim {outDim} matches no Wan 2.2 variant (t2v: equal, i2v: out + 20)");

        // Optional hyper-parameters from a 'config' metadata JSON object (the golden files carry one); anything else
        // stored under that key is ignored.
        JsonElement? meta = null;
        if (src.Metadata.TryGetValue("config", out var json))
        {
            try
            {
                var root = JsonDocument.Parse(json).RootElement;
                if (root.ValueKind == JsonValueKind.Object) meta = root;
            }
            catch (JsonException) { }
        }
        int heads;
        if (headDim is int hd)
        {
            if (hd <= 0 || dim % hd != 0) throw new ModelFileException(src.SourcePath, null, $"head size {hd} does not divide dim {dim}");
            heads = dim / hd;
        }
        else if (meta is { } m1 && m1.TryGetProperty("num_heads", out var nh) && nh.TryGetInt32(out var n)) heads = n;
        else heads = dim / 128;
        if (heads <= 0 || dim % heads != 0) throw new ModelFileException(src.SourcePath, null, $"{heads} heads do not divide dim {dim}");
        int tl = textLen ?? (meta is { } m2 && m2.TryGetProperty("text_len", out var tlj) && tlj.TryGetInt32(out var t) ? t : 512);
        if (tl <= 0) throw new ArgumentException($"text length must be positive (got {tl})", nameof(textLen));

        return new WanConfig
        {
            ModelType = type, Dim = dim, FfnDim = (int)f0[0], InDim = inDim, OutDim = outDim, NumLayers = layers,
            NumHeads = heads, TextDim = (int)te[1], FreqDim = (int)tm[1], TextLen = tl, PatchSize = patch,
        };
    }

    /// <summary>
    /// Checks one step's inputs against this model (shared by the CPU reference and the CUDA path): the latent has
    /// <see cref="OutDim"/> channels and whole patches, y has <see cref="CondChannels"/> × F × H × W elements (none for
    /// T2V), the context is [rows, text_dim] with 1 ≤ rows ≤ <see cref="TextLen"/>. Returns the context rows.
    /// </summary>
    /// <exception cref="ArgumentException">The first input that does not fit, with what was expected.</exception>
    public int ValidateInputs(LatentShape shape, ReadOnlySpan<float> context, ReadOnlySpan<float> cond)
    {
        if (shape.Channels + CondChannels != InDim || shape.Channels != OutDim)
            throw new ArgumentException($"latent has {shape.Channels} channels; this {ModelType} model takes {OutDim}", nameof(shape));
        var (pt, ph, pw) = PatchSize;
        if (shape.Frames % pt != 0 || shape.Height % ph != 0 || shape.Width % pw != 0)
            throw new ArgumentException($"latent {shape} is not a whole number of ({pt}, {ph}, {pw}) patches", nameof(shape));
        long condNeed = (long)CondChannels * shape.Frames * shape.Height * shape.Width;
        if (cond.Length != condNeed)
            throw new ArgumentException(CondChannels == 0
                ? $"this {ModelType} model takes no conditioning y, got {cond.Length} elements"
                : $"the {ModelType} model needs y [{CondChannels}, {shape.Frames}, {shape.Height}, {shape.Width}] ({condNeed} elements), got {cond.Length}", nameof(cond));
        if (context.Length % TextDim != 0 || context.Length == 0)
            throw new ArgumentException($"context has {context.Length} elements, not a positive multiple of text_dim {TextDim}", nameof(context));
        int rows = context.Length / TextDim;
        if (rows > TextLen) throw new ArgumentException($"context has {rows} rows, more than text_len {TextLen}", nameof(context));
        return rows;
    }

    static long[] Shape(ITensorSource src, string name, int rank)
    {
        var s = src.Get(name).Shape;
        if (s.Length != rank) throw new ModelFileException(src.SourcePath, name, $"expected {rank} dimensions, got [{string.Join(", ", s)}]");
        return s;
    }
}
