using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using NativeWan.Config.Toml;

namespace NativeWan.Tests.Config;

/// <summary>
/// Compares a parsed TOML value against toml-test's tagged JSON (<c>{"type":..,"value":..}</c> for scalars)
/// the way upstream's runner does: exact key sets and array lengths, exact strings/integers,
/// floats numerically (all NaNs equal), booleans case-insensitively, date-times by normalised value at
/// millisecond precision (offset date-times as instants, extra digits truncated).
/// </summary>
internal static partial class TaggedJson
{
    public static void AssertMatches(JsonElement expected, object actual, string path)
    {
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object when IsScalar(expected):
                AssertScalar(expected.GetProperty("type").GetString()!, expected.GetProperty("value").GetString()!, actual, path);
                break;
            case JsonValueKind.Object:
                var table = actual as TomlTable ?? throw Fail(path, $"expected a table, got {Describe(actual)}");
                var keys = expected.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
                var missing = keys.Where(k => !table.ContainsKey(k)).ToList();
                var extra = table.Keys.Where(k => !keys.Contains(k)).ToList();
                if (missing.Count + extra.Count > 0)
                    throw Fail(path, $"key sets differ: missing [{string.Join(", ", missing)}], extra [{string.Join(", ", extra)}]");
                foreach (var p in expected.EnumerateObject()) AssertMatches(p.Value, table[p.Name], path.Length == 0 ? p.Name : path + "." + p.Name);
                break;
            case JsonValueKind.Array:
                var arr = actual as TomlArray ?? throw Fail(path, $"expected an array, got {Describe(actual)}");
                if (arr.Count != expected.GetArrayLength())
                    throw Fail(path, $"array length {arr.Count}, expected {expected.GetArrayLength()}");
                int i = 0;
                foreach (var e in expected.EnumerateArray()) { AssertMatches(e, arr[i], $"{path}[{i}]"); i++; }
                break;
            default:
                throw Fail(path, $"unexpected JSON {expected.ValueKind} in expected file");
        }
    }

    static bool IsScalar(JsonElement o)
    {
        int n = 0;
        foreach (var p in o.EnumerateObject())
        {
            if ((p.Name != "type" && p.Name != "value") || p.Value.ValueKind != JsonValueKind.String) return false;
            n++;
        }
        return n == 2;
    }

    static void AssertScalar(string type, string value, object actual, string path)
    {
        switch (type)
        {
            case "string":
                if (actual is not string s || s != value) throw Fail(path, $"expected string {Quote(value)}, got {Describe(actual)}");
                break;
            case "integer":
                if (actual is not long l || l.ToString(CultureInfo.InvariantCulture) != value)
                    throw Fail(path, $"expected integer {value}, got {Describe(actual)}");
                break;
            case "float":
                if (actual is not double d) throw Fail(path, $"expected float {value}, got {Describe(actual)}");
                if (value.EndsWith("nan", StringComparison.Ordinal) || double.IsNaN(d))
                {
                    if (!(value.EndsWith("nan", StringComparison.Ordinal) && double.IsNaN(d)))
                        throw Fail(path, $"expected float {value}, got {d.ToString("R", CultureInfo.InvariantCulture)}");
                }
                else if (ParseFloat(value) != d)
                    throw Fail(path, $"expected float {value}, got {d.ToString("R", CultureInfo.InvariantCulture)}");
                break;
            case "bool":
                if (actual is not bool b || !string.Equals(b ? "true" : "false", value, StringComparison.OrdinalIgnoreCase))
                    throw Fail(path, $"expected bool {value}, got {Describe(actual)}");
                break;
            case "datetime":
            case "datetime-local":
            case "date-local":
            case "time-local":
                var kind = type switch
                {
                    "datetime" => TomlDateTimeKind.OffsetDateTime,
                    "datetime-local" => TomlDateTimeKind.LocalDateTime,
                    "date-local" => TomlDateTimeKind.LocalDate,
                    _ => TomlDateTimeKind.LocalTime,
                };
                if (actual is not TomlDateTime dt || dt.Kind != kind)
                    throw Fail(path, $"expected {type} {value}, got {Describe(actual)}");
                string want = NormalizeDateTime(value, kind), got = NormalizeDateTime(dt.ToCanonicalString(), kind);
                if (want != got) throw Fail(path, $"expected {type} {value} (= {want}), got {dt.ToCanonicalString()} (= {got})");
                break;
            default:
                throw Fail(path, $"unknown tagged type '{type}' in expected file");
        }
    }

    static double ParseFloat(string v) => v.TrimStart('+') switch
    {
        "inf" => double.PositiveInfinity,
        "-inf" => double.NegativeInfinity,
        var t => double.Parse(t, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    [GeneratedRegex(@"^(?:(\d{4})-(\d{2})-(\d{2}))?[Tt ]?(?:(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?)?([Zz]|[+-]\d{2}:\d{2})?$")]
    private static partial Regex DateTimeRegex();

    /// <summary>Canonical text at millisecond precision; offset date-times as a UTC instant.</summary>
    internal static string NormalizeDateTime(string s, TomlDateTimeKind kind)
    {
        var m = DateTimeRegex().Match(s);
        if (!m.Success) throw new FormatException($"not an RFC 3339 date/time: '{s}'");
        int G(int i) => m.Groups[i].Success ? int.Parse(m.Groups[i].Value, CultureInfo.InvariantCulture) : 0;
        string frac = m.Groups[7].Success ? m.Groups[7].Value : "";
        int ms = int.Parse((frac + "000")[..3], CultureInfo.InvariantCulture);
        switch (kind)
        {
            case TomlDateTimeKind.LocalDate:
                return $"{G(1):D4}-{G(2):D2}-{G(3):D2}";
            case TomlDateTimeKind.LocalTime:
                return $"{G(4):D2}:{G(5):D2}:{G(6):D2}.{ms:D3}";
            case TomlDateTimeKind.LocalDateTime:
                return $"{G(1):D4}-{G(2):D2}-{G(3):D2}T{G(4):D2}:{G(5):D2}:{G(6):D2}.{ms:D3}";
            default:
                string off = m.Groups[8].Value;
                var offset = off is "Z" or "z" ? TimeSpan.Zero
                    : TimeSpan.FromMinutes((off[0] == '-' ? -1 : 1) * (int.Parse(off[1..3]) * 60 + int.Parse(off[4..6])));
                int sec = G(6);
                var dto = new DateTimeOffset(G(1), G(2), G(3), G(4), G(5), Math.Min(sec, 59), ms, offset);
                if (sec == 60) dto = dto.AddSeconds(1);
                return dto.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        }
    }

    static string Quote(string s) => JsonSerializer.Serialize(s);

    static string Describe(object? v) => v switch
    {
        string s => "string " + Quote(s),
        double d => "float " + d.ToString("R", CultureInfo.InvariantCulture),
        TomlDateTime dt => $"{dt.Kind} {dt.Text}",
        TomlTable => "table",
        TomlArray a => $"array[{a.Count}]",
        null => "null",
        _ => $"{TomlTable.TypeName(v)} {Convert.ToString(v, CultureInfo.InvariantCulture)}",
    };

    static Exception Fail(string path, string msg) =>
        new Xunit.Sdk.XunitException($"at '{(path.Length == 0 ? "<root>" : path)}': {msg}");
}
