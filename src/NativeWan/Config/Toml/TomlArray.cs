namespace NativeWan.Config.Toml;

/// <summary>
/// A TOML array: elements are string, long, double, bool, <see cref="TomlDateTime"/>,
/// <see cref="TomlArray"/> or <see cref="TomlTable"/>, types may be mixed (TOML 1.0).
/// An array of tables (<c>[[name]]</c>) is a TomlArray whose elements are all TomlTables
/// and whose <see cref="IsArrayOfTables"/> is true.
/// </summary>
public sealed class TomlArray : List<object>
{
    internal TomlSource? Source;

    /// <summary>An empty array (for building documents in code).</summary>
    public TomlArray() { }
    /// <summary>An array holding <paramref name="items"/> (TOML value types only).</summary>
    public TomlArray(IEnumerable<object> items) : base(items) { }

    /// <summary>True when created by <c>[[header]]</c> syntax (can be appended to by later headers).</summary>
    public bool IsArrayOfTables { get; internal set; }

    /// <summary>Path of the array in its document, e.g. <c>datasets</c> or <c>a.b[2].c</c>.</summary>
    public string Path { get; internal set; } = "";

    /// <summary>The elements as tables (for arrays of tables / arrays of inline tables).</summary>
    /// <exception cref="TomlException">An element is not a table.</exception>
    public IEnumerable<TomlTable> Tables()
    {
        for (int i = 0; i < Count; i++)
            yield return this[i] as TomlTable ?? throw new TomlException(
                $"'{Path}[{i}]' must be a table, got {TomlTable.TypeName(this[i])}", Source?.Name, 0, 0);
    }
}
