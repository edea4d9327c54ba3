namespace NativeWan.Lora;

/// <summary>Layouts <see cref="LoraFile.Save"/> writes (both load in ComfyUI, spec 7.2).</summary>
public enum LoraFormat
{
    /// <summary>musubi-tuner / kohya: <c>lora_unet_blocks_0_self_attn_q.lora_down.weight</c> [rank, in],
    /// <c>.lora_up.weight</c> [out, rank], <c>.alpha</c> 0-d float32 (spec 7.1).</summary>
    Musubi,
    /// <summary>ComfyUI generic: <c>diffusion_model.blocks.0.self_attn.q.lora_A.weight</c> (= down),
    /// <c>.lora_B.weight</c> (= up), <c>.alpha</c> 0-d float32 (spec 7.2 form 1).</summary>
    Comfy,
}

/// <summary>How a LoRA file names the target module (the part before the weight suffix).</summary>
public enum LoraNaming
{
    /// <summary><c>lora_unet_</c> + path with <c>.</c>→<c>_</c> (musubi / kohya; ComfyUI form 2).</summary>
    Kohya,
    /// <summary><c>lora_prior_unet_</c> + underscored path (ComfyUI form 3).</summary>
    KohyaPrior,
    /// <summary><c>lora_unet__</c> + underscored path (Wan-Fun; ComfyUI form 4, converted by <c>convert_lora_wan_fun</c>).</summary>
    WanFun,
    /// <summary><c>lycoris_</c> + underscored path (SimpleTuner); not mapped for Wan by the ComfyUI version in spec 7.2.</summary>
    Lycoris,
    /// <summary><c>diffusion_model.</c> + dotted path (ComfyUI form 1; ai-toolkit, diffusion-pipe, musubi convert_lora).</summary>
    DiffusionModel,
    /// <summary><c>model.diffusion_model.</c> + dotted path (checkpoint-style prefix; not mapped by ComfyUI for LoRAs).</summary>
    ModelDiffusionModel,
    /// <summary><c>transformer.</c> + dotted path, usually diffusers names (not mapped for Wan by ComfyUI, spec 7.2).</summary>
    Transformer,
    /// <summary><c>base_model.model.</c> + dotted path (raw PEFT; not mapped for Wan by ComfyUI).</summary>
    Peft,
    /// <summary>Bare dotted path such as <c>blocks.0.self_attn.q</c> (DiffSynth-Studio; not mapped by ComfyUI).</summary>
    Bare,
}

/// <summary>How the two LoRA matrices of a module are suffixed.</summary>
public enum LoraPairStyle
{
    /// <summary><c>.lora_down.weight</c> / <c>.lora_up.weight</c>.</summary>
    DownUp,
    /// <summary><c>.lora_A.weight</c> / <c>.lora_B.weight</c> (PEFT / diffusers; A = down).</summary>
    AB,
    /// <summary><c>.lora_A.default.weight</c> / <c>.lora_B.default.weight</c> (PEFT adapter "default", DiffSynth;
    /// not loaded by ComfyUI).</summary>
    ABDefault,
    /// <summary><c>_lora.down.weight</c> / <c>_lora.up.weight</c> (old diffusers attention processors).</summary>
    DiffusersUnderscore,
    /// <summary><c>.lora.down.weight</c> / <c>.lora.up.weight</c>.</summary>
    DotLora,
    /// <summary><c>.lora_linear_layer.down.weight</c> / <c>.lora_linear_layer.up.weight</c> (transformers).</summary>
    LinearLayer,
}

/// <summary>The detected key layout of (part of) a LoRA file.</summary>
/// <param name="Naming">Module-name form.</param>
/// <param name="Pair">Weight-suffix form.</param>
/// <param name="DiffusersNames">True when module names are diffusers ones (<c>attn1.to_q</c> …), mapped by spec 2.10.</param>
public sealed record LoraLayout(LoraNaming Naming, LoraPairStyle Pair, bool DiffusersNames = false)
{
    /// <summary>The save format this layout is exactly, or null.</summary>
    public LoraFormat? SaveFormat =>
        DiffusersNames ? null
        : Naming == LoraNaming.Kohya && Pair == LoraPairStyle.DownUp ? LoraFormat.Musubi
        : Naming == LoraNaming.DiffusionModel && Pair == LoraPairStyle.AB ? LoraFormat.Comfy
        : null;

    /// <summary>Short human-readable name: "musubi", "comfy", or e.g. "diffusion_model.* lora_down/lora_up".</summary>
    public string Name => SaveFormat switch
    {
        LoraFormat.Musubi => "musubi",
        LoraFormat.Comfy => "comfy",
        _ => $"{NamingText(Naming)}{(DiffusersNames ? " (diffusers names)" : "")} {PairText(Pair)}",
    };

    /// <inheritdoc/>
    public override string ToString() => Name;

    internal static string NamingText(LoraNaming n) => n switch
    {
        LoraNaming.Kohya => "lora_unet_*",
        LoraNaming.KohyaPrior => "lora_prior_unet_*",
        LoraNaming.WanFun => "lora_unet__* (Wan-Fun)",
        LoraNaming.Lycoris => "lycoris_*",
        LoraNaming.DiffusionModel => "diffusion_model.*",
        LoraNaming.ModelDiffusionModel => "model.diffusion_model.*",
        LoraNaming.Transformer => "transformer.*",
        LoraNaming.Peft => "base_model.model.*",
        _ => "bare blocks.* (DiffSynth)",
    };

    static string PairText(LoraPairStyle p) => p switch
    {
        LoraPairStyle.DownUp => "lora_down/lora_up",
        LoraPairStyle.AB => "lora_A/lora_B",
        LoraPairStyle.ABDefault => "lora_A.default/lora_B.default",
        LoraPairStyle.DiffusersUnderscore => "_lora.down/_lora.up",
        LoraPairStyle.DotLora => "lora.down/lora.up",
        _ => "lora_linear_layer.down/up",
    };
}
