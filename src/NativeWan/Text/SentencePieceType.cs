namespace NativeWan.Text;

/// <summary>
/// <c>ModelProto.SentencePiece.Type</c> (sentencepiece_model.proto); the numeric values are the wire values.
/// </summary>
public enum SentencePieceType
{
    /// <summary>Ordinary vocabulary piece (matched by the Viterbi encoder).</summary>
    Normal = 1,
    /// <summary>The unknown piece (<c>&lt;unk&gt;</c>); exactly one per model.</summary>
    Unknown = 2,
    /// <summary>Control symbol (<c>&lt;pad&gt;</c>, <c>&lt;/s&gt;</c>, …): never produced by encoding, decodes to nothing.</summary>
    Control = 3,
    /// <summary>User-defined symbol: never split, bypasses normalization, always preferred by the encoder.</summary>
    UserDefined = 4,
    /// <summary>Present in the vocabulary but never produced by encoding.</summary>
    Unused = 5,
    /// <summary>Byte piece <c>&lt;0xXX&gt;</c> used by byte fallback.</summary>
    Byte = 6,
}
