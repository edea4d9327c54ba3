using NativeWan.IO;

namespace NativeWan.Models.Vae;

/// <summary>
/// Reads VAE weights by their official names (<c>encoder.*</c>, <c>decoder.*</c>, <c>conv1.*</c>, <c>conv2.*</c>),
/// after an optional container prefix (e.g. <c>first_stage_model.</c> or <c>vae.</c>) that is detected from where
/// <c>encoder.conv1.weight</c> is found. Any float dtype is accepted and converted to float32.
/// </summary>
internal sealed class VaeWeightReader
{
    readonly ITensorSource _src;
    readonly HashSet<string> _names;

    public string Prefix { get; }
    public string SourcePath => _src.SourcePath;

    public VaeWeightReader(ITensorSource src)
    {
        _src = src ?? throw new ArgumentNullException(nameof(src));
        _names = new HashSet<string>(src.Tensors.Select(t => t.Name), StringComparer.Ordinal);
        const string anchor = "encoder.conv1.weight";
        if (_names.Contains(anchor)) Prefix = "";
        else
        {
            var hit = _names.Where(n => n.EndsWith("." + anchor, StringComparison.Ordinal)).OrderBy(n => n.Length).FirstOrDefault();
            Prefix = hit is null
                ? throw new ModelFileException(src.SourcePath, anchor, "not a Wan VAE checkpoint: tensor not found (with or without a prefix)")
                : hit[..^anchor.Length];
        }
    }

    /// <summary>True when the tensor <paramref name="name"/> (official name, no prefix) exists.</summary>
    public bool Has(string name) => _names.Contains(Prefix + name);

    /// <summary>Shape of <paramref name="name"/>.</summary>
    /// <exception cref="ModelFileException">Missing tensor.</exception>
    public long[] Shape(string name) => _src.Get(Prefix + name).Shape;

    /// <summary>The tensor as float32, row-major; its shape must equal <paramref name="expected"/> when given.</summary>
    public float[] Read(string name, params long[] expected) => _src.ReadFloat32(Prefix + name, expected);

    /// <summary>A <see cref="ModelFileException"/> naming the file and tensor.</summary>
    public ModelFileException Error(string name, string message) => new(_src.SourcePath, Prefix + name, message);

    /// <summary>Largest <c>i</c> + 1 such that some tensor starts with <c>{listPrefix}{i}.</c> (0 when none).</summary>
    public int CountIndexed(string listPrefix)
    {
        int max = -1;
        string p = Prefix + listPrefix;
        foreach (var n in _names)
        {
            if (!n.StartsWith(p, StringComparison.Ordinal)) continue;
            int dot = n.IndexOf('.', p.Length);
            if (dot > p.Length && int.TryParse(n.AsSpan(p.Length, dot - p.Length), out int i) && i > max) max = i;
        }
        return max + 1;
    }
}
