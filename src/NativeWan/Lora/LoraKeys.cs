namespace NativeWan.Lora;

/// <summary>Tensor names of a LoRA module in the layouts NativeWan writes (spec 7.1 / 7.2).</summary>
public static class LoraKeys
{
    /// <summary>The per-module key stem: <c>lora_unet_blocks_0_self_attn_q</c> (musubi) or
    /// <c>diffusion_model.blocks.0.self_attn.q</c> (comfy).</summary>
    public static string ModuleKey(string modulePath, LoraFormat format) => format switch
    {
        LoraFormat.Musubi => "lora_unet_" + WanModulePaths.ToUnderscored(modulePath),
        LoraFormat.Comfy => "diffusion_model." + modulePath,
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "unknown LoRA format"),
    };

    /// <summary>Name of the down matrix [rank, in]: <c>….lora_down.weight</c> / <c>….lora_A.weight</c>.</summary>
    public static string Down(string modulePath, LoraFormat format) =>
        ModuleKey(modulePath, format) + (format == LoraFormat.Musubi ? ".lora_down.weight" : ".lora_A.weight");

    /// <summary>Name of the up matrix [out, rank]: <c>….lora_up.weight</c> / <c>….lora_B.weight</c>.</summary>
    public static string Up(string modulePath, LoraFormat format) =>
        ModuleKey(modulePath, format) + (format == LoraFormat.Musubi ? ".lora_up.weight" : ".lora_B.weight");

    /// <summary>Name of the 0-d alpha scalar: <c>….alpha</c>.</summary>
    public static string Alpha(string modulePath, LoraFormat format) => ModuleKey(modulePath, format) + ".alpha";
}

/// <summary>What a LoRA tensor is for.</summary>
internal enum LoraKeyRole { Down, Up, Alpha, Unsupported }

/// <summary>One parsed LoRA tensor name.</summary>
/// <param name="Key">Full tensor name.</param>
/// <param name="ModuleKey">The name without its suffix (ComfyUI's per-module key <c>x</c>).</param>
/// <param name="Role">Down, Up, Alpha, or an adapter part NativeWan does not load.</param>
/// <param name="Pair">Suffix style for Down/Up.</param>
/// <param name="Suffix">The matched suffix, e.g. <c>.lora_down.weight</c>.</param>
/// <param name="Naming">Module-name form, null when the prefix is not a recognised one.</param>
/// <param name="DiffusersNames">Module name was a diffusers name (spec 2.10).</param>
/// <param name="CandidatePath">Dotted module path the name decodes to (may be unknown to the model); null if none.</param>
/// <param name="ModulePath">CandidatePath when it is a known module of the model, else null.</param>
internal sealed record ParsedLoraKey(string Key, string ModuleKey, LoraKeyRole Role, LoraPairStyle? Pair, string Suffix,
    LoraNaming? Naming, bool DiffusersNames, string? CandidatePath, string? ModulePath)
{
    public LoraLayout? Layout => Naming is { } n && Pair is { } p ? new LoraLayout(n, p, DiffusersNames) : null;
}

/// <summary>
/// Decodes LoRA tensor names in every form ComfyUI accepts for Wan (spec 7.2) plus common trainer outputs
/// (DiffSynth <c>.default.</c>, <c>transformer.</c>/diffusers names, PEFT, <c>model.diffusion_model.</c>).
/// </summary>
internal sealed class LoraKeyParser
{
    static readonly (string Suffix, LoraKeyRole Role, LoraPairStyle? Pair)[] Suffixes =
    [
        (".lora_down.weight", LoraKeyRole.Down, LoraPairStyle.DownUp),
        (".lora_up.weight", LoraKeyRole.Up, LoraPairStyle.DownUp),
        (".lora_A.default.weight", LoraKeyRole.Down, LoraPairStyle.ABDefault),
        (".lora_B.default.weight", LoraKeyRole.Up, LoraPairStyle.ABDefault),
        (".lora_A.weight", LoraKeyRole.Down, LoraPairStyle.AB),
        (".lora_B.weight", LoraKeyRole.Up, LoraPairStyle.AB),
        ("_lora.down.weight", LoraKeyRole.Down, LoraPairStyle.DiffusersUnderscore),
        ("_lora.up.weight", LoraKeyRole.Up, LoraPairStyle.DiffusersUnderscore),
        (".lora.down.weight", LoraKeyRole.Down, LoraPairStyle.DotLora),
        (".lora.up.weight", LoraKeyRole.Up, LoraPairStyle.DotLora),
        (".lora_linear_layer.down.weight", LoraKeyRole.Down, LoraPairStyle.LinearLayer),
        (".lora_linear_layer.up.weight", LoraKeyRole.Up, LoraPairStyle.LinearLayer),
        (".alpha", LoraKeyRole.Alpha, null),
        // adapter parts ComfyUI understands but a plain LoRA network cannot represent (spec 7.2)
        (".lora_mid.weight", LoraKeyRole.Unsupported, null), (".dora_scale", LoraKeyRole.Unsupported, null),
        (".reshape_weight", LoraKeyRole.Unsupported, null),
        (".hada_w1_a", LoraKeyRole.Unsupported, null), (".hada_w1_b", LoraKeyRole.Unsupported, null),
        (".hada_w2_a", LoraKeyRole.Unsupported, null), (".hada_w2_b", LoraKeyRole.Unsupported, null),
        (".hada_t1", LoraKeyRole.Unsupported, null), (".hada_t2", LoraKeyRole.Unsupported, null),
        (".lokr_w1", LoraKeyRole.Unsupported, null), (".lokr_w2", LoraKeyRole.Unsupported, null),
        (".lokr_w1_a", LoraKeyRole.Unsupported, null), (".lokr_w1_b", LoraKeyRole.Unsupported, null),
        (".lokr_w2_a", LoraKeyRole.Unsupported, null), (".lokr_w2_b", LoraKeyRole.Unsupported, null),
        (".lokr_t2", LoraKeyRole.Unsupported, null),
        (".a1.weight", LoraKeyRole.Unsupported, null), (".a2.weight", LoraKeyRole.Unsupported, null),
        (".b1.weight", LoraKeyRole.Unsupported, null), (".b2.weight", LoraKeyRole.Unsupported, null),
        (".w_norm", LoraKeyRole.Unsupported, null), (".b_norm", LoraKeyRole.Unsupported, null),
        (".diff", LoraKeyRole.Unsupported, null), (".diff_b", LoraKeyRole.Unsupported, null),
        (".set_weight", LoraKeyRole.Unsupported, null),
    ];

    static readonly (string Prefix, LoraNaming Naming)[] UnderscorePrefixes =
    [
        ("lora_unet__", LoraNaming.WanFun), ("lora_unet_", LoraNaming.Kohya),
        ("lora_prior_unet_", LoraNaming.KohyaPrior), ("lycoris_", LoraNaming.Lycoris),
    ];

    static readonly (string Prefix, LoraNaming Naming)[] DottedPrefixes =
    [
        ("model.diffusion_model.", LoraNaming.ModelDiffusionModel), ("diffusion_model.", LoraNaming.DiffusionModel),
        ("base_model.model.", LoraNaming.Peft), ("transformer.", LoraNaming.Transformer),
    ];

    /// <summary>First segments a bare dotted module path may start with.</summary>
    static readonly HashSet<string> BareRoots = new(StringComparer.Ordinal)
    {
        "blocks", "patch_embedding", "text_embedding", "time_embedding", "time_projection", "head", "img_emb",
        "condition_embedder", "proj_out",
    };

    readonly HashSet<string>? _modelModules;
    readonly Dictionary<string, string>? _underscored;
    readonly bool _includeWan21;

    /// <param name="modelModules">Exact module paths of the target model (weight names without <c>.weight</c>);
    /// null to accept every Wan module name (<see cref="WanModulePaths.IsWanModule"/>).</param>
    /// <param name="includeWan21">Without a model: also accept Wan 2.1 I2V-only modules.</param>
    public LoraKeyParser(IEnumerable<string>? modelModules, bool includeWan21)
    {
        _includeWan21 = includeWan21;
        if (modelModules is null) return;
        _modelModules = new HashSet<string>(modelModules, StringComparer.Ordinal);
        _underscored = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var m in _modelModules) _underscored.TryAdd(WanModulePaths.ToUnderscored(m), m);
    }

    public bool IsKnown(string path) => _modelModules?.Contains(path) ?? WanModulePaths.IsWanModule(path, _includeWan21);

    /// <summary>Parses a tensor name; null when it has no LoRA suffix at all (not a LoRA tensor).</summary>
    public ParsedLoraKey? Parse(string key)
    {
        foreach (var (suffix, role, pair) in Suffixes)
        {
            if (!key.EndsWith(suffix, StringComparison.Ordinal) || key.Length == suffix.Length) continue;
            var moduleKey = key[..^suffix.Length];
            var (naming, diffusers, candidate) = DecodeModule(moduleKey);
            var path = candidate is not null && IsKnown(candidate) ? candidate : null;
            return new ParsedLoraKey(key, moduleKey, role, pair, suffix, naming, diffusers, candidate, path);
        }
        return null;
    }

    (LoraNaming? Naming, bool Diffusers, string? Candidate) DecodeModule(string moduleKey)
    {
        foreach (var (prefix, naming) in UnderscorePrefixes)
        {
            if (!moduleKey.StartsWith(prefix, StringComparison.Ordinal)) continue;
            var rest = moduleKey[prefix.Length..];
            if (_underscored is not null)
                return (naming, false, _underscored.TryGetValue(rest, out var p) ? p : null);
            return (naming, false, WanModulePaths.TryFromUnderscored(rest, null, out var q) ? q : null);
        }
        LoraNaming dotted = LoraNaming.Bare;
        var name = moduleKey;
        foreach (var (prefix, naming) in DottedPrefixes)
        {
            if (!moduleKey.StartsWith(prefix, StringComparison.Ordinal)) continue;
            dotted = naming;
            name = moduleKey[prefix.Length..];
            break;
        }
        if (dotted == LoraNaming.Bare)
        {
            int dot = name.IndexOf('.');
            if (!BareRoots.Contains(dot < 0 ? name : name[..dot])) return (null, false, null);
        }
        if (!IsKnown(name) && WanModulePaths.TryFromDiffusers(name, out var original)) return (dotted, true, original);
        return (dotted, false, name);
    }
}
