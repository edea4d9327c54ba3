using NativeWan.IO;

namespace NativeWan.Lora;

/// <summary>
/// Which Linears of a Wan DiT get a LoRA adapter (spec 7.1, MT <c>networks/lora_wan.py</c> + <c>networks/lora.py</c>):
/// every Linear inside a <c>WanAttentionBlock</c> (<c>blocks.{i}.*</c>), minus module paths fully matching
/// <see cref="DefaultExcludePattern"/> or a user exclude pattern, plus excluded ones rescued by an include pattern.
/// For Wan 2.2 that is <c>self_attn.{q,k,v,o}</c>, <c>cross_attn.{q,k,v,o}</c>, <c>ffn.0</c>, <c>ffn.2</c> per block.
/// </summary>
public static class LoraTargets
{
    /// <summary>musubi's built-in Wan exclude pattern, always applied after the user's (MT <c>lora_wan.py</c>).</summary>
    public const string DefaultExcludePattern = @".*(patch_embedding|text_embedding|time_embedding|time_projection|norm|head).*";

    /// <summary>Model-file name prefixes stripped before reading module paths (spec 2.9).</summary>
    static readonly string[] ModelPrefixes = ["model.diffusion_model.", "diffusion_model."];

    /// <summary>
    /// Targets from a DiT's weights: every 2-D tensor named <c>blocks.{i}.….weight</c> is a Linear [out, in] (norm
    /// weights are 1-D, <c>modulation</c> is 3-D and not a <c>.weight</c>; Wan blocks hold no Conv). Names may carry a
    /// <c>model.diffusion_model.</c> or <c>diffusion_model.</c> prefix. Any dtype (fp8 included): only shapes are read.
    /// </summary>
    /// <returns>Selected targets in canonical order (<see cref="WanModulePaths.Comparer"/>).</returns>
    /// <exception cref="ModelFileException">A Linear dimension exceeds int range, or the same module appears twice.</exception>
    /// <exception cref="ArgumentException">An invalid user pattern.</exception>
    public static IReadOnlyList<LoraTarget> FromWeights(ITensorSource weights, LoraTargetOptions? options = null)
    {
        var linears = new List<LoraTarget>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in weights.Tensors)
        {
            var name = StripModelPrefix(t.Name);
            if (t.Shape.Length != 2 || !name.EndsWith(".weight", StringComparison.Ordinal)) continue;
            var path = name[..^".weight".Length];
            if (!WanModulePaths.TrySplitBlock(path, out _, out _)) continue;
            if (t.Shape[0] > int.MaxValue || t.Shape[1] > int.MaxValue || t.Shape[0] <= 0 || t.Shape[1] <= 0)
                throw new ModelFileException(weights.SourcePath, t.Name, $"Linear weight shape {t.ShapeText} is not usable");
            if (!seen.Add(path)) throw new ModelFileException(weights.SourcePath, t.Name, $"module '{path}' appears twice (with and without prefix?)");
            linears.Add(new LoraTarget(path, (int)t.Shape[1], (int)t.Shape[0]));
        }
        return Select(linears, options);
    }

    /// <summary>
    /// Targets from a list of the model's Linears (module path, in, out). Linears outside <c>blocks.{i}.</c> are never
    /// targets (musubi only searches <c>WanAttentionBlock</c> modules); the rest are filtered as described on the class.
    /// </summary>
    /// <exception cref="ArgumentException">Duplicate path, non-positive size, or an invalid user pattern.</exception>
    public static IReadOnlyList<LoraTarget> FromLinears(IEnumerable<LoraTarget> linears, LoraTargetOptions? options = null)
    {
        var list = new List<LoraTarget>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var l in linears)
        {
            if (l.In <= 0 || l.Out <= 0) throw new ArgumentException($"Linear '{l.ModulePath}': sizes must be positive ({l.In}, {l.Out})");
            if (!seen.Add(l.ModulePath)) throw new ArgumentException($"Linear '{l.ModulePath}' listed twice");
            if (WanModulePaths.TrySplitBlock(l.ModulePath, out _, out _)) list.Add(l);
        }
        return Select(list, options);
    }

    /// <summary>Tuple overload of <see cref="FromLinears(IEnumerable{LoraTarget}, LoraTargetOptions?)"/>.</summary>
    public static IReadOnlyList<LoraTarget> FromLinears(IEnumerable<(string ModulePath, int In, int Out)> linears, LoraTargetOptions? options = null) =>
        FromLinears(linears.Select(l => new LoraTarget(l.ModulePath, l.In, l.Out)), options);

    /// <summary>A compiled filter for <paramref name="options"/>; true when musubi would keep <c>modulePath</c>.</summary>
    /// <exception cref="ArgumentException">An invalid pattern (named in the message).</exception>
    public static Func<string, bool> CreateFilter(LoraTargetOptions? options)
    {
        options ??= new LoraTargetOptions();
        var exclude = options.ExcludePatterns.Append(DefaultExcludePattern).Select(PythonLiteral.CompileFullMatch).ToArray();
        var include = options.IncludePatterns.Select(PythonLiteral.CompileFullMatch).ToArray();
        return path => !exclude.Any(r => r.IsMatch(path)) || include.Any(r => r.IsMatch(path));
    }

    static List<LoraTarget> Select(List<LoraTarget> candidates, LoraTargetOptions? options)
    {
        var keep = CreateFilter(options);
        var result = candidates.Where(c => keep(c.ModulePath)).ToList();
        result.Sort((a, b) => WanModulePaths.Comparer.Compare(a.ModulePath, b.ModulePath));
        return result;
    }

    internal static string StripModelPrefix(string name)
    {
        foreach (var p in ModelPrefixes)
            if (name.StartsWith(p, StringComparison.Ordinal)) return name[p.Length..];
        return name;
    }
}
