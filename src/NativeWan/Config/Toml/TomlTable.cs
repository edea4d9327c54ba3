using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace NativeWan.Config.Toml;

/// <summary>How a table came into existence; drives the TOML 1.0 redefinition rules.</summary>
internal enum TomlTableState : byte
{
    /// <summary>Created as a parent by a header (<c>[a.b]</c> creates <c>a</c>); may be defined once later.</summary>
    Implicit,
    /// <summary>Defined by a <c>[header]</c> or <c>[[header]]</c>, or the root.</summary>
    Header,
    /// <summary>Created by a dotted key (<c>a.b = 1</c> creates <c>a</c>); extendable by dotted keys only.</summary>
    Dotted,
    /// <summary>An inline table (or a dotted table inside one): immutable.</summary>
    Inline,
}

/// <summary>
/// A TOML table: an insertion-ordered dictionary from key to value, where a value is string, long,
/// double, bool, <see cref="TomlDateTime"/>, <see cref="TomlArray"/> or <see cref="TomlTable"/>.
/// Tables from <see cref="Toml.Parse"/> remember their source and where each key was written, so the
/// typed accessors throw <see cref="TomlException"/>s that point at the offending line.
/// </summary>
public sealed class TomlTable : OrderedDictionary<string, object>
{
    internal TomlTableState State;
    internal TomlSource? Source;
    /// <summary>Character offset where the table was defined (header or first key), -1 if unknown.</summary>
    internal int DefinedAt = -1;
    Dictionary<string, int>? _keyOffsets;

    /// <summary>An empty table with ordinal (case-sensitive) keys, for building documents in code.</summary>
    public TomlTable() : base(StringComparer.Ordinal) { }

    /// <summary>Path of the table in its document (<c>""</c> for the root), e.g. <c>general</c>, <c>datasets[0]</c>.</summary>
    public string Path { get; internal set; } = "";

    /// <summary>Name of the source the table was parsed from (file name), null if none or built in code.</summary>
    public string? SourceName => Source?.Name;

    /// <summary>Where <paramref name="key"/> was written in the source (1-based line, code-point column).</summary>
    /// <returns>False when the key is absent or the table was not parsed from text.</returns>
    public bool TryGetPosition(string key, out int line, out int column)
    {
        line = column = 0;
        if (Source is null || _keyOffsets is null || !_keyOffsets.TryGetValue(key, out int off)) return false;
        (line, column) = Source.Locate(off);
        return true;
    }

    internal void AddParsed(string key, object value, int offset)
    {
        Add(key, value);
        (_keyOffsets ??= new Dictionary<string, int>(StringComparer.Ordinal))[key] = offset;
    }

    /// <summary>Full dotted path of <paramref name="key"/> in this table, keys quoted where TOML needs it.</summary>
    public string KeyPath(string key) => Path.Length == 0 ? FormatKey(key) : Path + "." + FormatKey(key);

    // ---------------------------------------------------------------- typed accessors

    /// <summary>Required string. <exception cref="TomlException">Missing, or not a string.</exception></summary>
    public string GetString(string key) => Required<string>(key, "a string");

    /// <summary>String, or <paramref name="defaultValue"/> when absent. <exception cref="TomlException">Present but not a string.</exception></summary>
    [return: NotNullIfNotNull(nameof(defaultValue))]
    public string? GetString(string key, string? defaultValue) => Optional(key, "a string", defaultValue);

    /// <summary>Required 64-bit integer. <exception cref="TomlException">Missing, or not an integer (floats are refused).</exception></summary>
    public long GetLong(string key) => Required<long>(key, "an integer");

    /// <summary>Integer, or <paramref name="defaultValue"/> when absent. <exception cref="TomlException">Present but not an integer.</exception></summary>
    public long GetLong(string key, long defaultValue) => Optional(key, "an integer", defaultValue);

    /// <summary>Required integer that fits in Int32. <exception cref="TomlException">Missing, not an integer, or out of Int32 range.</exception></summary>
    public int GetInt(string key) => ToInt(key, GetLong(key));

    /// <summary>Int32, or <paramref name="defaultValue"/> when absent. <exception cref="TomlException">Present but not an integer or out of range.</exception></summary>
    public int GetInt(string key, int defaultValue) => ContainsKey(key) ? ToInt(key, GetLong(key)) : defaultValue;

    /// <summary>Required float; an integer value is converted. <exception cref="TomlException">Missing, or neither float nor integer.</exception></summary>
    public double GetDouble(string key) =>
        TryGetValue(key, out var v) ? AsDouble(key, v) : throw Missing(key);

    /// <summary>Float (or integer converted), or <paramref name="defaultValue"/> when absent. <exception cref="TomlException">Present but not a number.</exception></summary>
    public double GetDouble(string key, double defaultValue) =>
        TryGetValue(key, out var v) ? AsDouble(key, v) : defaultValue;

    /// <summary>Required boolean. <exception cref="TomlException">Missing, or not a boolean.</exception></summary>
    public bool GetBool(string key) => Required<bool>(key, "a boolean");

    /// <summary>Boolean, or <paramref name="defaultValue"/> when absent. <exception cref="TomlException">Present but not a boolean.</exception></summary>
    public bool GetBool(string key, bool defaultValue) => Optional(key, "a boolean", defaultValue);

    /// <summary>Sub-table (header, dotted or inline), or null when absent. <exception cref="TomlException">Present but not a table.</exception></summary>
    public TomlTable? GetTable(string key) => Optional<TomlTable?>(key, "a table", null);

    /// <summary>Array (including arrays of tables), or null when absent. <exception cref="TomlException">Present but not an array.</exception></summary>
    public TomlArray? GetArray(string key) => Optional<TomlArray?>(key, "an array", null);

    /// <summary>Date/time value, or null when absent. <exception cref="TomlException">Present but not a date/time.</exception></summary>
    public TomlDateTime? GetDateTime(string key) => Optional<TomlDateTime?>(key, "a date/time", null);

    T Required<T>(string key, string what)
    {
        if (!TryGetValue(key, out var v)) throw Missing(key);
        return v is T t ? t : throw WrongType(key, what, v);
    }

    T Optional<T>(string key, string what, T defaultValue)
    {
        if (!TryGetValue(key, out var v)) return defaultValue;
        return v is T t ? t : throw WrongType(key, what, v);
    }

    double AsDouble(string key, object v) => v switch
    {
        double d => d,
        long l => l,
        _ => throw WrongType(key, "a number", v),
    };

    int ToInt(string key, long v) => v is >= int.MinValue and <= int.MaxValue ? (int)v
        : throw ErrorAtKey(key, $"'{KeyPath(key)}' = {v} is out of the 32-bit integer range");

    TomlException WrongType(string key, string what, object v) =>
        ErrorAtKey(key, $"'{KeyPath(key)}' must be {what}, got {TypeName(v)}");

    TomlException Missing(string key)
    {
        string reason = Path.Length == 0 ? $"missing required key '{FormatKey(key)}'"
            : $"table '{Path}' is missing required key '{FormatKey(key)}'";
        if (Source is not null && DefinedAt >= 0) return Source.Error(DefinedAt, reason);
        return new TomlException(reason, Source?.Name, 0, 0);
    }

    /// <summary>A <see cref="TomlException"/> located at <paramref name="key"/> (for config validation done by callers).</summary>
    public TomlException ErrorAtKey(string key, string reason)
    {
        if (TryGetPosition(key, out int line, out int col)) return new TomlException(reason, Source!.Name, line, col);
        return new TomlException(reason, Source?.Name, 0, 0);
    }

    /// <summary>TOML type name of a value: string, integer, float, boolean, offset date-time, …, array, table.</summary>
    public static string TypeName(object? v) => v switch
    {
        string => "string",
        long => "integer",
        double => "float",
        bool => "boolean",
        TomlDateTime dt => dt.Kind switch
        {
            TomlDateTimeKind.OffsetDateTime => "offset date-time",
            TomlDateTimeKind.LocalDateTime => "local date-time",
            TomlDateTimeKind.LocalDate => "local date",
            _ => "local time",
        },
        TomlArray => "array",
        TomlTable => "table",
        null => "nothing",
        _ => v.GetType().Name,
    };

    /// <summary>A key as TOML would write it: bare when possible, else a basic string with escapes.</summary>
    public static string FormatKey(string key)
    {
        bool bare = key.Length > 0;
        foreach (char c in key)
            if (!TomlParser.IsBareKeyChar(c)) { bare = false; break; }
        if (bare) return key;
        var sb = new StringBuilder(key.Length + 2).Append('"');
        foreach (char c in key)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                case '\r': sb.Append("\\r"); break;
                default:
                    if (c < 0x20 || c == 0x7F) sb.Append($"\\u{(int)c:X4}");
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }
}
