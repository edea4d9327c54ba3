using System.Collections;
using System.Globalization;

namespace NativeWan.Data;

/// <summary>
/// Typed reads from the generic values a TOML parser produces: tables as <c>IReadOnlyDictionary&lt;string, object?&gt;</c>
/// / <c>IDictionary&lt;string, object?&gt;</c> / <c>IDictionary</c>, arrays as <c>IList</c> / <c>IEnumerable</c>, integers as
/// <c>long</c> (any integral type accepted), floats as <c>double</c>, booleans, strings. Every failure is a
/// <see cref="DatasetConfigException"/> naming the source and key.
/// </summary>
internal sealed class ConfigValues(string source)
{
    public string Source => source;

    public static IReadOnlyDictionary<string, object?>? AsTable(object? v)
    {
        switch (v)
        {
            case IReadOnlyDictionary<string, object?> ro: return ro;
            case IDictionary<string, object?> d: return new Dictionary<string, object?>(d);
            case IDictionary nd:
                var copy = new Dictionary<string, object?>();
                foreach (DictionaryEntry e in nd)
                    if (e.Key is string k) copy[k] = e.Value;
                    else return null;
                return copy;
            default: return null;
        }
    }

    public static IReadOnlyList<object?>? AsList(object? v)
    {
        if (v is null or string || AsTable(v) != null) return null;
        if (v is IEnumerable e)
        {
            var l = new List<object?>();
            foreach (var x in e) l.Add(x);
            return l;
        }
        return null;
    }

    public DatasetConfigException Error(string key, string message) => new(source, key, message);

    public DatasetConfigException Expected(string key, string what, object? got) => new(source, key, $"expected {what}, got {Describe(got)}");

    /// <summary>How a value reads in TOML terms: <c>string "abc"</c>, <c>integer 3</c>, <c>array</c>…</summary>
    public static string Describe(object? v) => v switch
    {
        null => "nothing (null)",
        string s => $"string \"{(s.Length > 60 ? s[..60] + "…" : s)}\"",
        bool b => $"boolean {(b ? "true" : "false")}",
        double or float or decimal => $"float {Convert.ToDouble(v, CultureInfo.InvariantCulture).ToString("R", CultureInfo.InvariantCulture)}",
        sbyte or byte or short or ushort or int or uint or long or ulong => $"integer {Convert.ToString(v, CultureInfo.InvariantCulture)}",
        _ when AsTable(v) != null => "a table",
        _ when AsList(v) != null => "an array",
        _ => $"a {v.GetType().Name}",
    };

    static bool TryInteger(object? v, out long value)
    {
        switch (v)
        {
            case long l: value = l; return true;
            case int i: value = i; return true;
            case short s: value = s; return true;
            case sbyte sb: value = sb; return true;
            case byte b: value = b; return true;
            case ushort us: value = us; return true;
            case uint ui: value = ui; return true;
            case ulong ul when ul <= long.MaxValue: value = (long)ul; return true;
            default: value = 0; return false;
        }
    }

    public int Int(string key, object? v, int min = int.MinValue)
    {
        if (!TryInteger(v, out var l) || l < min || l > int.MaxValue)
            throw Expected(key, min == int.MinValue ? "an integer" : $"an integer ≥ {min}", v);
        return (int)l;
    }

    /// <summary>A float; integers are accepted too (musubi insists on <c>30.0</c> rather than <c>30</c>; NativeWan does not).</summary>
    public double Double(string key, object? v, bool positive)
    {
        double d;
        if (v is double dd) d = dd;
        else if (v is float f) d = f;
        else if (v is decimal m) d = (double)m;
        else if (TryInteger(v, out var l)) d = l;
        else throw Expected(key, positive ? "a positive number" : "a number", v);
        if (!double.IsFinite(d) || (positive && !(d > 0))) throw Expected(key, positive ? "a positive number" : "a finite number", v);
        return d;
    }

    public bool Bool(string key, object? v) => v is bool b ? b : throw Expected(key, "a boolean (true/false)", v);

    public string Str(string key, object? v, bool nonEmpty = true)
    {
        if (v is not string s) throw Expected(key, "a string", v);
        if (nonEmpty && s.Length == 0) throw Error(key, "must not be empty");
        return s;
    }

    public IReadOnlyList<int> IntList(string key, object? v, int min, bool allowScalar)
    {
        if (allowScalar && TryInteger(v, out _)) return [Int(key, v, min)];
        var list = AsList(v) ?? throw Expected(key, "an array of integers", v);
        if (list.Count == 0) throw Error(key, "must not be an empty array");
        var r = new int[list.Count];
        for (int i = 0; i < list.Count; i++) r[i] = Int($"{key}[{i}]", list[i], min);
        return r;
    }

    /// <summary>musubi's <c>resolution</c>: an int n → (n, n), or an array [W, H]; both positive.</summary>
    public Resolution Resolution(string key, object? v)
    {
        if (TryInteger(v, out _))
        {
            int n = Int(key, v, 1);
            return new Resolution(n, n);
        }
        var list = AsList(v);
        if (list is not { Count: 2 }) throw Expected(key, "an integer or an array [width, height]", v);
        return new Resolution(Int($"{key}[0]", list[0], 1), Int($"{key}[1]", list[1], 1));
    }
}
