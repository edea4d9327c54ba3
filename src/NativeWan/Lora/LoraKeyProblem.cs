namespace NativeWan.Lora;

/// <summary>Kinds of problems <see cref="LoraKeyCheck"/> and <see cref="LoraFile.Load(IO.ITensorSource, LoraLoadOptions?)"/> report.</summary>
public enum LoraKeyProblemKind
{
    /// <summary>The tensor name has no LoRA suffix (ComfyUI: "lora key not loaded").</summary>
    NotLoraKey,
    /// <summary>The module-name prefix is not one ComfyUI or NativeWan maps (e.g. <c>grad.lora_unet_…</c>).</summary>
    UnknownPrefix,
    /// <summary>The name decodes to no module of the (Wan 2.2) model, e.g. <c>cross_attn.k_img</c> or a bad block index.</summary>
    UnknownModule,
    /// <summary>NativeWan reads it, but ComfyUI (spec 7.2) would not map it: <c>.default.</c> keys, <c>transformer.</c>,
    /// bare <c>blocks.</c>, diffusers names, <c>model.diffusion_model.</c>, …</summary>
    NotLoadedByComfy,
    /// <summary>An up matrix without its down matrix (ComfyUI fails with a KeyError).</summary>
    MissingDown,
    /// <summary>A down matrix without its up matrix (ignored by ComfyUI).</summary>
    MissingUp,
    /// <summary>An alpha with neither matrix.</summary>
    AlphaWithoutPair,
    /// <summary>The same module given twice (two prefixes or two suffix styles).</summary>
    Duplicate,
    /// <summary>LoHa/LoKr/GLoRA/DoRA/diff/lora_mid parts, which a plain LoRA network cannot represent.</summary>
    UnsupportedAdapter,
    /// <summary>Wrong tensor rank, rank mismatch between down and up, alpha not a scalar, or shape ≠ the model's Linear.</summary>
    BadShape,
    /// <summary>Not a floating-point tensor.</summary>
    BadDType,
}

/// <summary>One problem with one tensor name of a LoRA file.</summary>
public sealed record LoraKeyProblem(string Key, LoraKeyProblemKind Kind, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Key}: {Kind}: {Message}";
}
