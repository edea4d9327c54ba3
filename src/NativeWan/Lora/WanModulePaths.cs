using System.Text.RegularExpressions;

namespace NativeWan.Lora;

/// <summary>
/// Names of the Linear (and patch Conv3d) modules of a Wan DiT as they appear in the official state dict
/// (spec 2.8: bare names, <c>blocks.{i}.self_attn.q</c> …), their canonical order, and the conversions LoRA files need:
/// kohya/musubi underscore names back to dotted paths (spec 7.1/7.2) and diffusers names to original ones (spec 2.10).
/// </summary>
public static partial class WanModulePaths
{
    /// <summary>Linear children of every <c>WanAttentionBlock</c> in Wan 2.2 (and 2.1 T2V), in module-definition order.</summary>
    public static IReadOnlyList<string> BlockLinears { get; } =
        ["self_attn.q", "self_attn.k", "self_attn.v", "self_attn.o", "cross_attn.q", "cross_attn.k", "cross_attn.v", "cross_attn.o", "ffn.0", "ffn.2"];

    /// <summary>Block Linears that exist only in Wan 2.1 I2V/FLF (image cross-attention; spec 7.1, section 9 item 19).</summary>
    public static IReadOnlyList<string> BlockLinearsWan21Only { get; } = ["cross_attn.k_img", "cross_attn.v_img"];

    /// <summary>Weight-bearing modules outside the blocks in Wan 2.2 (spec 2.8); <c>patch_embedding</c> is a Conv3d.</summary>
    public static IReadOnlyList<string> TopModules { get; } =
        ["patch_embedding", "text_embedding.0", "text_embedding.2", "time_embedding.0", "time_embedding.2", "time_projection.1", "head.head"];

    /// <summary>Top-level Linears of Wan 2.1 I2V only (<c>img_emb</c> = LayerNorm, Linear, GELU, Linear, LayerNorm).</summary>
    public static IReadOnlyList<string> TopModulesWan21Only { get; } = ["img_emb.proj.1", "img_emb.proj.3"];

    static readonly Dictionary<string, string> BlockByUnderscore = BuildUnderscoreMap([.. BlockLinears, .. BlockLinearsWan21Only]);
    static readonly Dictionary<string, string> TopByUnderscore = BuildUnderscoreMap([.. TopModules, .. TopModulesWan21Only]);
    static readonly HashSet<string> Block22 = new(BlockLinears, StringComparer.Ordinal);
    static readonly HashSet<string> Block21 = new(BlockLinearsWan21Only, StringComparer.Ordinal);
    static readonly HashSet<string> Top22 = new(TopModules, StringComparer.Ordinal);
    static readonly HashSet<string> Top21 = new(TopModulesWan21Only, StringComparer.Ordinal);

    static Dictionary<string, string> BuildUnderscoreMap(IEnumerable<string> paths) =>
        paths.ToDictionary(p => p.Replace('.', '_'), p => p, StringComparer.Ordinal);

    [GeneratedRegex(@"^blocks\.(\d+)\.(.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex DottedBlockRegex();

    [GeneratedRegex(@"^blocks_(\d+)_(.+)$", RegexOptions.CultureInvariant)]
    private static partial Regex UnderscoreBlockRegex();

    /// <summary>Splits <c>blocks.{i}.{child}</c>; false for paths outside the blocks.</summary>
    public static bool TrySplitBlock(string path, out int block, out string child)
    {
        var m = DottedBlockRegex().Match(path);
        if (m.Success && int.TryParse(m.Groups[1].ValueSpan, System.Globalization.NumberStyles.None, null, out block))
        {
            child = m.Groups[2].Value;
            return true;
        }
        block = -1; child = "";
        return false;
    }

    /// <summary>The block index of a <c>blocks.{i}.…</c> path, or null.</summary>
    public static int? BlockIndex(string path) => TrySplitBlock(path, out int b, out _) ? b : null;

    /// <summary>
    /// True when <paramref name="path"/> names a Linear/Conv module of a Wan 2.2 DiT (any block index); with
    /// <paramref name="includeWan21"/> also the Wan 2.1 I2V-only image cross-attention and <c>img_emb</c> Linears.
    /// </summary>
    public static bool IsWanModule(string path, bool includeWan21 = false)
    {
        if (TrySplitBlock(path, out _, out var child)) return Block22.Contains(child) || (includeWan21 && Block21.Contains(child));
        return Top22.Contains(path) || (includeWan21 && Top21.Contains(path));
    }

    /// <summary>True for modules that exist only in Wan 2.1 I2V (k_img, v_img, img_emb).</summary>
    public static bool IsWan21Only(string path) =>
        TrySplitBlock(path, out _, out var child) ? Block21.Contains(child) : Top21.Contains(path);

    /// <summary>
    /// Reverses the kohya/musubi naming (<c>.</c> → <c>_</c>, spec 7.1): <c>blocks_3_cross_attn_k_img</c> →
    /// <c>blocks.3.cross_attn.k_img</c>. The underscore form is ambiguous in general, so it is resolved against the
    /// known Wan module names (2.2 and 2.1) and, first, against <paramref name="extra"/> (underscore name → path,
    /// e.g. built from the model's own weights).
    /// </summary>
    public static bool TryFromUnderscored(string name, IReadOnlyDictionary<string, string>? extra, out string path)
    {
        if (extra is not null && extra.TryGetValue(name, out path!)) return true;
        var m = UnderscoreBlockRegex().Match(name);
        if (m.Success && BlockByUnderscore.TryGetValue(m.Groups[2].Value, out var child)
            && int.TryParse(m.Groups[1].ValueSpan, System.Globalization.NumberStyles.None, null, out int b))
        {
            path = $"blocks.{b}.{child}";
            return true;
        }
        if (TopByUnderscore.TryGetValue(name, out path!)) return true;
        path = "";
        return false;
    }

    /// <summary>The kohya/musubi spelling of a module path: every <c>.</c> replaced by <c>_</c>.</summary>
    public static string ToUnderscored(string path) => path.Replace('.', '_');

    static readonly (string From, string To)[] DiffusersBlockChildren =
    [
        ("attn1.to_q", "self_attn.q"), ("attn1.to_k", "self_attn.k"), ("attn1.to_v", "self_attn.v"), ("attn1.to_out.0", "self_attn.o"),
        ("attn2.to_q", "cross_attn.q"), ("attn2.to_k", "cross_attn.k"), ("attn2.to_v", "cross_attn.v"), ("attn2.to_out.0", "cross_attn.o"),
        ("attn2.add_k_proj", "cross_attn.k_img"), ("attn2.add_v_proj", "cross_attn.v_img"),
        ("ffn.net.0.proj", "ffn.0"), ("ffn.net.2", "ffn.2"),
    ];

    static readonly Dictionary<string, string> DiffusersTop = new(StringComparer.Ordinal)
    {
        ["condition_embedder.time_embedder.linear_1"] = "time_embedding.0",
        ["condition_embedder.time_embedder.linear_2"] = "time_embedding.2",
        ["condition_embedder.time_proj"] = "time_projection.1",
        ["condition_embedder.text_embedder.linear_1"] = "text_embedding.0",
        ["condition_embedder.text_embedder.linear_2"] = "text_embedding.2",
        ["condition_embedder.image_embedder.ff.net.0.proj"] = "img_emb.proj.1",
        ["condition_embedder.image_embedder.ff.net.2"] = "img_emb.proj.3",
        ["proj_out"] = "head.head",
    };

    /// <summary>
    /// Maps a diffusers <c>WanTransformer3DModel</c> module name to the original one (spec 2.10), e.g.
    /// <c>blocks.0.attn1.to_out.0</c> → <c>blocks.0.self_attn.o</c>, <c>proj_out</c> → <c>head.head</c>.
    /// False when the name is not a diffusers-only name.
    /// </summary>
    public static bool TryFromDiffusers(string name, out string path)
    {
        if (TrySplitBlock(name, out int b, out var child))
        {
            foreach (var (from, to) in DiffusersBlockChildren)
                if (child == from) { path = $"blocks.{b}.{to}"; return true; }
        }
        else if (DiffusersTop.TryGetValue(name, out path!)) return true;
        path = "";
        return false;
    }

    /// <summary>
    /// Canonical order of module paths, the order of the official state dict / musubi's module list: top-level modules
    /// in Wan order around the blocks, blocks by numeric index, inside a block self_attn, cross_attn, ffn and
    /// q, k, v, o, k_img, v_img. Numeric segments compare as numbers; unknown names go after known ones, ordinally.
    /// </summary>
    public static IComparer<string> Comparer { get; } = Comparer<string>.Create(Compare);

    static readonly Dictionary<string, int> SegmentRank = new(StringComparer.Ordinal)
    {
        ["patch_embedding"] = 0, ["text_embedding"] = 1, ["time_embedding"] = 2, ["time_projection"] = 3,
        ["blocks"] = 4, ["head"] = 5, ["img_emb"] = 6,
        ["self_attn"] = 0, ["cross_attn"] = 1, ["ffn"] = 2,
        ["q"] = 0, ["k"] = 1, ["v"] = 2, ["o"] = 3, ["k_img"] = 4, ["v_img"] = 5,
    };

    static int Compare(string? a, string? b)
    {
        if (ReferenceEquals(a, b)) return 0;
        if (a is null) return -1;
        if (b is null) return 1;
        var sa = a.Split('.');
        var sb = b.Split('.');
        for (int i = 0; i < Math.Min(sa.Length, sb.Length); i++)
        {
            int c = CompareSegment(sa[i], sb[i]);
            if (c != 0) return c;
        }
        return sa.Length.CompareTo(sb.Length);
    }

    static int CompareSegment(string x, string y)
    {
        if (x == y) return 0;
        bool nx = long.TryParse(x, System.Globalization.NumberStyles.None, null, out long vx);
        bool ny = long.TryParse(y, System.Globalization.NumberStyles.None, null, out long vy);
        if (nx && ny) return vx != vy ? vx.CompareTo(vy) : string.CompareOrdinal(x, y);
        if (nx != ny) return nx ? -1 : 1;
        bool kx = SegmentRank.TryGetValue(x, out int rx);
        bool ky = SegmentRank.TryGetValue(y, out int ry);
        if (kx && ky && rx != ry) return rx.CompareTo(ry);
        if (kx != ky) return kx ? -1 : 1;
        return string.CompareOrdinal(x, y);
    }
}
