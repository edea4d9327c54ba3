using NativeWan.IO;
using NativeWan.Text;
using static NativeWan.Tests.Text.TokenizerGolden;

namespace NativeWan.Tests.Text;

/// <summary>Bad model bytes and bad ids are refused with clear exceptions.</summary>
public class SentencePieceModelErrorTests
{
    static byte[] ModelBytes => File.ReadAllBytes(ModelPath("cases.json"));

    [Fact]
    public void Load_BpeModel_IsRefused()
    {
        // Appending a second trainer_spec (field 2) merges into the first: model_type (field 3) = BPE (2).
        byte[] bytes = [.. ModelBytes, 0x12, 0x02, 0x18, 0x02];
        var e = Assert.Throws<ModelFileException>(() => SentencePieceModel.Load(bytes, "bpe.model"));
        Assert.Contains("bpe.model", e.Message);
        Assert.Contains("BPE", e.Message);
        Assert.Contains("UNIGRAM", e.Message);
    }

    [Fact]
    public void Load_TruncatedProto_IsRefused()
    {
        var bytes = ModelBytes;
        var e = Assert.Throws<ModelFileException>(() => SentencePieceModel.Load(bytes.AsSpan(0, bytes.Length / 2), "cut.model"));
        Assert.Contains("cut.model", e.Message);
    }

    [Fact]
    public void Load_NotAProto_IsRefused()
    {
        byte[] bytes = "{\"this is\": \"json\"}"u8.ToArray();
        Assert.Throws<ModelFileException>(() => SentencePieceModel.Load(bytes, "x.json"));
    }

    [Fact]
    public void Load_BrokenCharsMap_IsRefused()
    {
        // Appending a normalizer_spec whose precompiled_charsmap claims a trie larger than the blob.
        byte[] charsMap = [0xFF, 0xFF, 0x00, 0x00, 1, 2, 3, 4];
        byte[] normalizer = [0x12, (byte)charsMap.Length, .. charsMap];
        byte[] bytes = [.. ModelBytes, 0x1A, (byte)normalizer.Length, .. normalizer];
        var e = Assert.Throws<ModelFileException>(() => SentencePieceModel.Load(bytes, "broken.model"));
        Assert.Contains("precompiled_charsmap", e.Message);
    }

    [Fact]
    public void Decode_OutOfRangeId_Throws()
    {
        var model = Model("cases.json");
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Decode([3, model.PieceCount]));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Decode([-1]));
    }
}
