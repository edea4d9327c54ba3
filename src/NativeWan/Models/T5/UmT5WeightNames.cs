using NativeWan.IO;

namespace NativeWan.Models.T5;

/// <summary>
/// Maps the encoder's internal (official Wan) parameter names to the names a checkpoint actually uses
/// (spec §6.3): official <c>token_embedding.weight</c> / <c>blocks.N.attn.q.weight</c> …, or HF/ComfyUI
/// <c>shared.weight</c> / <c>encoder.block.N.layer.0.SelfAttention.q.weight</c> …, each under an optional prefix
/// (e.g. a bundled checkpoint's <c>text_encoders.umt5xxl.transformer.</c>).
/// </summary>
internal sealed class UmT5WeightNames
{
    // Block-relative official suffixes (the internal layout).
    internal const string AttnQ = "attn.q.weight", AttnK = "attn.k.weight", AttnV = "attn.v.weight", AttnO = "attn.o.weight";
    internal const string Norm1 = "norm1.weight", Norm2 = "norm2.weight";
    internal const string FfnGate = "ffn.gate.0.weight", FfnFc1 = "ffn.fc1.weight", FfnFc2 = "ffn.fc2.weight";
    internal const string PosEmbedding = "pos_embedding.embedding.weight";

    static readonly Dictionary<string, string> HfBlockSuffix = new()
    {
        [AttnQ] = "layer.0.SelfAttention.q.weight",
        [AttnK] = "layer.0.SelfAttention.k.weight",
        [AttnV] = "layer.0.SelfAttention.v.weight",
        [AttnO] = "layer.0.SelfAttention.o.weight",
        [PosEmbedding] = "layer.0.SelfAttention.relative_attention_bias.weight",
        [Norm1] = "layer.0.layer_norm.weight",
        [Norm2] = "layer.1.layer_norm.weight",
        [FfnGate] = "layer.1.DenseReluDense.wi_0.weight",
        [FfnFc1] = "layer.1.DenseReluDense.wi_1.weight",
        [FfnFc2] = "layer.1.DenseReluDense.wo.weight",
    };

    /// <summary>True for HF/ComfyUI naming, false for official Wan naming.</summary>
    public bool IsHf { get; }
    /// <summary>Prefix in front of every name ("" when none).</summary>
    public string Prefix { get; }
    /// <summary>Actual name of the token embedding.</summary>
    public string TokenEmbedding { get; }
    /// <summary>Actual name of the final norm weight.</summary>
    public string FinalNorm => Prefix + (IsHf ? "encoder.final_layer_norm.weight" : "norm.weight");

    UmT5WeightNames(bool hf, string prefix, string embedding) { IsHf = hf; Prefix = prefix; TokenEmbedding = embedding; }

    /// <summary>Actual name of block <paramref name="i"/>'s parameter given by its official suffix (e.g. <see cref="AttnQ"/>).</summary>
    public string Block(int i, string officialSuffix) =>
        IsHf ? $"{Prefix}encoder.block.{i}.{HfBlockSuffix[officialSuffix]}" : $"{Prefix}blocks.{i}.{officialSuffix}";

    /// <summary>The one bias table of a shared-position model: official top-level <c>pos_embedding</c>, or HF block 0's.</summary>
    public string SharedPositionTable(ITensorSource src)
    {
        var official = Prefix + "pos_embedding.embedding.weight";
        if (!IsHf && src.Contains(official)) return official;
        return Block(0, PosEmbedding);
    }

    /// <summary>Finds the naming scheme and prefix from the token embedding, checking that block 0 exists next to it.</summary>
    /// <exception cref="ModelFileException">No (um)T5 encoder in the file.</exception>
    public static UmT5WeightNames Detect(ITensorSource src)
    {
        var candidates = new (string suffix, bool hf)[]
        {
            ("token_embedding.weight", false), ("shared.weight", true), ("encoder.embed_tokens.weight", true),
        };
        // Exact names first, then the same names under a prefix.
        foreach (bool prefixed in new[] { false, true })
            foreach (var t in src.Tensors)
                foreach (var (suffix, hf) in candidates)
                {
                    if (!t.Name.EndsWith(suffix, StringComparison.Ordinal)) continue;
                    var prefix = t.Name[..^suffix.Length];
                    if (prefixed ? prefix.Length == 0 || !prefix.EndsWith('.') : prefix.Length != 0) continue;
                    var names = new UmT5WeightNames(hf, prefix, t.Name);
                    if (src.Contains(names.Block(0, AttnQ))) return names;
                }
        throw new ModelFileException(src.SourcePath, null,
            "no T5 encoder found: expected 'token_embedding.weight' + 'blocks.0.attn.q.weight' (official) or " +
            "'shared.weight' + 'encoder.block.0.layer.0.SelfAttention.q.weight' (HF/ComfyUI), optionally under a prefix");
    }
}
