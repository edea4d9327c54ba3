namespace NativeWan.Text;

/// <summary>
/// Wan's prompt cleaning before umT5 tokenization (<c>wan/modules/tokenizers.py</c>,
/// <c>clean='whitespace'</c>): <c>html.unescape(html.unescape(text)).strip()</c>, then
/// <c>regex.sub(r'\s+', ' ', text).strip()</c>. See golden/tokenizer/README.md, "The pipeline around the tokenizer".
/// </summary>
/// <remarks>
/// The first step of the reference, <c>ftfy.fix_text</c>, is <b>not</b> reproduced: for ASCII text,
/// whitespace and up to two levels of HTML entities (the golden pipeline cases) it changes nothing, but on
/// other input ftfy also applies NFC, straightens curly quotes, expands Latin ligatures, converts
/// full-width characters, repairs mojibake and may unescape more HTML entities, so ids can differ there.
/// </remarks>
public static class WanTextCleaner
{
    /// <summary>Cleans a prompt as described above (without ftfy).</summary>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    public static string Clean(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = HtmlEntityDecoder.Unescape(HtmlEntityDecoder.Unescape(text));
        t = PythonText.Strip(t);
        t = PythonText.CollapseWhitespace(t);
        return PythonText.Strip(t);
    }
}
