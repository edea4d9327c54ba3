using System.Globalization;

namespace NativeWan.Generation;

/// <summary>A LoRA file and its strength, written <c>FILE[:STRENGTH]</c> on the command line.</summary>
/// <param name="Path">The LoRA safetensors file.</param>
/// <param name="Strength">The multiplier (default 1).</param>
public readonly record struct LoraSpec(string Path, float Strength)
{
    /// <summary>
    /// Parses <c>FILE[:STRENGTH]</c>: the text after the last ':' is the strength when it is a number (invariant
    /// culture); otherwise the whole text is the path (so <c>C:\x.safetensors</c> still works).
    /// </summary>
    /// <exception cref="ArgumentException">Empty path, or a strength that is not finite.</exception>
    public static LoraSpec Parse(string text)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        int c = text.LastIndexOf(':');
        if (c > 0 && float.TryParse(text.AsSpan(c + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var s))
        {
            if (!float.IsFinite(s)) throw new ArgumentException($"LoRA strength in '{text}' is not finite");
            return new LoraSpec(text[..c], s);
        }
        return new LoraSpec(text, 1f);
    }
}
