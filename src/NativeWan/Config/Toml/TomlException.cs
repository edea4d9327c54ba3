namespace NativeWan.Config.Toml;

/// <summary>
/// Thrown for malformed TOML (syntax, encoding, redefinition) and by the typed accessors of
/// <see cref="TomlTable"/> for missing keys or values of the wrong type.
/// The message has the form <c>"source:line:column: reason"</c>, e.g.
/// <c>"dataset.toml:12:5: duplicate key 'resolution'"</c>; the source is left out when unknown and
/// the position when unknown (tables built in code).
/// </summary>
public sealed class TomlException : FormatException
{
    /// <summary>File name or other source label given to the parser; null when none was given.</summary>
    public string? SourceName { get; }
    /// <summary>1-based line of the fault, 0 when unknown.</summary>
    public int Line { get; }
    /// <summary>1-based column (in Unicode code points) of the fault, 0 when unknown.</summary>
    public int Column { get; }
    /// <summary>The message without the location prefix.</summary>
    public string Reason { get; }

    public TomlException(string reason, string? sourceName, int line, int column, Exception? inner = null)
        : base(Format(reason, sourceName, line, column), inner)
    {
        Reason = reason;
        SourceName = sourceName;
        Line = line;
        Column = column;
    }

    static string Format(string reason, string? source, int line, int column)
    {
        string loc = line > 0 ? $"{line}:{column}" : "";
        if (!string.IsNullOrEmpty(source)) loc = loc.Length > 0 ? $"{source}:{loc}" : source;
        return loc.Length > 0 ? $"{loc}: {reason}" : reason;
    }
}
