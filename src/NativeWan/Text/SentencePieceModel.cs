using System.Text;
using Google.Protobuf;
using NativeWan.IO;

namespace NativeWan.Text;

/// <summary>
/// A SentencePiece <b>unigram</b> model (the T5 / mT5 / umT5 tokenizer) with an exact re-implementation of
/// the reference C++ library (v0.1.97): normalization with the model's <c>precompiled_charsmap</c>,
/// Viterbi segmentation with unknown merging and optional byte fallback, and decoding.
/// Behaviour is pinned by golden/tokenizer/README.md and its <c>cases*.json</c>.
/// Immutable after loading; every method is thread-safe.
/// </summary>
/// <remarks>
/// Not implemented: BPE/WORD/CHAR models (refused at load), <c>treat_whitespace_as_suffix</c> (refused),
/// denormalizer rules (refused), sampling / n-best encoding and offsets into the original text.
/// Text is handled as UTF-8; a lone UTF-16 surrogate in a .NET string is encoded as U+FFFD first.
/// </remarks>
public sealed class SentencePieceModel
{
    /// <summary>SentencePiece's penalty below the lowest piece score for an unknown character (kUnkPenalty).</summary>
    const float UnknownPenalty = 10.0f;

    readonly byte[][] _pieceBytes;
    readonly string[] _pieces;
    readonly float[] _scores;
    readonly SentencePieceType[] _types;
    readonly Dictionary<string, int> _reserved;   // CONTROL, UNKNOWN and BYTE pieces by text
    readonly PieceTrie _trie;                     // NORMAL, USER_DEFINED and UNUSED pieces
    readonly SentencePieceNormalizer _normalizer;
    readonly int[] _byteIds;                      // id of <0xXX> per byte value (byte fallback only)
    readonly byte[] _unknownSurface;
    readonly float _minScore, _maxScore;

    /// <summary>File or tensor name the model was loaded from (used in messages).</summary>
    public string SourceName { get; }

    /// <summary>Vocabulary size (number of pieces); valid ids are 0 … PieceCount − 1.</summary>
    public int PieceCount => _pieces.Length;

    /// <summary>Id of the single UNKNOWN piece.</summary>
    public int UnkId { get; }

    /// <summary>Id of <c>trainer_spec.bos_piece</c> when it is a CONTROL piece, else −1 (T5: −1).</summary>
    public int BosId { get; }

    /// <summary>Id of <c>trainer_spec.eos_piece</c> when it is a CONTROL piece, else −1 (T5: 1).</summary>
    public int EosId { get; }

    /// <summary>Id of <c>trainer_spec.pad_piece</c> when it is a CONTROL piece, else −1 (T5: 0).</summary>
    public int PadId { get; }

    /// <summary><c>trainer_spec.byte_fallback</c>: unknown characters become their UTF-8 byte pieces.</summary>
    public bool ByteFallback { get; }

    /// <summary><c>normalizer_spec.name</c> (e.g. <c>nmt_nfkc</c>); informational only, the charsmap is what is applied.</summary>
    public string NormalizerName { get; }

    /// <summary><c>normalizer_spec.add_dummy_prefix</c>.</summary>
    public bool AddDummyPrefix { get; }

    /// <summary><c>normalizer_spec.remove_extra_whitespaces</c>.</summary>
    public bool RemoveExtraWhitespaces { get; }

    /// <summary><c>normalizer_spec.escape_whitespaces</c>.</summary>
    public bool EscapeWhitespaces { get; }

    /// <summary><c>trainer_spec.unk_surface</c>: what an <c>&lt;unk&gt;</c> id decodes to (default " ⁇ ").</summary>
    public string UnknownSurface { get; }

    SentencePieceModel(SentencePieceModelProto proto, string sourceName)
    {
        SourceName = sourceName;
        int n = proto.Pieces.Count;
        if (n == 0) throw Bad(sourceName, "the model has no pieces");
        if (proto.ModelType != 1)
        {
            string kind = proto.ModelType switch { 2 => "BPE", 3 => "WORD", 4 => "CHAR", _ => $"type {proto.ModelType}" };
            throw Bad(sourceName, $"model_type is {kind}; only UNIGRAM SentencePiece models (T5/mT5/umT5) are supported");
        }
        if (proto.TreatWhitespaceAsSuffix)
            throw Bad(sourceName, "trainer_spec.treat_whitespace_as_suffix = true is not supported");
        if (proto.HasDenormalizerRules)
            throw Bad(sourceName, "denormalizer_spec rules are not supported");

        _pieceBytes = proto.Pieces.ToArray();
        _scores = proto.Scores.ToArray();
        _types = proto.Types.ToArray();
        _pieces = new string[n];
        _reserved = new Dictionary<string, int>(StringComparer.Ordinal);
        var trieKeys = new List<byte[]>(n);
        var trieValues = new List<int>(n);
        var userKeys = new List<byte[]>();
        var userValues = new List<int>();
        int unkId = -1;
        var byteIds = new int[256];
        Array.Fill(byteIds, -1);
        _minScore = float.MaxValue;
        // SentencePiece starts max_score_ at FLT_MIN (the smallest positive normal float), so with all-negative
        // log-probabilities it stays FLT_MIN; it only matters for the user-defined-symbol bonus.
        _maxScore = 1.17549435E-38f;
        var utf8 = new UTF8Encoding(false, true);
        for (int id = 0; id < n; id++)
        {
            var bytes = _pieceBytes[id];
            if (bytes.Length == 0) throw Bad(sourceName, $"piece {id} is empty");
            try { _pieces[id] = utf8.GetString(bytes); }
            catch (DecoderFallbackException) { throw Bad(sourceName, $"piece {id} is not valid UTF-8"); }
            var type = _types[id];
            switch (type)
            {
                case SentencePieceType.Normal or SentencePieceType.UserDefined or SentencePieceType.Unused:
                    trieKeys.Add(bytes);
                    trieValues.Add(id);
                    if (type == SentencePieceType.UserDefined) { userKeys.Add(bytes); userValues.Add(id); }
                    if (type == SentencePieceType.Normal)
                    {
                        _minScore = Math.Min(_minScore, _scores[id]);
                        _maxScore = Math.Max(_maxScore, _scores[id]);
                    }
                    break;
                default:
                    if (!_reserved.TryAdd(_pieces[id], id))
                        throw Bad(sourceName, $"piece '{_pieces[id]}' (id {id}) is already defined");
                    if (type == SentencePieceType.Unknown)
                    {
                        if (unkId >= 0) throw Bad(sourceName, $"more than one UNKNOWN piece (ids {unkId} and {id})");
                        unkId = id;
                    }
                    else if (type == SentencePieceType.Byte)
                    {
                        if (!proto.ByteFallback)
                            throw Bad(sourceName, $"byte piece '{_pieces[id]}' (id {id}) found although trainer_spec.byte_fallback is false");
                        int b = PieceToByte(_pieces[id]);
                        if (b < 0) throw Bad(sourceName, $"byte piece '{_pieces[id]}' (id {id}) is not of the form <0xXX>");
                        byteIds[b] = id;
                    }
                    break;
            }
        }
        if (unkId < 0) throw Bad(sourceName, "the model has no UNKNOWN piece");
        if (proto.ByteFallback && Array.IndexOf(byteIds, -1) >= 0)
            throw Bad(sourceName, $"trainer_spec.byte_fallback is true but byte piece <0x{Array.IndexOf(byteIds, -1):X2}> is missing");
        if (trieKeys.Count == 0) throw Bad(sourceName, "the model has no NORMAL/USER_DEFINED/UNUSED pieces");
        try
        {
            _trie = PieceTrie.Build(trieKeys, trieValues);
        }
        catch (ArgumentException e)
        {
            throw Bad(sourceName, $"vocabulary: {e.Message}");
        }
        var userTrie = userKeys.Count > 0 ? PieceTrie.Build(userKeys, userValues) : null;

        PrecompiledCharsMap? charsMap = null;
        if (proto.PrecompiledCharsMap.Length > 0)
        {
            try { charsMap = new PrecompiledCharsMap(proto.PrecompiledCharsMap, sourceName); }
            catch (InvalidDataException e) { throw Bad(sourceName, e.Message, e); }
        }
        _normalizer = new SentencePieceNormalizer(charsMap, userTrie,
            proto.AddDummyPrefix, proto.RemoveExtraWhitespaces, proto.EscapeWhitespaces);

        _byteIds = byteIds;
        UnkId = unkId;
        ByteFallback = proto.ByteFallback;
        NormalizerName = proto.NormalizerName;
        AddDummyPrefix = proto.AddDummyPrefix;
        RemoveExtraWhitespaces = proto.RemoveExtraWhitespaces;
        EscapeWhitespaces = proto.EscapeWhitespaces;
        UnknownSurface = proto.UnkSurface;
        _unknownSurface = Encoding.UTF8.GetBytes(proto.UnkSurface);
        BosId = ControlOrNone(proto.BosPiece);
        EosId = ControlOrNone(proto.EosPiece);
        PadId = ControlOrNone(proto.PadPiece);
    }

    int ControlOrNone(string piece)
    {
        int id = PieceToId(piece);
        return _types[id] == SentencePieceType.Control ? id : -1;
    }

    static ModelFileException Bad(string source, string message, Exception? inner = null) =>
        new(source, null, $"SentencePiece model: {message}", inner);

    /// <summary>
    /// Parses a serialized SentencePiece <c>ModelProto</c> (the bytes of a <c>spiece.model</c> file, or the
    /// <c>spiece_model</c> U8 tensor of a ComfyUI umT5 safetensors file).
    /// </summary>
    /// <param name="modelProto">The protobuf bytes.</param>
    /// <param name="sourceName">File (and tensor) name used in error messages.</param>
    /// <exception cref="ModelFileException">
    /// Malformed protobuf, a non-unigram model, an unsupported option, or an inconsistent vocabulary
    /// (empty/duplicate pieces, no or several UNKNOWN pieces, byte pieces inconsistent with byte_fallback,
    /// broken <c>precompiled_charsmap</c>); the message names <paramref name="sourceName"/>.
    /// </exception>
    public static SentencePieceModel Load(ReadOnlySpan<byte> modelProto, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        SentencePieceModelProto proto;
        try
        {
            proto = SentencePieceModelProto.Parse(modelProto.ToArray());
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or InvalidDataException)
        {
            throw Bad(sourceName, $"not a valid ModelProto: {e.Message}", e);
        }
        return new SentencePieceModel(proto, sourceName);
    }

    /// <summary>Reads and parses a <c>spiece.model</c> file; see <see cref="Load"/>.</summary>
    /// <exception cref="IOException">The file cannot be read.</exception>
    /// <exception cref="ModelFileException">See <see cref="Load"/>.</exception>
    public static SentencePieceModel LoadFile(string path) => Load(File.ReadAllBytes(path), path);

    /// <summary>Name of the 1-D U8 tensor in which ComfyUI's umT5 files embed the tokenizer (spec wan-architecture.md 6.3).</summary>
    public const string EmbeddedTensorName = "spiece_model";

    /// <summary>Loads the tokenizer embedded in a checkpoint as the U8 tensor <c>spiece_model</c> (the model proto bytes).</summary>
    /// <exception cref="ModelFileException">No such tensor, a dtype other than U8, or an invalid model.</exception>
    public static SentencePieceModel FromTensorSource(NativeWan.IO.ITensorSource src)
    {
        if (!src.TryGet(EmbeddedTensorName, out var t))
            throw new ModelFileException(src.SourcePath, null, $"no embedded tokenizer (tensor '{EmbeddedTensorName}'); pass the spiece.model file instead");
        if (t.DType != NativeWan.Numerics.DType.U8 || t.Shape.Length != 1)
            throw new ModelFileException(src.SourcePath, EmbeddedTensorName, $"expected a 1-D U8 tensor, found {t.DType} {t.ShapeText}");
        return Load(NativeWan.IO.TensorSourceExtensions.ReadBytes(src, t), src.SourcePath + ":" + EmbeddedTensorName);
    }

    /// <summary>The piece text of <paramref name="id"/> (spaces appear as U+2581).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="id"/> is not in 0 … PieceCount − 1.</exception>
    public string IdToPiece(int id) => _pieces[CheckId(id)];

    /// <summary>The score (log-probability) of <paramref name="id"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="id"/> is out of range.</exception>
    public float GetScore(int id) => _scores[CheckId(id)];

    /// <summary>The type of <paramref name="id"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="id"/> is out of range.</exception>
    public SentencePieceType GetPieceType(int id) => _types[CheckId(id)];

    /// <summary>Id of an exact piece text; <see cref="UnkId"/> when the vocabulary has no such piece (as SentencePiece).</summary>
    public int PieceToId(string piece)
    {
        ArgumentNullException.ThrowIfNull(piece);
        if (_reserved.TryGetValue(piece, out int id)) return id;
        id = _trie.Find(Encoding.UTF8.GetBytes(piece));
        return id >= 0 ? id : UnkId;
    }

    int CheckId(int id)
    {
        if ((uint)id >= (uint)_pieces.Length)
            throw new ArgumentOutOfRangeException(nameof(id), id, $"{SourceName}: token id {id} is outside the vocabulary (0 … {_pieces.Length - 1})");
        return id;
    }

    /// <summary>
    /// The normalized form of <paramref name="text"/> that the encoder segments: charsmap applied,
    /// whitespace rules applied, dummy prefix added, spaces as U+2581 (the golden <c>normalized</c> field).
    /// </summary>
    public string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var output = new ByteBuilder(text.Length * 3 + 8);
        _normalizer.Normalize(Encoding.UTF8.GetBytes(text), output);
        return Encoding.UTF8.GetString(output.Span);
    }

    /// <summary>
    /// Encodes <paramref name="text"/> to piece ids without special tokens (Python <c>sp.encode(text)</c>):
    /// normalization, then the highest-scoring segmentation (Viterbi, unknown characters scored
    /// min_score − 10), consecutive unknown pieces merged into one <see cref="UnkId"/>, or with byte fallback
    /// each unknown character emitted as its UTF-8 byte pieces.
    /// </summary>
    public int[] Encode(string text)
    {
        var segments = EncodeSegments(text, out _);
        var ids = new int[segments.Count];
        for (int i = 0; i < ids.Length; i++) ids[i] = segments[i].Id;
        return ids;
    }

    /// <summary>
    /// As <see cref="Encode"/>, returning piece strings. A (merged) unknown piece is returned as its
    /// normalized text, not <c>&lt;unk&gt;</c>; byte-fallback pieces as <c>&lt;0xXX&gt;</c>.
    /// </summary>
    public string[] EncodeAsPieces(string text)
    {
        var segments = EncodeSegments(text, out var normalized);
        var pieces = new string[segments.Count];
        for (int i = 0; i < pieces.Length; i++)
        {
            var s = segments[i];
            pieces[i] = s.Length < 0 ? _pieces[s.Id] : Encoding.UTF8.GetString(normalized, s.Start, s.Length);
        }
        return pieces;
    }

    /// <summary>A segment: vocabulary id and its span in the normalized UTF-8 text (Length −1: use the piece text).</summary>
    readonly record struct Segment(int Id, int Start, int Length);

    List<Segment> EncodeSegments(string text, out byte[] normalizedBytes)
    {
        ArgumentNullException.ThrowIfNull(text);
        var buffer = new ByteBuilder(text.Length * 3 + 8);
        _normalizer.Normalize(Encoding.UTF8.GetBytes(text), buffer);
        normalizedBytes = buffer.Span.ToArray();
        var normalized = normalizedBytes;
        var result = new List<Segment>();
        if (normalized.Length == 0) return result;

        int size = normalized.Length;
        var bestScore = new float[size + 1];
        var startsAt = new int[size + 1];
        var bestId = new int[size + 1];
        Array.Fill(startsAt, -1);
        float unknownScore = _minScore - UnknownPenalty;

        // Viterbi over byte positions (SentencePiece's "optimized" unigram encoder): candidates ending at
        // the same position are compared with a strict '>' in order of increasing start.
        int pos = 0;
        while (pos < size)
        {
            float tillHere = bestScore[pos];
            int charLen = Math.Min(SentencePieceUtf8.OneCharLen(normalized[pos]), size - pos);
            bool hasSingleNode = false;
            int node = PieceTrie.Root;
            for (int k = pos; k < size; k++)
            {
                node = _trie.Child(node, normalized[k]);
                if (node < 0) break;
                int id = _trie.Value(node);
                if (id < 0) continue;
                var type = _types[id];
                if (type == SentencePieceType.Unused) continue;
                int end = k + 1, length = end - pos;
                // C++: `score` is `cond ? (length * max_score_ - 0.1) : piece_score`, so its type is double
                // for every piece; the candidate sum is compared as a double and stored as a float.
                double score = type == SentencePieceType.UserDefined ? (float)(length * _maxScore) - 0.1 : _scores[id];
                double candidate = score + tillHere;
                bool better = startsAt[end] == -1 || candidate > bestScore[end];
                if (better)
                {
                    bestScore[end] = (float)candidate;
                    startsAt[end] = pos;
                    bestId[end] = id;
                }
                if (length == charLen) hasSingleNode = true;
            }
            if (!hasSingleNode)
            {
                int end = pos + charLen;
                float candidate = unknownScore + tillHere;
                if (startsAt[end] == -1 || candidate > bestScore[end])
                {
                    bestScore[end] = candidate;
                    startsAt[end] = pos;
                    bestId[end] = UnkId;
                }
            }
            pos += charLen;
        }

        // Backtrack, then emit left to right with unknown merging / byte fallback.
        var path = new List<int>();
        for (int end = size; end > 0; end = startsAt[end]) path.Add(end);
        bool prevUnknown = false;
        for (int i = path.Count - 1; i >= 0; i--)
        {
            int end = path[i], start = startsAt[end], id = bestId[end];
            bool unknown = _types[id] == SentencePieceType.Unknown;
            if (unknown && ByteFallback)
            {
                for (int b = start; b < end; b++) result.Add(new Segment(_byteIds[normalized[b]], 0, -1));
            }
            else if (unknown && prevUnknown)
            {
                var last = result[^1];
                result[^1] = last with { Length = end - last.Start };
            }
            else
            {
                result.Add(new Segment(id, start, end - start));
            }
            prevUnknown = unknown;
        }
        return result;
    }

    /// <summary>
    /// Decodes ids to text (Python <c>sp.decode(ids)</c>): U+2581 becomes a space and the spaces at the
    /// very start are removed (while nothing has been output yet, each piece loses one leading U+2581);
    /// <see cref="UnkId"/> becomes <see cref="UnknownSurface"/>; CONTROL pieces vanish; runs of byte pieces
    /// are joined as raw bytes, each malformed byte becoming U+FFFD.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="ids"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside 0 … PieceCount − 1.</exception>
    public string Decode(IReadOnlyList<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        for (int i = 0; i < ids.Count; i++) CheckId(ids[i]);

        var text = new ByteBuilder(ids.Count * 4 + 8);
        var bytes = new ByteBuilder(16);
        bool isBosWs = true, bosWsSeen = false;
        bool stripLeading = AddDummyPrefix || RemoveExtraWhitespaces;
        for (int i = 0; i < ids.Count; i++)
        {
            int id = ids[i];
            var type = _types[id];
            if (type == SentencePieceType.Byte)
            {
                bytes.Append((byte)PieceToByte(_pieces[id]));
                continue;
            }
            FlushBytes(bytes, text);
            if (bosWsSeen || text.Length > 0) isBosWs = false;
            bosWsSeen = false;
            switch (type)
            {
                case SentencePieceType.Control:
                    break;
                case SentencePieceType.Unknown:
                    text.Append(_unknownSurface);
                    break;
                default:
                    ReadOnlySpan<byte> piece = _pieceBytes[id];
                    if (isBosWs && stripLeading && piece.StartsWith(SentencePieceUtf8.SpaceSymbol))
                    {
                        piece = piece.Slice(SentencePieceUtf8.SpaceSymbol.Length);
                        // With remove_extra_whitespaces every leading U+2581 piece is stripped.
                        bosWsSeen = !RemoveExtraWhitespaces;
                    }
                    AppendUnescaped(piece, text);
                    break;
            }
        }
        FlushBytes(bytes, text);
        return Encoding.UTF8.GetString(text.Span);
    }

    static void AppendUnescaped(ReadOnlySpan<byte> piece, ByteBuilder text)
    {
        var space = SentencePieceUtf8.SpaceSymbol;
        while (true)
        {
            int at = piece.IndexOf(space);
            if (at < 0) { text.Append(piece); return; }
            text.Append(piece.Slice(0, at));
            text.Append((byte)' ');
            piece = piece.Slice(at + space.Length);
        }
    }

    /// <summary>Appends a run of byte-piece bytes: valid UTF-8 characters as-is, each malformed byte as U+FFFD.</summary>
    static void FlushBytes(ByteBuilder bytes, ByteBuilder text)
    {
        var s = bytes.Span;
        while (!s.IsEmpty)
        {
            if (SentencePieceUtf8.TryDecode(s, out int length)) text.Append(s.Slice(0, length));
            else text.Append(SentencePieceUtf8.ReplacementChar);
            s = s.Slice(length);
        }
        bytes.Clear();
    }

    /// <summary>Byte value of a piece <c>&lt;0xXX&gt;</c> (upper-case hex, as SentencePiece writes it), else −1.</summary>
    static int PieceToByte(string piece)
    {
        if (piece.Length != 6 || !piece.StartsWith("<0x", StringComparison.Ordinal) || piece[5] != '>') return -1;
        int hi = HexUpper(piece[3]), lo = HexUpper(piece[4]);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    static int HexUpper(char c) => c is >= '0' and <= '9' ? c - '0' : c is >= 'A' and <= 'F' ? c - 'A' + 10 : -1;
}
