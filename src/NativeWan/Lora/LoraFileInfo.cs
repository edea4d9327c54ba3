using NativeWan.IO;
using NativeWan.Numerics;

namespace NativeWan.Lora;

/// <summary>
/// Summary of a LoRA file for <c>nativewan inspect</c>, computed from tensor names and shapes plus the alpha scalars
/// (the matrices are not read).
/// </summary>
/// <param name="Format">Layout name(s) of the complete modules ("musubi", "comfy", …; several joined with " + ").</param>
/// <param name="Layouts">The distinct layouts.</param>
/// <param name="ModuleCount">Modules with both matrices that map to a Wan module.</param>
/// <param name="BlockCount">Distinct transformer blocks those modules are in.</param>
/// <param name="Ranks">Distinct ranks (rows of down), ascending.</param>
/// <param name="Alphas">Distinct stored alpha values, ascending (modules without alpha not included).</param>
/// <param name="RankVaries">More than one rank.</param>
/// <param name="ModulesWithoutAlpha">Modules with no <c>.alpha</c> (alpha = rank when loaded).</param>
/// <param name="DTypes">Distinct dtypes of the down/up matrices.</param>
/// <param name="ParameterCount">Σ rank·(in + out) over the modules.</param>
/// <param name="IncompleteModuleCount">Modules with only one of the two matrices.</param>
/// <param name="UnusedKeyCount">LoRA-suffixed keys that map to no Wan module or are unsupported adapter parts.</param>
/// <param name="OtherTensorCount">Tensors with no LoRA suffix (e.g. model weights in a combined file).</param>
public sealed record LoraFileInfo(string Format, IReadOnlyList<LoraLayout> Layouts, int ModuleCount, int BlockCount,
    IReadOnlyList<int> Ranks, IReadOnlyList<float> Alphas, bool RankVaries, int ModulesWithoutAlpha,
    IReadOnlyList<DType> DTypes, long ParameterCount, int IncompleteModuleCount, int UnusedKeyCount, int OtherTensorCount)
{
    /// <summary>
    /// The summary, or null when no tensor name ends in a LoRA matrix suffix (<c>lora_down</c>, <c>lora_A</c>, …),
    /// i.e. the file is not a LoRA. Never throws on odd content: malformed modules are counted, not reported.
    /// </summary>
    public static LoraFileInfo? Detect(ITensorSource source)
    {
        var parser = new LoraKeyParser(null, includeWan21: true);
        var parsed = new List<ParsedLoraKey>();
        int other = 0;
        bool anyMatrix = false;
        foreach (var t in source.Tensors)
        {
            var p = parser.Parse(t.Name);
            if (p is null) { other++; continue; }
            anyMatrix |= p.Role is LoraKeyRole.Down or LoraKeyRole.Up;
            parsed.Add(p);
        }
        if (!anyMatrix) return null;

        int unused = parsed.Count(p => p.ModulePath is null || p.Role == LoraKeyRole.Unsupported);
        int modules = 0, incomplete = 0, noAlpha = 0;
        long parameters = 0;
        var ranks = new SortedSet<int>();
        var alphas = new SortedSet<float>();
        var blocks = new HashSet<int>();
        var dtypes = new SortedSet<DType>();
        var layouts = new List<LoraLayout>();
        foreach (var g in parsed.Where(p => p.ModulePath is not null).GroupBy(p => p.ModulePath!))
        {
            var down = g.FirstOrDefault(p => p.Role == LoraKeyRole.Down);
            var up = g.FirstOrDefault(p => p.Role == LoraKeyRole.Up);
            if (down is null || up is null)
            {
                if (down is not null || up is not null) incomplete++;
                continue;
            }
            modules++;
            var d = source.Get(down.Key);
            var u = source.Get(up.Key);
            dtypes.Add(d.DType);
            dtypes.Add(u.DType);
            if (d.Shape.Length == 2 && u.Shape.Length == 2)
            {
                ranks.Add((int)d.Shape[0]);
                parameters += d.Shape[0] * (d.Shape[1] + u.Shape[0]);
            }
            if (WanModulePaths.BlockIndex(g.Key) is int b) blocks.Add(b);
            if (down.Layout is { } l && !layouts.Contains(l)) layouts.Add(l);
            var alpha = g.FirstOrDefault(p => p.Role == LoraKeyRole.Alpha);
            if (alpha is null) { noAlpha++; continue; }
            var a = source.Get(alpha.Key);
            if (a.ElementCount == 1 && a.DType.IsFloat()) alphas.Add(source.ReadFloat32(a.Name)[0]);
        }
        string format = layouts.Count == 0 ? $"unrecognised ({parsed.Count} LoRA-like keys)" : string.Join(" + ", layouts.Select(l => l.Name));
        return new LoraFileInfo(format, layouts, modules, blocks.Count, [.. ranks], [.. alphas], ranks.Count > 1, noAlpha,
            [.. dtypes], parameters, incomplete, unused, other);
    }
}
