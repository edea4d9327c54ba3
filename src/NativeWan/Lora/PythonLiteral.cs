using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace NativeWan.Lora;

/// <summary>
/// The small part of Python syntax that musubi-tuner <c>--network_args</c> values use: a list (or tuple) of string
/// literals as read by <c>ast.literal_eval</c>, and Python <c>re</c> patterns used with <c>fullmatch</c>.
/// </summary>
public static class PythonLiteral
{
    /// <summary>
    /// Parses <c>["a", 'b', r".*\d"]</c> (or a tuple): single or double quotes, optional <c>r</c>/<c>u</c> prefix,
    /// the usual backslash escapes in non-raw strings (unknown escapes keep the backslash, as Python does), adjacent
    /// literals concatenated, trailing comma allowed.
    /// </summary>
    /// <exception cref="FormatException">Anything else; the message shows the position.</exception>
    public static IReadOnlyList<string> ParseStringList(string text)
    {
        int i = 0;
        SkipWs(text, ref i);
        if (i >= text.Length || (text[i] != '[' && text[i] != '('))
            throw new FormatException($"expected a Python list of strings like [\"a\", \"b\"], got: {text}");
        char close = text[i] == '[' ? ']' : ')';
        i++;
        var list = new List<string>();
        while (true)
        {
            SkipWs(text, ref i);
            if (i >= text.Length) throw new FormatException($"unterminated list: {text}");
            if (text[i] == close) { i++; break; }
            var sb = new StringBuilder();
            ReadString(text, ref i, sb);
            SkipWs(text, ref i);
            while (i < text.Length && IsStringStart(text, i)) { ReadString(text, ref i, sb); SkipWs(text, ref i); }
            list.Add(sb.ToString());
            if (i < text.Length && text[i] == ',') { i++; continue; }
            SkipWs(text, ref i);
            if (i < text.Length && text[i] == close) { i++; break; }
            throw new FormatException($"expected ',' or '{close}' at position {i}: {text}");
        }
        SkipWs(text, ref i);
        if (i != text.Length) throw new FormatException($"unexpected text after the list at position {i}: {text}");
        return list;
    }

    static void SkipWs(string s, ref int i) { while (i < s.Length && char.IsWhiteSpace(s[i])) i++; }

    static bool IsStringStart(string s, int i)
    {
        if (s[i] is '"' or '\'') return true;
        return s[i] is 'r' or 'R' or 'u' or 'U' && i + 1 < s.Length && s[i + 1] is '"' or '\'';
    }

    static void ReadString(string s, ref int i, StringBuilder sb)
    {
        bool raw = false;
        if (s[i] is 'r' or 'R') { raw = true; i++; }
        else if (s[i] is 'u' or 'U') i++;
        if (i >= s.Length || s[i] is not ('"' or '\'')) throw new FormatException($"expected a string literal at position {i}: {s}");
        char q = s[i++];
        if (i + 1 < s.Length && s[i] == q && s[i + 1] == q) throw new FormatException($"triple-quoted strings are not supported: {s}");
        while (true)
        {
            if (i >= s.Length) throw new FormatException($"unterminated string literal: {s}");
            char c = s[i++];
            if (c == q) return;
            if (c != '\\') { sb.Append(c); continue; }
            if (i >= s.Length) throw new FormatException($"unterminated string literal: {s}");
            char e = s[i++];
            if (raw) { sb.Append('\\').Append(e); continue; } // raw: backslash stays, only protects the quote
            switch (e)
            {
                case '\\': sb.Append('\\'); break;
                case '\'': sb.Append('\''); break;
                case '"': sb.Append('"'); break;
                case 'n': sb.Append('\n'); break;
                case 't': sb.Append('\t'); break;
                case 'r': sb.Append('\r'); break;
                case 'a': sb.Append('\a'); break;
                case 'b': sb.Append('\b'); break;
                case 'f': sb.Append('\f'); break;
                case 'v': sb.Append('\v'); break;
                case '\n': break;
                case 'x': sb.Append((char)Hex(s, ref i, 2)); break;
                case 'u': sb.Append((char)Hex(s, ref i, 4)); break;
                case 'U': sb.Append(char.ConvertFromUtf32(Hex(s, ref i, 8))); break;
                default: sb.Append('\\').Append(e); break;
            }
        }
    }

    static int Hex(string s, ref int i, int n)
    {
        if (i + n > s.Length || !int.TryParse(s.AsSpan(i, n), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int v))
            throw new FormatException($"bad \\x/\\u escape at position {i}: {s}");
        i += n;
        return v;
    }

    /// <summary>
    /// Compiles a Python <c>re</c> pattern for <c>re.fullmatch</c> semantics: <c>^(?:pattern)\z</c>, with the Python-only
    /// group syntax <c>(?P&lt;name&gt;…)</c> / <c>(?P=name)</c> rewritten to .NET's.
    /// </summary>
    /// <exception cref="ArgumentException">The pattern does not compile; the message quotes it.</exception>
    public static Regex CompileFullMatch(string pythonPattern)
    {
        var p = pythonPattern.Replace("(?P<", "(?<");
        p = Regex.Replace(p, @"\(\?P=(\w+)\)", @"\k<$1>");
        try
        {
            return new Regex("^(?:" + p + @")\z", RegexOptions.CultureInvariant);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"invalid regular expression '{pythonPattern}': {e.Message}", e);
        }
    }
}
