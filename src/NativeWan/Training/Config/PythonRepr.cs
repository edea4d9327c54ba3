using System.Collections;
using System.Globalization;
using System.Text;

namespace NativeWan.Training.Config;

/// <summary>
/// Python's <c>str()</c> of simple values, so <c>ss_*</c> metadata reads exactly as musubi-tuner writes it
/// (<c>metadata = {k: str(v)}</c>): floats in shortest round-trip form with at least one decimal (<c>1.0</c>,
/// <c>0.0002</c>) and scientific notation below 1e-4 or from 1e16 (<c>2e-06</c>, <c>1e+16</c>), booleans as
/// <c>True</c>/<c>False</c>, absent values as <c>None</c>.
/// </summary>
public static class PythonRepr
{
    /// <summary><c>str(float)</c>.</summary>
    public static string Float(double v)
    {
        if (double.IsNaN(v)) return "nan";
        if (double.IsInfinity(v)) return v > 0 ? "inf" : "-inf";
        if (v == 0) return double.IsNegative(v) ? "-0.0" : "0.0";
        var r = v.ToString("R", CultureInfo.InvariantCulture); // shortest round-trip digits
        // split into sign, digits, decimal exponent
        bool neg = r[0] == '-';
        if (neg) r = r[1..];
        int exp = 0;
        int ePos = r.IndexOfAny(['E', 'e']);
        if (ePos >= 0) { exp = int.Parse(r[(ePos + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture); r = r[..ePos]; }
        int dot = r.IndexOf('.');
        string digits = dot >= 0 ? r.Remove(dot, 1) : r;
        int pointPos = (dot >= 0 ? dot : r.Length) + exp; // position of the decimal point within digits
        int lead = 0;
        while (lead < digits.Length - 1 && digits[lead] == '0') { lead++; pointPos--; }
        digits = digits[lead..].TrimEnd('0');
        if (digits.Length == 0) digits = "0";
        int decExp = pointPos - 1; // exponent of the first digit
        string s;
        if (decExp < -4 || decExp >= 16)
        {
            string mant = digits.Length > 1 ? digits[0] + "." + digits[1..] : digits;
            s = $"{mant}e{(decExp < 0 ? '-' : '+')}{Math.Abs(decExp):D2}";
        }
        else if (pointPos <= 0) s = "0." + new string('0', -pointPos) + digits;
        else if (pointPos >= digits.Length) s = digits + new string('0', pointPos - digits.Length) + ".0";
        else s = digits[..pointPos] + "." + digits[pointPos..];
        return neg ? "-" + s : s;
    }

    /// <summary><c>str(bool)</c>.</summary>
    public static string Bool(bool v) => v ? "True" : "False";

    /// <summary><c>str(int)</c> or <c>None</c>.</summary>
    public static string Int(long? v) => v is long x ? x.ToString(CultureInfo.InvariantCulture) : "None";

    /// <summary><c>str(float)</c> or <c>None</c>.</summary>
    public static string Float(double? v) => v is double x ? Float(x) : "None";

    /// <summary>A string, or <c>None</c>.</summary>
    public static string Str(string? v) => v ?? "None";

    /// <summary>
    /// <c>json.dumps(value)</c> with Python's defaults (separators <c>", "</c> and <c>": "</c>, non-ASCII escaped as
    /// <c>\uXXXX</c>, floats as <see cref="Float(double)"/>): dictionaries (string keys, insertion order), lists,
    /// strings, integers, floats, booleans and null.
    /// </summary>
    /// <exception cref="ArgumentException">A value of another type.</exception>
    public static string Json(object? value)
    {
        var sb = new StringBuilder();
        WriteJson(sb, value);
        return sb.ToString();
    }

    static void WriteJson(StringBuilder sb, object? v)
    {
        switch (v)
        {
            case null: sb.Append("null"); break;
            case bool b: sb.Append(b ? "true" : "false"); break;
            case string s: JsonString(sb, s); break;
            case int or long or short or byte or uint or ulong: sb.Append(Convert.ToString(v, CultureInfo.InvariantCulture)); break;
            case double or float:
                double d = Convert.ToDouble(v, CultureInfo.InvariantCulture);
                sb.Append(double.IsNaN(d) ? "NaN" : double.IsInfinity(d) ? (d > 0 ? "Infinity" : "-Infinity") : Float(d));
                break;
            case IEnumerable<KeyValuePair<string, object?>> dict:
                sb.Append('{');
                bool first = true;
                foreach (var (k, x) in dict)
                {
                    if (!first) sb.Append(", ");
                    first = false;
                    JsonString(sb, k);
                    sb.Append(": ");
                    WriteJson(sb, x);
                }
                sb.Append('}');
                break;
            case IEnumerable list:
                sb.Append('[');
                bool f2 = true;
                foreach (var x in list)
                {
                    if (!f2) sb.Append(", ");
                    f2 = false;
                    WriteJson(sb, x);
                }
                sb.Append(']');
                break;
            default: throw new ArgumentException($"cannot write {v.GetType().Name} as JSON");
        }
    }

    static void JsonString(StringBuilder sb, string s)
    {
        sb.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20 || c > 0x7E) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }
}
