using NativeWan.Lora;
using NativeWan.Models.Wan;
using NativeWan.Ops.Cpu;

namespace NativeWan.Generation;

/// <summary>
/// Applying LoRA files to a DiT for generation, in one of two equivalent ways (spec 7.1):
/// <list type="bullet">
/// <item><b>Run time</b> (default): the base weights stay untouched and each adapted Linear computes
/// <c>Wx + b + mult·(α/r)·B(Ax)</c> (<see cref="DitVelocityModel"/>). Several LoRAs on one model are stacked into one
/// network by <see cref="Combine"/>. Only the block Linears (self/cross-attention q, k, v, o; ffn.0; ffn.2) can be
/// adapted this way.</item>
/// <item><b>Merged</b> (<c>--merge_lora</c>): <c>W ← W + mult·(α/r)·B·A</c> is folded into the weights once at load
/// (<see cref="MergedCopy"/> / <see cref="MergeInto"/>), after which the model runs at base cost. Any Linear of the DiT
/// may be targeted.</item>
/// </list>
/// Both give the same output up to float32 rounding. A LoRA at strength 0 is skipped entirely by both, so the output is
/// bit-identical to the base model's.
/// </summary>
public static class LoraApplication
{
    /// <summary>Every Linear of the DiT by module path (block Linears, text/time embeddings, time projection, head).</summary>
    public static IReadOnlyDictionary<string, WanLinear> Linears(WanWeights w)
    {
        ArgumentNullException.ThrowIfNull(w);
        var d = new Dictionary<string, WanLinear>(StringComparer.Ordinal);
        foreach (var l in new[] { w.TextEmbedding0, w.TextEmbedding2, w.TimeEmbedding0, w.TimeEmbedding2, w.TimeProjection, w.Head })
            d[l.Path] = l;
        foreach (var b in w.Blocks)
            foreach (var l in BlockLinears(b)) d[l.Path] = l;
        return d;
    }

    static IEnumerable<WanLinear> BlockLinears(WanBlockWeights b) =>
    [
        b.SelfAttn.Q, b.SelfAttn.K, b.SelfAttn.V, b.SelfAttn.O, b.CrossAttn.Q, b.CrossAttn.K, b.CrossAttn.V, b.CrossAttn.O, b.Ffn0, b.Ffn2,
    ];

    /// <summary>
    /// Checks that every module of <paramref name="lora"/> can be applied at run time: it names a block Linear of
    /// <paramref name="dit"/> and its [out, in] matches that Linear.
    /// </summary>
    /// <exception cref="ArgumentException">The first module that does not fit (names the module and the reason; for
    /// non-block Linears it points to <c>--merge_lora</c>).</exception>
    public static void CheckRuntime(WanDit dit, LoraNetwork lora)
    {
        ArgumentNullException.ThrowIfNull(dit); ArgumentNullException.ThrowIfNull(lora);
        var block = new HashSet<string>(dit.LoraTargets, StringComparer.Ordinal);
        var all = Linears(dit.Weights);
        foreach (var m in lora.Modules)
        {
            if (!all.TryGetValue(m.ModulePath, out var lin))
                throw new ArgumentException($"LoRA module '{m.ModulePath}' names no Linear of this {dit.Config.ModelType} DiT ({dit.Config.NumLayers} blocks)");
            CheckShape(m, lin);
            if (!block.Contains(m.ModulePath))
                throw new ArgumentException($"LoRA module '{m.ModulePath}' is not a block Linear; it can only be applied merged (--merge_lora)");
        }
    }

    static void CheckShape(LoraModule m, WanLinear lin)
    {
        if (m.In != lin.In || m.Out != lin.Out)
            throw new ArgumentException($"LoRA module '{m.ModulePath}' is [{m.Out}×{m.In}] but the Linear is [{lin.Out}×{lin.In}]");
    }

    /// <summary>
    /// One run-time network equivalent to applying all of <paramref name="loras"/> (each with its own
    /// <see cref="LoraNetwork.Multiplier"/>): per target, the ranks are concatenated — down = [A₁; A₂; …],
    /// up = [m₁s₁B₁, m₂s₂B₂, …] — with alpha = total rank (scale 1) and multiplier 1. Networks at multiplier 0 are
    /// dropped. A single remaining network is returned as is; none gives null.
    /// </summary>
    /// <exception cref="ArgumentException">Two modules on the same path disagree on [out, in].</exception>
    public static LoraNetwork? Combine(IReadOnlyList<LoraNetwork> loras)
    {
        ArgumentNullException.ThrowIfNull(loras);
        var live = loras.Where(l => l.Multiplier != 0f).ToList();
        if (live.Count == 0) return null;
        if (live.Count == 1) return live[0];
        var byPath = new Dictionary<string, List<(LoraModule M, float Mult)>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var net in live)
            foreach (var m in net.Modules)
            {
                if (!byPath.TryGetValue(m.ModulePath, out var list)) { byPath[m.ModulePath] = list = []; order.Add(m.ModulePath); }
                else if (list[0].M.In != m.In || list[0].M.Out != m.Out)
                    throw new ArgumentException($"LoRA module '{m.ModulePath}' is [{m.Out}×{m.In}] in one file and [{list[0].M.Out}×{list[0].M.In}] in another");
                list.Add((m, net.Multiplier));
            }
        var result = new LoraNetwork();
        foreach (var path in order.OrderBy(p => p, WanModulePaths.Comparer))
        {
            var parts = byPath[path];
            int rank = parts.Sum(p => p.M.Rank), inF = parts[0].M.In, outF = parts[0].M.Out;
            var down = new float[(long)rank * inF];
            var up = new float[(long)outF * rank];
            int r0 = 0;
            foreach (var (m, mult) in parts)
            {
                m.Down.CopyTo(down.AsSpan(r0 * inF));
                float c = mult * m.Scale;
                for (int o = 0; o < outF; o++)
                    for (int r = 0; r < m.Rank; r++) up[(long)o * rank + r0 + r] = c * m.Up[(long)o * m.Rank + r];
                r0 += m.Rank;
            }
            result.Add(new LoraModule(path, inF, outF, rank, rank, down, up));
        }
        return result;
    }

    /// <summary>
    /// A DiT whose weights are <paramref name="dit"/>'s with every LoRA of <paramref name="loras"/> merged in
    /// (<c>W' = W + mult·(α/r)·B·A</c>, float32, <see cref="LoraNetwork.Multiplier"/> as mult). Only the adapted weight
    /// arrays are copied; all other tensors are shared with <paramref name="dit"/>, which is left unchanged.
    /// </summary>
    /// <exception cref="ArgumentException">A module names no Linear of the DiT or has the wrong shape.</exception>
    public static WanDit MergedCopy(WanDit dit, IReadOnlyList<LoraNetwork> loras)
    {
        ArgumentNullException.ThrowIfNull(dit); ArgumentNullException.ThrowIfNull(loras);
        var w = dit.Weights;
        var all = Linears(w);
        var copies = new Dictionary<string, WanLinear>(StringComparer.Ordinal);
        foreach (var net in loras)
        {
            if (net.Multiplier == 0f) continue;
            foreach (var m in net.Modules)
            {
                if (!all.TryGetValue(m.ModulePath, out var lin))
                    throw new ArgumentException($"LoRA module '{m.ModulePath}' names no Linear of this {dit.Config.ModelType} DiT");
                CheckShape(m, lin);
                if (!copies.TryGetValue(m.ModulePath, out var copy))
                    copies[m.ModulePath] = copy = new WanLinear(lin.Path, lin.In, lin.Out, (float[])lin.Weight.Clone(), lin.Bias);
                AddDelta(copy.Weight, m, net.Multiplier);
            }
        }
        if (copies.Count == 0) return dit;
        WanLinear L(WanLinear l) => copies.GetValueOrDefault(l.Path) ?? l;
        WanAttentionWeights A(WanAttentionWeights a) => new()
        {
            Q = L(a.Q), K = L(a.K), V = L(a.V), O = L(a.O), NormQ = a.NormQ, NormK = a.NormK,
        };
        var merged = new WanWeights
        {
            Config = w.Config, PatchEmbedding = w.PatchEmbedding,
            TextEmbedding0 = L(w.TextEmbedding0), TextEmbedding2 = L(w.TextEmbedding2),
            TimeEmbedding0 = L(w.TimeEmbedding0), TimeEmbedding2 = L(w.TimeEmbedding2), TimeProjection = L(w.TimeProjection),
            HeadModulation = w.HeadModulation, Head = L(w.Head),
            Blocks = w.Blocks.Select(b => new WanBlockWeights
            {
                Modulation = b.Modulation, SelfAttn = A(b.SelfAttn), CrossAttn = A(b.CrossAttn),
                Norm3Weight = b.Norm3Weight, Norm3Bias = b.Norm3Bias, Ffn0 = L(b.Ffn0), Ffn2 = L(b.Ffn2),
            }).ToArray(),
        };
        return new WanDit(merged);
    }

    /// <summary>
    /// Merges <paramref name="lora"/> into <paramref name="weights"/> in place (<c>W += mult·(α/r)·B·A</c>). Meant for
    /// weights just loaded from a file that nothing else shares (the file itself is never modified); use
    /// <see cref="MergedCopy"/> otherwise. Multiplier 0 changes nothing.
    /// </summary>
    /// <exception cref="ArgumentException">A module names no Linear or has the wrong shape (checked before any change).</exception>
    public static void MergeInto(WanWeights weights, LoraNetwork lora)
    {
        ArgumentNullException.ThrowIfNull(weights); ArgumentNullException.ThrowIfNull(lora);
        var all = Linears(weights);
        foreach (var m in lora.Modules)
        {
            if (!all.TryGetValue(m.ModulePath, out var lin))
                throw new ArgumentException($"LoRA module '{m.ModulePath}' names no Linear of this {weights.Config.ModelType} DiT");
            CheckShape(m, lin);
        }
        if (lora.Multiplier == 0f) return;
        foreach (var m in lora.Modules) AddDelta(all[m.ModulePath].Weight, m, lora.Multiplier);
    }

    /// <summary>W [out, in] += (mult·α/r)·Up [out, r] · Down [r, in].</summary>
    static void AddDelta(float[] weight, LoraModule m, float multiplier)
    {
        float c = multiplier * m.Scale;
        var scaledDown = new float[m.Down.Length];
        for (int i = 0; i < scaledDown.Length; i++) scaledDown[i] = c * m.Down[i];
        Gemm.MatMul(m.Up, scaledDown, weight, m.Out, m.In, m.Rank, accumulate: true);
    }
}
