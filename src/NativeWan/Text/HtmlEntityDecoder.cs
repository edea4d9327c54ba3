using System.Globalization;
using System.Text;

namespace NativeWan.Text;

/// <summary>
/// Python's <c>html.unescape</c> (CPython 3.11, module <c>html</c>) re-implemented: every match of
/// <c>&amp;(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f &lt;&amp;#;]{1,32};?)</c> is replaced left to right.
/// Numeric references follow the HTML rules (0 and surrogates and values above U+10FFFF → U+FFFD, 0x80–0x9F
/// read as Windows-1252, other control and non-character code points removed, 13 → CR). Named references
/// use <see cref="HtmlEntityTable"/> (HTML 4 names plus <c>apos</c>; a legacy name such as <c>amp</c> also
/// matches without <c>;</c> and as the longest prefix of a longer word, e.g. <c>&amp;ampx</c> → <c>&amp;x</c>).
/// Difference from Python: HTML 5-only names are not known and are left unchanged.
/// </summary>
public static class HtmlEntityDecoder
{
    static readonly Dictionary<string, string> Named = BuildNamed();

    /// <summary>Windows-1252 meanings of the numeric references 0x80–0x9F (index = value − 0x80); 0 = keep the C1 code point.</summary>
    static readonly int[] Cp1252 =
    [
        0x20AC, 0, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0, 0x017D, 0,
        0, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0, 0x017E, 0x0178,
    ];

    static Dictionary<string, string> BuildNamed()
    {
        var d = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in HtmlEntityTable.Entries.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = entry.IndexOf('=');
            bool legacy = entry.EndsWith('*');
            string name = entry[..eq];
            string hex = entry[(eq + 1)..(legacy ? ^1 : ^0)];
            string value = char.ConvertFromUtf32(int.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            d[name + ";"] = value;
            if (legacy) d[name] = value;
        }
        return d;
    }

    /// <summary>Replaces HTML character references in <paramref name="s"/> like Python's <c>html.unescape</c>.</summary>
    public static string Unescape(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        int amp = s.IndexOf('&');
        if (amp < 0) return s;
        var sb = new StringBuilder(s.Length);
        sb.Append(s, 0, amp);
        int i = amp;
        while (i < s.Length)
        {
            if (s[i] != '&') { sb.Append(s[i]); i++; continue; }
            int end = TryReplace(s, i, sb);
            if (end < 0) { sb.Append('&'); i++; }
            else i = end;
        }
        return sb.ToString();
    }

    /// <summary>Replaces the reference starting at <paramref name="amp"/> ('&amp;'); returns the index after it, or −1 when none matches.</summary>
    static int TryReplace(string s, int amp, StringBuilder sb)
    {
        int p = amp + 1;
        if (p < s.Length && s[p] == '#')
        {
            // #[0-9]+;?  |  #[xX][0-9a-fA-F]+;?
            int q = p + 1;
            bool hex = false;
            int digitsStart = q;
            while (q < s.Length && char.IsAsciiDigit(s[q])) q++;
            if (q == digitsStart)
            {
                if (q < s.Length && (s[q] == 'x' || s[q] == 'X'))
                {
                    hex = true;
                    digitsStart = ++q;
                    while (q < s.Length && char.IsAsciiHexDigit(s[q])) q++;
                }
                if (q == digitsStart) return -1; // '#' cannot start a name either
            }
            long value = 0;
            for (int k = digitsStart; k < q; k++)
            {
                int d = hex ? HexValue(s[k]) : s[k] - '0';
                value = value * (hex ? 16 : 10) + d;
                if (value > 0x10FFFF) value = 0x110000; // saturate: every larger value maps to U+FFFD
            }
            if (q < s.Length && s[q] == ';') q++;
            AppendCharRef((int)value, sb);
            return q;
        }

        // [^\t\n\f <&#;]{1,32};?  (32 code points)
        int e = p, codePoints = 0;
        while (e < s.Length && codePoints < 32 && s[e] is not ('\t' or '\n' or '\f' or ' ' or '<' or '&' or '#' or ';'))
        {
            e += char.IsHighSurrogate(s[e]) && e + 1 < s.Length && char.IsLowSurrogate(s[e + 1]) ? 2 : 1;
            codePoints++;
        }
        if (e == p) return -1;
        if (e < s.Length && s[e] == ';') e++;
        string name = s[p..e];
        if (Named.TryGetValue(name, out var whole))
        {
            sb.Append(whole);
            return e;
        }
        for (int x = name.Length - 1; x > 1; x--)
        {
            if (Named.TryGetValue(name[..x], out var prefix))
            {
                sb.Append(prefix).Append(name, x, name.Length - x);
                return e;
            }
        }
        sb.Append('&').Append(name);
        return e;
    }

    static void AppendCharRef(int cp, StringBuilder sb)
    {
        if (cp == 0) { sb.Append('\uFFFD'); return; }
        if (cp == 0x0D) { sb.Append('\r'); return; }
        if (cp is >= 0x80 and <= 0x9F)
        {
            int mapped = Cp1252[cp - 0x80];
            sb.Append((char)(mapped != 0 ? mapped : cp));
            return;
        }
        if (cp is >= 0xD800 and <= 0xDFFF || cp > 0x10FFFF) { sb.Append('\uFFFD'); return; }
        if (IsInvalidCodePoint(cp)) return;
        if (cp < 0x10000) sb.Append((char)cp);
        else sb.Append(char.ConvertFromUtf32(cp));
    }

    /// <summary>Python's <c>html._invalid_codepoints</c> minus the values handled above: removed characters.</summary>
    static bool IsInvalidCodePoint(int cp) =>
        cp is >= 0x1 and <= 0x8 or 0xB or >= 0xE and <= 0x1F or >= 0x7F and <= 0x9F or >= 0xFDD0 and <= 0xFDEF
        || (cp & 0xFFFE) == 0xFFFE;

    static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
