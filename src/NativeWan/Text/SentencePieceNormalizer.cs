namespace NativeWan.Text;

/// <summary>
/// SentencePiece text normalization on UTF-8 bytes, as in the C++ core's <c>Normalizer::Normalize</c>
/// (v0.1.97): at each position the longest user-defined symbol passes through unchanged, else the longest
/// <c>precompiled_charsmap</c> rule is applied, else one UTF-8 character is copied (a malformed byte becomes
/// U+FFFD and consumes one byte). With <c>remove_extra_whitespaces</c>, leading spaces are dropped, a
/// replacement's leading spaces are dropped after a space and trailing spaces are removed; with
/// <c>add_dummy_prefix</c> a space is prepended; with <c>escape_whitespaces</c> every ASCII space becomes
/// U+2581. See golden/tokenizer/README.md, "Normalization".
/// </summary>
internal sealed class SentencePieceNormalizer
{
    readonly PrecompiledCharsMap? _charsMap;
    readonly PieceTrie? _userDefined;
    readonly bool _addDummyPrefix, _removeExtraWhitespaces, _escapeWhitespaces;

    public SentencePieceNormalizer(PrecompiledCharsMap? charsMap, PieceTrie? userDefined,
        bool addDummyPrefix, bool removeExtraWhitespaces, bool escapeWhitespaces)
    {
        _charsMap = charsMap;
        _userDefined = userDefined;
        _addDummyPrefix = addDummyPrefix;
        _removeExtraWhitespaces = removeExtraWhitespaces;
        _escapeWhitespaces = escapeWhitespaces;
    }

    /// <summary>
    /// Normalizes one prefix of <paramref name="input"/> (non-empty): returns its output bytes and sets
    /// <paramref name="consumed"/> to the number of input bytes it covers (at least 1).
    /// </summary>
    ReadOnlySpan<byte> NormalizePrefix(ReadOnlySpan<byte> input, out int consumed)
    {
        if (_userDefined is not null)
        {
            int n = _userDefined.LongestPrefix(input);
            if (n > 0) { consumed = n; return input.Slice(0, n); }
        }
        if (_charsMap is not null)
        {
            int n = _charsMap.LongestMatch(input, out var replacement);
            if (n > 0) { consumed = n; return replacement; }
        }
        if (!SentencePieceUtf8.TryDecode(input, out int length))
        {
            consumed = 1;
            return SentencePieceUtf8.ReplacementChar;
        }
        consumed = length;
        return input.Slice(0, length);
    }

    /// <summary>Normalizes <paramref name="input"/> (UTF-8) into <paramref name="output"/> (UTF-8, cleared first).</summary>
    public void Normalize(ReadOnlySpan<byte> input, ByteBuilder output)
    {
        output.Clear();
        if (input.IsEmpty) return;

        if (_removeExtraWhitespaces)
        {
            while (!input.IsEmpty)
            {
                var p = NormalizePrefix(input, out int consumed);
                if (!(p.Length == 1 && p[0] == (byte)' ')) break;
                input = input.Slice(consumed);
            }
        }
        if (input.IsEmpty) return;

        if (_addDummyPrefix) AppendSpace(output);

        bool isPrevSpace = _removeExtraWhitespaces;
        while (!input.IsEmpty)
        {
            var sp = NormalizePrefix(input, out int consumed);
            if (isPrevSpace)
                while (!sp.IsEmpty && sp[0] == (byte)' ') sp = sp.Slice(1);
            if (!sp.IsEmpty)
            {
                foreach (byte b in sp)
                {
                    if (b == (byte)' ') AppendSpace(output);
                    else output.Append(b);
                }
                isPrevSpace = sp[^1] == (byte)' ';
            }
            input = input.Slice(consumed);
            if (!_removeExtraWhitespaces) isPrevSpace = false;
        }

        if (_removeExtraWhitespaces)
        {
            ReadOnlySpan<byte> space = _escapeWhitespaces ? SentencePieceUtf8.SpaceSymbol : " "u8;
            int length = output.Length;
            while (output.Span.Slice(0, length).EndsWith(space)) length -= space.Length;
            output.Truncate(length);
        }
    }

    void AppendSpace(ByteBuilder output)
    {
        if (_escapeWhitespaces) output.Append(SentencePieceUtf8.SpaceSymbol);
        else output.Append((byte)' ');
    }
}
