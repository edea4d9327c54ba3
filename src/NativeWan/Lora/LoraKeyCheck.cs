using NativeWan.IO;
using NativeWan.Numerics;

namespace NativeWan.Lora;

/// <summary>
/// Checks LoRA tensor names against ComfyUI's Wan key mapping (spec 7.2, CU <c>comfy/lora.py</c> @41444b52,
/// <c>comfy/lora_convert.py</c>): ComfyUI maps <c>diffusion_model.&lt;K&gt;</c>, <c>lora_unet_&lt;K_&gt;</c> and
/// <c>lora_prior_unet_&lt;K_&gt;</c> (K = a model weight name without <c>.weight</c>, K_ with <c>.</c>→<c>_</c>), and
/// <c>lora_unet__&lt;K_&gt;</c> only when the Wan-Fun marker key <c>lora_unet__blocks_0_cross_attn_k.lora_down.weight</c>
/// is present; pair suffixes <c>lora_up/lora_down</c>, <c>lora_B/lora_A</c>, <c>_lora.up/_lora.down</c>,
/// <c>.lora.up/.lora.down</c>, <c>.lora_linear_layer.up/down</c>, each <c>.weight</c>, plus <c>.alpha</c>.
/// Anything else is "lora key not loaded". Pair completeness and NativeWan's own limits are checked as well.
/// </summary>
public static class LoraKeyCheck
{
    const string WanFunMarker = "lora_unet__blocks_0_cross_attn_k.lora_down.weight";

    /// <summary>
    /// Problems with a LoRA file's tensor names; empty when ComfyUI would map every key to a Wan module and every
    /// module has both matrices.
    /// </summary>
    /// <param name="keys">All tensor names of the file.</param>
    /// <param name="modelModules">The model's module paths (<see cref="ModelModules"/>); null = any Wan 2.2 module name
    /// (any block index). Wan 2.1-only modules (k_img, v_img, img_emb) are then reported as unknown.</param>
    public static IReadOnlyList<LoraKeyProblem> Check(IEnumerable<string> keys, IReadOnlyCollection<string>? modelModules = null) =>
        CheckParsed(keys.Distinct(StringComparer.Ordinal).ToList(), modelModules, out _);

    /// <summary>
    /// <see cref="Check(IEnumerable{string}, IReadOnlyCollection{string}?)"/> plus tensor checks: float dtypes, down
    /// 2-D [rank, in], up 2-D [out, rank] with the same rank, alpha one element and, with <paramref name="model"/>, the
    /// model Linear's weight shape [out, in].
    /// </summary>
    public static IReadOnlyList<LoraKeyProblem> Check(ITensorSource lora, ITensorSource? model = null)
    {
        Dictionary<string, long[]>? shapes = null;
        if (model is not null)
        {
            shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
            foreach (var t in model.Tensors)
            {
                var n = LoraTargets.StripModelPrefix(t.Name);
                if (n.EndsWith(".weight", StringComparison.Ordinal)) shapes.TryAdd(n[..^".weight".Length], t.Shape);
            }
        }
        var problems = (List<LoraKeyProblem>)CheckParsed(lora.Tensors.Select(t => t.Name).ToList(), shapes?.Keys, out var parsed);
        var byModule = parsed.Where(p => p.ModulePath is not null).GroupBy(p => p.ModuleKey);
        foreach (var g in byModule)
        {
            TensorInfo? down = null, up = null;
            foreach (var p in g)
            {
                var t = lora.Get(p.Key);
                if (p.Role != LoraKeyRole.Unsupported && !t.DType.IsFloat())
                    problems.Add(new LoraKeyProblem(p.Key, LoraKeyProblemKind.BadDType, $"dtype {t.DType}, a float type is required"));
                if (p.Role == LoraKeyRole.Down) down = t;
                else if (p.Role == LoraKeyRole.Up) up = t;
                else if (p.Role == LoraKeyRole.Alpha && t.ElementCount != 1)
                    problems.Add(new LoraKeyProblem(p.Key, LoraKeyProblemKind.BadShape, $"alpha must hold one value, shape is {t.ShapeText}"));
            }
            if (down is not null && down.Shape.Length != 2)
                problems.Add(new LoraKeyProblem(down.Name, LoraKeyProblemKind.BadShape, $"down must be 2-D [rank, in], got {down.ShapeText}"));
            if (up is not null && up.Shape.Length != 2)
                problems.Add(new LoraKeyProblem(up.Name, LoraKeyProblemKind.BadShape, $"up must be 2-D [out, rank], got {up.ShapeText}"));
            if (down is { Shape.Length: 2 } && up is { Shape.Length: 2 } && up.Shape[1] != down.Shape[0])
                problems.Add(new LoraKeyProblem(up.Name, LoraKeyProblemKind.BadShape, $"up {up.ShapeText} does not match the rank of down {down.ShapeText}"));
            var path = g.First().ModulePath!;
            if (shapes is not null && shapes.TryGetValue(path, out var w))
            {
                if (w.Length != 2)
                    problems.Add(new LoraKeyProblem(g.First().Key, LoraKeyProblemKind.BadShape, $"model module '{path}' has a {w.Length}-D weight, not a Linear"));
                else
                {
                    if (down is { Shape.Length: 2 } && down.Shape[1] != w[1])
                        problems.Add(new LoraKeyProblem(down.Name, LoraKeyProblemKind.BadShape, $"down {down.ShapeText} needs in = {w[1]} (model weight [{w[0]}, {w[1]}])"));
                    if (up is { Shape.Length: 2 } && up.Shape[0] != w[0])
                        problems.Add(new LoraKeyProblem(up.Name, LoraKeyProblemKind.BadShape, $"up {up.ShapeText} needs out = {w[0]} (model weight [{w[0]}, {w[1]}])"));
                }
            }
        }
        return problems;
    }

    /// <summary>Module paths of a model file: every <c>….weight</c> name without the suffix, with an optional
    /// <c>model.diffusion_model.</c> / <c>diffusion_model.</c> prefix removed.</summary>
    public static IReadOnlySet<string> ModelModules(ITensorSource model)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in model.Tensors)
        {
            var n = LoraTargets.StripModelPrefix(t.Name);
            if (n.EndsWith(".weight", StringComparison.Ordinal)) set.Add(n[..^".weight".Length]);
        }
        return set;
    }

    static IReadOnlyList<LoraKeyProblem> CheckParsed(List<string> keys, IEnumerable<string>? modelModules, out List<ParsedLoraKey> parsed)
    {
        var parser = new LoraKeyParser(modelModules, includeWan21: true);
        bool noModel = modelModules is null;
        bool wanFun = keys.Contains(WanFunMarker);
        var problems = new List<LoraKeyProblem>();
        parsed = [];
        foreach (var key in keys)
        {
            var p = parser.Parse(key);
            if (p is null)
            {
                problems.Add(new LoraKeyProblem(key, LoraKeyProblemKind.NotLoraKey, "no LoRA suffix (lora_down/lora_up/lora_A/lora_B/alpha …); ComfyUI ignores it"));
                continue;
            }
            parsed.Add(p);
            if (p.ModulePath is null) { problems.Add(LoraFile.UnmappedProblem(p)); continue; }
            if (noModel && WanModulePaths.IsWan21Only(p.ModulePath))
            {
                problems.Add(new LoraKeyProblem(key, LoraKeyProblemKind.UnknownModule, $"module '{p.ModulePath}' exists only in Wan 2.1 I2V, not in Wan 2.2"));
                continue;
            }
            var comfy = ComfyRejection(p, wanFun);
            if (comfy is not null) problems.Add(new LoraKeyProblem(key, LoraKeyProblemKind.NotLoadedByComfy, comfy));
            if (p.Role == LoraKeyRole.Unsupported)
                problems.Add(new LoraKeyProblem(key, LoraKeyProblemKind.UnsupportedAdapter, $"'{p.Suffix}' is not part of a plain LoRA; NativeWan cannot load it"));
        }

        // pairs, per exact module key as ComfyUI looks them up
        foreach (var g in parsed.GroupBy(p => p.ModuleKey))
        {
            var downs = g.Where(p => p.Role == LoraKeyRole.Down).ToList();
            var ups = g.Where(p => p.Role == LoraKeyRole.Up).ToList();
            foreach (var u in ups)
                if (!downs.Any(d => d.Pair == u.Pair))
                    problems.Add(new LoraKeyProblem(u.Key, LoraKeyProblemKind.MissingDown, "up matrix without its down matrix (ComfyUI fails on it)"));
            foreach (var d in downs)
                if (!ups.Any(u => u.Pair == d.Pair))
                    problems.Add(new LoraKeyProblem(d.Key, LoraKeyProblemKind.MissingUp, "down matrix without its up matrix (ComfyUI ignores it)"));
            if (ups.Count > 1)
                foreach (var u in ups.Skip(1))
                    problems.Add(new LoraKeyProblem(u.Key, LoraKeyProblemKind.Duplicate, $"module key '{g.Key}' has more than one up matrix"));
            if (ups.Count == 0 && downs.Count == 0)
                foreach (var a in g.Where(p => p.Role == LoraKeyRole.Alpha))
                    problems.Add(new LoraKeyProblem(a.Key, LoraKeyProblemKind.AlphaWithoutPair, "alpha without lora_down/lora_up"));
        }

        // the same module under two different module keys
        foreach (var g in parsed.Where(p => p.ModulePath is not null && p.Role is LoraKeyRole.Down or LoraKeyRole.Up).GroupBy(p => p.ModulePath!))
        {
            var moduleKeys = g.Select(p => p.ModuleKey).Distinct(StringComparer.Ordinal).ToList();
            if (moduleKeys.Count < 2) continue;
            foreach (var p in g.Where(p => p.ModuleKey != moduleKeys[0]))
                problems.Add(new LoraKeyProblem(p.Key, LoraKeyProblemKind.Duplicate, $"module '{g.Key}' is also given as '{moduleKeys[0]}'"));
        }
        return problems;
    }

    /// <summary>Why ComfyUI (spec 7.2) would not map this key, or null when it would.</summary>
    static string? ComfyRejection(ParsedLoraKey p, bool wanFunConverted)
    {
        if (p.DiffusersNames) return "diffusers module names (attn1.to_q …) are not mapped for Wan by ComfyUI";
        switch (p.Naming)
        {
            case LoraNaming.Kohya or LoraNaming.KohyaPrior or LoraNaming.DiffusionModel: break;
            case LoraNaming.WanFun:
                if (!wanFunConverted) return $"'lora_unet__' names are converted only when '{WanFunMarker}' is present";
                break;
            default:
                return $"names of the form {LoraLayout.NamingText(p.Naming!.Value)} are not mapped by ComfyUI; use lora_unet_ or diffusion_model.";
        }
        if (p.Pair == LoraPairStyle.ABDefault) return "'.default.' (PEFT adapter name) keys are not loaded by ComfyUI; drop the '.default' segment";
        return null;
    }
}
