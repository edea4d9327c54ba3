using System.Buffers.Binary;

namespace NativeWan.Text;

/// <summary>
/// The <c>normalizer_spec.precompiled_charsmap</c> of a SentencePiece model: a little-endian
/// <c>uint32</c> trie size T, then T bytes of a Darts-clone double-array trie (little-endian <c>uint32</c>
/// units) keyed on UTF-8 input bytes, then a blob of NUL-terminated replacement strings. A trie value is
/// the offset of its replacement in that blob (golden/tokenizer/README.md, "Normalization").
/// </summary>
internal sealed class PrecompiledCharsMap
{
    /// <summary>SentencePiece keeps at most this many prefix matches per position (Normalizer::kMaxTrieResultsSize).</summary>
    const int MaxTrieResults = 32;

    readonly uint[] _units;
    readonly byte[] _replacements;
    readonly string _source;

    /// <summary>Parses the blob.</summary>
    /// <param name="blob">The raw <c>precompiled_charsmap</c> bytes.</param>
    /// <param name="source">File name used in error messages.</param>
    /// <exception cref="InvalidDataException">The size header is inconsistent with the blob.</exception>
    public PrecompiledCharsMap(ReadOnlySpan<byte> blob, string source)
    {
        _source = source;
        if (blob.Length <= 4)
            throw new InvalidDataException($"{source}: precompiled_charsmap is broken ({blob.Length} bytes, no trie)");
        uint trieSize = BinaryPrimitives.ReadUInt32LittleEndian(blob);
        if (trieSize == 0 || trieSize > (uint)(blob.Length - 4) || trieSize % 4 != 0)
            throw new InvalidDataException(
                $"{source}: precompiled_charsmap trie size {trieSize} does not fit the {blob.Length}-byte blob or is not a multiple of 4");
        var trie = blob.Slice(4, (int)trieSize);
        _units = new uint[trieSize / 4];
        for (int i = 0; i < _units.Length; i++) _units[i] = BinaryPrimitives.ReadUInt32LittleEndian(trie.Slice(i * 4));
        _replacements = blob.Slice(4 + (int)trieSize).ToArray();
    }

    /// <summary>
    /// Longest rule matching a prefix of <paramref name="input"/> (Darts-clone <c>commonPrefixSearch</c>
    /// from the root, keeping at most 32 matches like SentencePiece). Returns the matched byte length, 0
    /// when no rule applies; <paramref name="replacement"/> is the rule's output (possibly empty).
    /// </summary>
    /// <exception cref="InvalidDataException">A trie value points outside the replacement blob.</exception>
    public int LongestMatch(ReadOnlySpan<byte> input, out ReadOnlySpan<byte> replacement)
    {
        var units = _units;
        int longestLength = 0, longestValue = 0, found = 0;
        uint id = Offset(units[0]);
        for (int i = 0; i < input.Length; i++)
        {
            byte b = input[i];
            id ^= b;
            if (id >= (uint)units.Length) break;
            uint unit = units[id];
            if (Label(unit) != b) break;
            id ^= Offset(unit);
            if (HasLeaf(unit))
            {
                if (found < MaxTrieResults)
                {
                    if (id >= (uint)units.Length)
                        throw new InvalidDataException($"{_source}: precompiled_charsmap trie leaf index {id} out of range");
                    longestLength = i + 1;
                    longestValue = (int)(units[id] & 0x7FFFFFFF);
                }
                found++;
            }
        }
        if (longestLength == 0)
        {
            replacement = default;
            return 0;
        }
        if (longestValue >= _replacements.Length)
            throw new InvalidDataException(
                $"{_source}: precompiled_charsmap replacement offset {longestValue} is outside the {_replacements.Length}-byte string blob");
        var rest = _replacements.AsSpan(longestValue);
        int nul = rest.IndexOf((byte)0);
        replacement = nul < 0 ? rest : rest.Slice(0, nul);
        return longestLength;
    }

    // Darts-clone DoubleArrayUnit accessors.
    static bool HasLeaf(uint unit) => ((unit >> 8) & 1) == 1;
    static uint Label(uint unit) => unit & (0x80000000u | 0xFFu);
    static uint Offset(uint unit) => (unit >> 10) << (int)((unit & (1u << 9)) >> 6);
}
