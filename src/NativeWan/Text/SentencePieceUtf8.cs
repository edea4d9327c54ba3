namespace NativeWan.Text;

/// <summary>
/// UTF-8 helpers with exactly the rules of the SentencePiece C++ core (<c>util.h</c>/<c>util.cc</c>,
/// version 0.1.97): a lead-byte length table for the Viterbi walk and a strict decoder that reports one
/// consumed byte for every malformed position.
/// </summary>
internal static class SentencePieceUtf8
{
    /// <summary>U+2581 LOWER ONE EIGHTH BLOCK (the whitespace meta symbol) as UTF-8.</summary>
    public static ReadOnlySpan<byte> SpaceSymbol => [0xE2, 0x96, 0x81];

    /// <summary>U+FFFD REPLACEMENT CHARACTER as UTF-8.</summary>
    public static ReadOnlySpan<byte> ReplacementChar => [0xEF, 0xBF, 0xBD];

    /// <summary>
    /// Length of the UTF-8 sequence announced by <paramref name="lead"/> from its high nibble alone:
    /// 1 for 0x00–0xBF (continuation bytes count as 1), 2 for 0xC0–0xDF, 3 for 0xE0–0xEF, 4 for 0xF0–0xFF.
    /// </summary>
    public static int OneCharLen(byte lead) => (lead >> 4) switch
    {
        < 12 => 1,
        12 or 13 => 2,
        14 => 3,
        _ => 4,
    };

    /// <summary>
    /// Decodes one code point at the start of <paramref name="s"/> (non-empty). Returns true when the
    /// bytes form a valid, shortest-form, non-surrogate scalar value (U+FFFD itself counts as valid);
    /// <paramref name="length"/> is its byte length, or 1 for a malformed position.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> s, out int length)
    {
        byte b0 = s[0];
        if (b0 < 0x80) { length = 1; return true; }
        int n = s.Length;
        if (n >= 2 && (b0 & 0xE0) == 0xC0)
        {
            int cp = ((b0 & 0x1F) << 6) | (s[1] & 0x3F);
            if (IsTrail(s[1]) && cp >= 0x80) { length = 2; return true; }
        }
        else if (n >= 3 && (b0 & 0xF0) == 0xE0)
        {
            int cp = ((b0 & 0x0F) << 12) | ((s[1] & 0x3F) << 6) | (s[2] & 0x3F);
            if (IsTrail(s[1]) && IsTrail(s[2]) && cp >= 0x800 && IsValidCodePoint(cp)) { length = 3; return true; }
        }
        else if (n >= 4 && (b0 & 0xF8) == 0xF0)
        {
            int cp = ((b0 & 0x07) << 18) | ((s[1] & 0x3F) << 12) | ((s[2] & 0x3F) << 6) | (s[3] & 0x3F);
            if (IsTrail(s[1]) && IsTrail(s[2]) && IsTrail(s[3]) && cp >= 0x10000 && IsValidCodePoint(cp)) { length = 4; return true; }
        }
        length = 1;
        return false;
    }

    static bool IsTrail(byte b) => (b & 0xC0) == 0x80;

    static bool IsValidCodePoint(int cp) => cp < 0xD800 || (cp >= 0xE000 && cp <= 0x10FFFF);
}
