using NativeWan.Text;

namespace NativeWan.Tests.Text;

/// <summary>
/// HTML unescaping and whitespace handling of Wan's prompt cleaning. Expected strings were produced with
/// CPython 3.11 (<c>html.unescape</c>, <c>str.strip</c>) and the <c>regex</c> module (<c>regex.sub(r'\s+', ' ', s)</c>).
/// </summary>
public class WanTextCleaningTests
{
    [Theory]
    [InlineData("&amp;amp;", "&amp;")]
    [InlineData("&ampx", "&x")]
    [InlineData("Tom &amp; Jerry &lt;3", "Tom & Jerry <3")]
    [InlineData("&#39;x&#39;", "'x'")]
    [InlineData("&#x27;&#X41;", "'A")]
    [InlineData("&#128;&#129;&#150;", "\u20AC\u0081\u2013")]
    [InlineData("&#0;", "\uFFFD")]
    [InlineData("a&#1;b", "ab")]
    [InlineData("&#xD800;", "\uFFFD")]
    [InlineData("&#99999999999;", "\uFFFD")]
    [InlineData("&nbsp;", "\u00A0")]
    [InlineData("&lang;&rang;", "\u27E8\u27E9")]
    [InlineData("&copy2023", "\u00A92023")]
    [InlineData("&notit;", "\u00ACit;")]
    [InlineData("&unknownname;", "&unknownname;")]
    [InlineData("&#;", "&#;")]
    [InlineData("& amp;", "& amp;")]
    [InlineData("&#x1F600;", "\U0001F600")]
    [InlineData("&AMP;&QUOT", "&\"")]
    [InlineData("&#13;", "\r")]
    [InlineData("&#xFFFE;", "")]
    [InlineData("&#65;&#x;", "A&#x;")]
    [InlineData("&aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "&aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("&eacute&Eacute;", "\u00E9\u00C9")]
    [InlineData("&apos;&quot;", "'\"")]
    [InlineData("&hellip;&mdash;&euro;", "\u2026\u2014\u20AC")]
    [InlineData("&amp&lt&gt", "&<>")]
    [InlineData("&#x10FFFF;&#x110000;", "\uFFFD")]
    [InlineData("&am;", "&am;")]
    [InlineData("&ltx;", "<x;")]
    [InlineData("no entities", "no entities")]
    public void HtmlUnescape_MatchesPython(string input, string expected) =>
        Assert.Equal(expected, HtmlEntityDecoder.Unescape(input));

    [Theory]
    // U+001C..U+001F are spaces for str.strip() but not for regex \s; U+200B is neither.
    [InlineData(" \u001Ca\u001D\u001Eb \t\n c\u001F ", "a\u001D\u001Eb c")]
    [InlineData("\u00A0x\u3000\u2003y\u0085z\u200B", "x y z\u200B")]
    [InlineData("a\u202F\u205F\u2028\u2029b", "a b")]
    [InlineData("rock &amp;amp; roll", "rock & roll")]
    [InlineData("  &amp;nbsp; x &amp;#32; ", "x")]
    [InlineData("", "")]
    public void Clean_MatchesPython(string input, string expected) =>
        Assert.Equal(expected, WanTextCleaner.Clean(input));
}
