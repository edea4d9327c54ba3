using Google.Protobuf;

namespace NativeWan.Text;

/// <summary>
/// The fields of a SentencePiece <c>ModelProto</c> (sentencepiece_model.proto, proto2) that the encoder and
/// decoder need, decoded by hand with <see cref="CodedInputStream"/>. Unknown fields are skipped; absent
/// fields keep the proto2 defaults written below.
/// </summary>
internal sealed class SentencePieceModelProto
{
    public readonly List<byte[]> Pieces = new();
    public readonly List<float> Scores = new();
    public readonly List<SentencePieceType> Types = new();

    // TrainerSpec (field 2 of ModelProto).
    public int ModelType = 1;                      // 3: UNIGRAM = 1, BPE = 2, WORD = 3, CHAR = 4
    public bool TreatWhitespaceAsSuffix;           // 24
    public bool ByteFallback;                      // 35
    public int UnkId;                              // 40 (default 0)
    public int BosId = 1;                          // 41
    public int EosId = 2;                          // 42
    public int PadId = -1;                         // 43
    public string UnkSurface = " \u2047 ";         // 44
    public string UnkPiece = "<unk>";              // 45
    public string BosPiece = "<s>";                // 46
    public string EosPiece = "</s>";               // 47
    public string PadPiece = "<pad>";              // 48

    // NormalizerSpec (field 3 of ModelProto).
    public string NormalizerName = "";             // 1
    public byte[] PrecompiledCharsMap = [];        // 2
    public bool AddDummyPrefix = true;             // 3
    public bool RemoveExtraWhitespaces = true;     // 4
    public bool EscapeWhitespaces = true;          // 5

    // DenormalizerSpec (field 5): only whether it carries rules.
    public bool HasDenormalizerRules;

    /// <summary>Decodes <paramref name="bytes"/>.</summary>
    /// <exception cref="InvalidProtocolBufferException">Malformed protobuf.</exception>
    /// <exception cref="InvalidDataException">A known field has the wrong wire type (message names it).</exception>
    public static SentencePieceModelProto Parse(byte[] bytes)
    {
        var m = new SentencePieceModelProto();
        var input = new CodedInputStream(bytes);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: Expect(tag, WireFormat.WireType.LengthDelimited, "ModelProto.pieces"); m.ReadPiece(input.ReadBytes()); break;
                case 2: Expect(tag, WireFormat.WireType.LengthDelimited, "ModelProto.trainer_spec"); m.ReadTrainerSpec(input.ReadBytes()); break;
                case 3: Expect(tag, WireFormat.WireType.LengthDelimited, "ModelProto.normalizer_spec"); m.ReadNormalizerSpec(input.ReadBytes()); break;
                case 5: Expect(tag, WireFormat.WireType.LengthDelimited, "ModelProto.denormalizer_spec"); m.ReadDenormalizerSpec(input.ReadBytes()); break;
                default: input.SkipLastField(); break;
            }
        }
        return m;
    }

    void ReadPiece(ByteString message)
    {
        var input = message.CreateCodedInput();
        byte[] piece = [];
        float score = 0;
        int type = (int)SentencePieceType.Normal;
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: Expect(tag, WireFormat.WireType.LengthDelimited, "SentencePiece.piece"); piece = input.ReadBytes().ToByteArray(); break;
                case 2: Expect(tag, WireFormat.WireType.Fixed32, "SentencePiece.score"); score = input.ReadFloat(); break;
                case 3: Expect(tag, WireFormat.WireType.Varint, "SentencePiece.type"); type = input.ReadEnum(); break;
                default: input.SkipLastField(); break;
            }
        }
        if (type < 1 || type > 6)
            throw new InvalidDataException($"piece {Pieces.Count} has unknown type {type}");
        Pieces.Add(piece);
        Scores.Add(score);
        Types.Add((SentencePieceType)type);
    }

    void ReadTrainerSpec(ByteString message)
    {
        var input = message.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            int field = WireFormat.GetTagFieldNumber(tag);
            switch (field)
            {
                case 3: ModelType = ReadVarint32(input, tag, "TrainerSpec.model_type"); break;
                case 24: TreatWhitespaceAsSuffix = ReadVarint32(input, tag, "TrainerSpec.treat_whitespace_as_suffix") != 0; break;
                case 35: ByteFallback = ReadVarint32(input, tag, "TrainerSpec.byte_fallback") != 0; break;
                case 40: UnkId = ReadVarint32(input, tag, "TrainerSpec.unk_id"); break;
                case 41: BosId = ReadVarint32(input, tag, "TrainerSpec.bos_id"); break;
                case 42: EosId = ReadVarint32(input, tag, "TrainerSpec.eos_id"); break;
                case 43: PadId = ReadVarint32(input, tag, "TrainerSpec.pad_id"); break;
                case 44: UnkSurface = ReadString(input, tag, "TrainerSpec.unk_surface"); break;
                case 45: UnkPiece = ReadString(input, tag, "TrainerSpec.unk_piece"); break;
                case 46: BosPiece = ReadString(input, tag, "TrainerSpec.bos_piece"); break;
                case 47: EosPiece = ReadString(input, tag, "TrainerSpec.eos_piece"); break;
                case 48: PadPiece = ReadString(input, tag, "TrainerSpec.pad_piece"); break;
                default: input.SkipLastField(); break;
            }
        }
    }

    void ReadNormalizerSpec(ByteString message)
    {
        var input = message.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: NormalizerName = ReadString(input, tag, "NormalizerSpec.name"); break;
                case 2: Expect(tag, WireFormat.WireType.LengthDelimited, "NormalizerSpec.precompiled_charsmap"); PrecompiledCharsMap = input.ReadBytes().ToByteArray(); break;
                case 3: AddDummyPrefix = ReadVarint32(input, tag, "NormalizerSpec.add_dummy_prefix") != 0; break;
                case 4: RemoveExtraWhitespaces = ReadVarint32(input, tag, "NormalizerSpec.remove_extra_whitespaces") != 0; break;
                case 5: EscapeWhitespaces = ReadVarint32(input, tag, "NormalizerSpec.escape_whitespaces") != 0; break;
                default: input.SkipLastField(); break;
            }
        }
    }

    void ReadDenormalizerSpec(ByteString message)
    {
        var input = message.CreateCodedInput();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 2 && WireFormat.GetTagWireType(tag) == WireFormat.WireType.LengthDelimited)
                HasDenormalizerRules |= input.ReadBytes().Length > 0;
            else
                input.SkipLastField();
        }
    }

    static int ReadVarint32(CodedInputStream input, uint tag, string field)
    {
        Expect(tag, WireFormat.WireType.Varint, field);
        return input.ReadInt32();
    }

    static string ReadString(CodedInputStream input, uint tag, string field)
    {
        Expect(tag, WireFormat.WireType.LengthDelimited, field);
        return input.ReadString();
    }

    static void Expect(uint tag, WireFormat.WireType wireType, string field)
    {
        var actual = WireFormat.GetTagWireType(tag);
        if (actual != wireType)
            throw new InvalidDataException($"{field} has wire type {actual}, expected {wireType}");
    }
}
