using NativeWan.IO;
using NativeWan.IO.SafeTensors;
using NativeWan.Numerics;

namespace NativeWan.Lora;

/// <summary>Options for <see cref="LoraFile.Load(ITensorSource, LoraLoadOptions?)"/>.</summary>
public sealed record LoraLoadOptions
{
    /// <summary>
    /// Module paths of the model the LoRA is for (weight names without <c>.weight</c>, see
    /// <see cref="LoraKeyCheck.ModelModules"/>). When given, names resolve against exactly these and keys for other
    /// modules are reported unused; when null, every Wan 2.1/2.2 module name is accepted.
    /// </summary>
    public IReadOnlyCollection<string>? ModelModules { get; init; }

    /// <summary>Throw on the first unused LoRA key instead of reporting it in <see cref="LoraLoadResult.Unused"/>.</summary>
    public bool Strict { get; init; }
}

/// <summary>What <see cref="LoraFile.Load(ITensorSource, LoraLoadOptions?)"/> found.</summary>
/// <param name="Network">The modules, in canonical order (<see cref="WanModulePaths.Comparer"/>), multiplier 1.</param>
/// <param name="Layout">The layout most modules use.</param>
/// <param name="Layouts">All distinct layouts in the file (more than one for mixed files).</param>
/// <param name="Metadata">The file's string metadata (<c>ss_*</c> …).</param>
/// <param name="Unused">LoRA-suffixed keys that map to no module (ComfyUI's "lora key not loaded"), with reasons.</param>
/// <param name="OtherTensorCount">Tensors without any LoRA suffix (e.g. model weights in a combined file).</param>
public sealed record LoraLoadResult(LoraNetwork Network, LoraLayout Layout, IReadOnlyList<LoraLayout> Layouts,
    IReadOnlyDictionary<string, string> Metadata, IReadOnlyList<LoraKeyProblem> Unused, int OtherTensorCount)
{
    /// <summary>The save format the file is exactly in (single layout), or null.</summary>
    public LoraFormat? Format => Layouts.Count == 1 ? Layout.SaveFormat : null;
}

/// <summary>
/// Reads and writes Wan LoRA safetensors files: musubi-tuner (spec 7.1) and ComfyUI (spec 7.2) layouts on save, every
/// form ComfyUI accepts for Wan plus common trainer outputs on load.
/// </summary>
public static class LoraFile
{
    /// <summary>Opens <paramref name="path"/> (safetensors) and loads it; see <see cref="Load(ITensorSource, LoraLoadOptions?)"/>.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    /// <exception cref="ModelFileException">Malformed file or LoRA content.</exception>
    public static LoraLoadResult Load(string path, LoraLoadOptions? options = null)
    {
        using var src = TensorFiles.Open(path);
        return Load(src, options);
    }

    /// <summary>
    /// Loads every plain LoRA module of <paramref name="source"/> into float32 (any float dtype in the file).
    /// Module names: <c>lora_unet_</c>, <c>lora_prior_unet_</c>, <c>lora_unet__</c> (Wan-Fun), <c>lycoris_</c> + underscored
    /// path; <c>diffusion_model.</c>, <c>model.diffusion_model.</c>, <c>transformer.</c>, <c>base_model.model.</c> or no
    /// prefix + dotted path, original or diffusers names (spec 2.10). Pair suffixes: <c>lora_down/lora_up</c>,
    /// <c>lora_A/lora_B</c>, <c>lora_A.default/lora_B.default</c>, <c>_lora.down/up</c>, <c>.lora.down/up</c>,
    /// <c>.lora_linear_layer.down/up</c>, each <c>.weight</c>. Rank = rows of down. <c>.alpha</c> (one element) is the
    /// alpha; missing or 0 ⇒ alpha = rank (scale 1, as musubi and ComfyUI).
    /// </summary>
    /// <exception cref="ModelFileException">
    /// No LoRA module at all; a module with up but no down (or the reverse); one module given twice; DoRA/lora_mid parts
    /// on a loaded module; non-2-D or rank-mismatched matrices; a non-float tensor; alpha not a finite scalar; or, with
    /// <see cref="LoraLoadOptions.Strict"/>, any unused LoRA key. The message names the file and tensor.
    /// </exception>
    public static LoraLoadResult Load(ITensorSource source, LoraLoadOptions? options = null)
    {
        options ??= new LoraLoadOptions();
        var parser = new LoraKeyParser(options.ModelModules, includeWan21: true);
        var slots = new Dictionary<string, Slot>(StringComparer.Ordinal);
        var unused = new List<LoraKeyProblem>();
        int other = 0;
        foreach (var t in source.Tensors)
        {
            var p = parser.Parse(t.Name);
            if (p is null) { other++; continue; }
            if (p.ModulePath is null) { unused.Add(UnmappedProblem(p)); continue; }
            if (!slots.TryGetValue(p.ModulePath, out var slot)) slots[p.ModulePath] = slot = new Slot(p.ModuleKey);
            else if (slot.ModuleKey != p.ModuleKey)
                throw new ModelFileException(source.SourcePath, t.Name, $"module '{p.ModulePath}' is given twice: also as '{slot.ModuleKey}'");
            switch (p.Role)
            {
                case LoraKeyRole.Down:
                    if (slot.Down is not null) throw new ModelFileException(source.SourcePath, t.Name, $"second down matrix for module '{p.ModulePath}' (also '{slot.Down.Name}')");
                    slot.Down = t; slot.DownKey = p; break;
                case LoraKeyRole.Up:
                    if (slot.Up is not null) throw new ModelFileException(source.SourcePath, t.Name, $"second up matrix for module '{p.ModulePath}' (also '{slot.Up.Name}')");
                    slot.Up = t; slot.UpKey = p; break;
                case LoraKeyRole.Alpha:
                    slot.Alpha = t; break;
                default:
                    slot.Unsupported.Add(t.Name); break;
            }
        }

        var net = new LoraNetwork();
        var layoutCounts = new Dictionary<LoraLayout, int>();
        var layoutOrder = new List<LoraLayout>();
        foreach (var (path, slot) in slots.OrderBy(kv => kv.Key, WanModulePaths.Comparer))
        {
            if (slot.Down is null && slot.Up is null)
            {
                foreach (var k in slot.Unsupported)
                    unused.Add(new LoraKeyProblem(k, LoraKeyProblemKind.UnsupportedAdapter, "LoHa/LoKr/GLoRA/diff adapter parts cannot be loaded into a LoRA network"));
                if (slot.Alpha is not null)
                    unused.Add(new LoraKeyProblem(slot.Alpha.Name, slot.Unsupported.Count > 0 ? LoraKeyProblemKind.UnsupportedAdapter : LoraKeyProblemKind.AlphaWithoutPair,
                        slot.Unsupported.Count > 0 ? "alpha of an unsupported adapter" : "alpha without lora_down/lora_up"));
                continue;
            }
            if (slot.Down is null) throw new ModelFileException(source.SourcePath, slot.Up!.Name, $"module '{path}' has an up matrix but no down matrix");
            if (slot.Up is null) throw new ModelFileException(source.SourcePath, slot.Down.Name, $"module '{path}' has a down matrix but no up matrix");
            if (slot.Unsupported.Count > 0)
                throw new ModelFileException(source.SourcePath, slot.Unsupported[0], $"module '{path}' uses an adapter part (DoRA scale, lora_mid, diff, …) that NativeWan cannot apply");
            if (slot.DownKey!.Pair != slot.UpKey!.Pair)
                throw new ModelFileException(source.SourcePath, slot.Up.Name, $"module '{path}' mixes suffix styles: '{slot.Down.Name}' and '{slot.Up.Name}'");
            net.Add(ReadModule(source, path, slot));
            var layout = slot.DownKey.Layout!;
            if (layoutCounts.TryGetValue(layout, out int n)) layoutCounts[layout] = n + 1;
            else { layoutCounts[layout] = 1; layoutOrder.Add(layout); }
        }

        if (options.Strict && unused.Count > 0)
            throw new ModelFileException(source.SourcePath, unused[0].Key, $"LoRA key not used ({unused[0].Kind}): {unused[0].Message}" +
                (unused.Count > 1 ? $" (and {unused.Count - 1} more)" : ""));
        if (net.Count == 0)
            throw new ModelFileException(source.SourcePath, null, unused.Count == 0
                ? $"no LoRA tensors found ({other} other tensors)"
                : $"no usable LoRA module: {unused.Count} LoRA keys map to nothing, first '{unused[0].Key}' ({unused[0].Message})");
        var best = layoutOrder.OrderByDescending(l => layoutCounts[l]).First(); // stable: ties keep first seen
        return new LoraLoadResult(net, best, layoutOrder, new Dictionary<string, string>(source.Metadata), unused, other);
    }

    static LoraModule ReadModule(ITensorSource src, string path, Slot slot)
    {
        var d = slot.Down!;
        var u = slot.Up!;
        CheckFloat(src, d);
        CheckFloat(src, u);
        if (d.Shape.Length != 2 || d.Shape[0] <= 0 || d.Shape[1] <= 0 || d.Shape[0] > int.MaxValue || d.Shape[1] > int.MaxValue)
            throw new ModelFileException(src.SourcePath, d.Name, $"down matrix must be 2-D [rank, in], got {d.ShapeText}");
        if (u.Shape.Length != 2 || u.Shape[0] <= 0 || u.Shape[0] > int.MaxValue || u.Shape[1] != d.Shape[0])
            throw new ModelFileException(src.SourcePath, u.Name, $"up matrix must be 2-D [out, {d.Shape[0]}] to match down {d.ShapeText}, got {u.ShapeText}");
        int rank = (int)d.Shape[0], @in = (int)d.Shape[1], @out = (int)u.Shape[0];
        float alpha = rank;
        if (slot.Alpha is { } a)
        {
            CheckFloat(src, a);
            if (a.ElementCount != 1) throw new ModelFileException(src.SourcePath, a.Name, $"alpha must hold one value, shape is {a.ShapeText}");
            float v = src.ReadFloat32(a.Name)[0];
            if (!float.IsFinite(v)) throw new ModelFileException(src.SourcePath, a.Name, $"alpha is {v}");
            if (v != 0f) alpha = v;
        }
        return new LoraModule(path, @in, @out, rank, alpha, src.ReadFloat32(d.Name), src.ReadFloat32(u.Name));
    }

    static void CheckFloat(ITensorSource src, TensorInfo t)
    {
        if (!t.DType.IsFloat()) throw new ModelFileException(src.SourcePath, t.Name, $"LoRA tensor has dtype {t.DType}, a float type is required");
    }

    internal static LoraKeyProblem UnmappedProblem(ParsedLoraKey p) =>
        p.Naming is null
            ? new LoraKeyProblem(p.Key, LoraKeyProblemKind.UnknownPrefix, $"'{p.ModuleKey}' has no known LoRA module prefix")
            : new LoraKeyProblem(p.Key, LoraKeyProblemKind.UnknownModule, p.CandidatePath is null
                ? $"'{p.ModuleKey}' does not name a Wan module"
                : $"module '{p.CandidatePath}' is not in the model");

    /// <summary>
    /// Writes <paramref name="network"/> to <paramref name="path"/> atomically (temp file + rename). Per module:
    /// down [rank, in] and up [out, rank] in <paramref name="dtype"/>, and a 0-d float32 alpha (kept float32 whatever
    /// <paramref name="dtype"/> is, so the scale survives exactly). Names per <see cref="LoraKeys"/>; the multiplier and
    /// dropouts are not stored (they are run-time settings, as in musubi).
    /// </summary>
    /// <param name="network">Modules to write (at least one).</param>
    /// <param name="path">Destination .safetensors file; replaced atomically.</param>
    /// <param name="format">Key layout: <see cref="LoraFormat.Musubi"/> (default) or <see cref="LoraFormat.Comfy"/>.</param>
    /// <param name="metadata">String metadata (<c>ss_*</c> training info etc.), written as given.</param>
    /// <param name="dtype">F32 (musubi default), BF16 (round to nearest even) or F16.</param>
    /// <exception cref="ArgumentException">Empty network or an unsupported dtype.</exception>
    public static void Save(LoraNetwork network, string path, LoraFormat format = LoraFormat.Musubi,
        IReadOnlyDictionary<string, string>? metadata = null, DType dtype = DType.F32) =>
        BuildWriter(network, format, metadata, dtype).Save(path);

    internal static SafeTensorsWriter BuildWriter(LoraNetwork network, LoraFormat format, IReadOnlyDictionary<string, string>? metadata, DType dtype)
    {
        if (network.Count == 0) throw new ArgumentException("the LoRA network has no modules", nameof(network));
        if (!LoraTensorCodec.IsSaveDType(dtype)) throw new ArgumentException($"LoRA tensors can be saved as F32, BF16 or F16, not {dtype}", nameof(dtype));
        var w = new SafeTensorsWriter();
        if (metadata is not null) foreach (var (k, v) in metadata) w.Metadata[k] = v;
        foreach (var m in network.Modules)
        {
            w.Add(LoraKeys.Down(m.ModulePath, format), dtype, [m.Rank, m.In], LoraTensorCodec.Encode(m.Down, dtype));
            w.Add(LoraKeys.Up(m.ModulePath, format), dtype, [m.Out, m.Rank], LoraTensorCodec.Encode(m.Up, dtype));
            w.AddF32(LoraKeys.Alpha(m.ModulePath, format), [m.Alpha]);
        }
        return w;
    }

    sealed class Slot(string moduleKey)
    {
        public string ModuleKey { get; } = moduleKey;
        public TensorInfo? Down, Up, Alpha;
        public ParsedLoraKey? DownKey, UpKey;
        public List<string> Unsupported { get; } = [];
    }
}
