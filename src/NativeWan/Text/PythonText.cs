using System.Text;

namespace NativeWan.Text;

/// <summary>
/// Python string behaviour needed by the Wan text pipeline: <c>str.isspace</c>/<c>str.strip()</c> and the
/// <c>regex</c> module's Unicode <c>\s</c> (the White_Space property), which differ in U+001C–U+001F
/// (spaces for <c>strip</c>, not for <c>\s</c>). .NET's <see cref="char.IsWhiteSpace(char)"/> matches neither.
/// </summary>
public static class PythonText
{
    /// <summary>Python <c>str.isspace()</c> for one character (all such characters are in the BMP).</summary>
    public static bool IsSpace(char c) => c switch
    {
        >= '\t' and <= '\r' => true,
        >= '\u001C' and <= ' ' => true,
        '\u0085' or '\u00A0' or '\u1680' => true,
        >= '\u2000' and <= '\u200A' => true,
        '\u2028' or '\u2029' or '\u202F' or '\u205F' or '\u3000' => true,
        _ => false,
    };

    /// <summary><c>regex</c> module <c>\s</c> on a Unicode string (Unicode White_Space: like <see cref="IsSpace"/> without U+001C–U+001F).</summary>
    public static bool IsRegexSpace(char c) => IsSpace(c) && c is not (>= '\u001C' and <= '\u001F');

    /// <summary>Python <c>s.strip()</c>: removes <see cref="IsSpace"/> characters from both ends.</summary>
    public static string Strip(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        int start = 0, end = s.Length;
        while (start < end && IsSpace(s[start])) start++;
        while (end > start && IsSpace(s[end - 1])) end--;
        return start == 0 && end == s.Length ? s : s[start..end];
    }

    /// <summary><c>regex.sub(r'\s+', ' ', s)</c>: every run of <see cref="IsRegexSpace"/> characters becomes one space.</summary>
    public static string CollapseWhitespace(string s)
    {
        ArgumentNullException.ThrowIfNull(s);
        var sb = new StringBuilder(s.Length);
        bool inRun = false;
        foreach (char c in s)
        {
            if (IsRegexSpace(c))
            {
                if (!inRun) sb.Append(' ');
                inRun = true;
            }
            else
            {
                sb.Append(c);
                inRun = false;
            }
        }
        return sb.ToString();
    }
}
