namespace NativeWan.Lora;

/// <summary>
/// User filters on the LoRA target set, with musubi-tuner semantics (MT <c>networks/lora.py</c>, spec 7.1): every
/// pattern is a Python regular expression matched with <c>fullmatch</c> against the module path
/// (<c>blocks.3.self_attn.q</c>). A module is dropped when any exclude pattern (these plus the built-in
/// <see cref="LoraTargets.DefaultExcludePattern"/>) matches it, unless an include pattern also matches it. Include
/// patterns only rescue excluded modules; they never narrow the set.
/// </summary>
public sealed record LoraTargetOptions
{
    /// <summary>musubi <c>exclude_patterns</c>.</summary>
    public IReadOnlyList<string> ExcludePatterns { get; init; } = [];

    /// <summary>musubi <c>include_patterns</c>.</summary>
    public IReadOnlyList<string> IncludePatterns { get; init; } = [];

    /// <summary>
    /// Reads <c>exclude_patterns=[…]</c> and <c>include_patterns=[…]</c> from musubi <c>--network_args</c> entries
    /// (each <c>key=value</c>, split at the first <c>=</c>; the value is a Python list literal). Other keys are ignored.
    /// </summary>
    /// <exception cref="FormatException">An entry without '=' or a value that is not a list of string literals.</exception>
    public static LoraTargetOptions FromNetworkArgs(IEnumerable<string> networkArgs)
    {
        var opt = new LoraTargetOptions();
        foreach (var arg in networkArgs)
        {
            int eq = arg.IndexOf('=');
            if (eq <= 0) throw new FormatException($"network arg '{arg}' is not key=value");
            var key = arg[..eq].Trim();
            var value = arg[(eq + 1)..];
            if (key == "exclude_patterns") opt = opt with { ExcludePatterns = [.. opt.ExcludePatterns, .. PythonLiteral.ParseStringList(value)] };
            else if (key == "include_patterns") opt = opt with { IncludePatterns = [.. opt.IncludePatterns, .. PythonLiteral.ParseStringList(value)] };
        }
        return opt;
    }
}
