using NativeWan.Text;
using static NativeWan.Tests.Text.TokenizerGolden;

namespace NativeWan.Tests.Text;

/// <summary>Wan's tokenizer pipeline (clean, encode, EOS, truncate, pad) against the golden `pipeline` entries.</summary>
public class UmT5TokenizerTests
{
    public static TheoryData<string, string> Pipeline => Named("pipeline");

    [Theory]
    [MemberData(nameof(Pipeline))]
    public void Encode_MatchesReferencePipeline(string caseFile, string name)
    {
        var c = Case(caseFile, "pipeline", name);
        var tokenizer = new UmT5Tokenizer(Model(caseFile), c.GetProperty("text_len").GetInt32());
        var r = tokenizer.Encode(c.GetProperty("text").GetString()!);

        Assert.Equal(c.GetProperty("clean").GetString(), r.CleanText);
        Assert.Equal(Ints(c.GetProperty("ids")), r.Ids);
        Assert.Equal(Ints(c.GetProperty("mask")), r.Mask);
        Assert.Equal(c.GetProperty("seq_len").GetInt32(), r.SeqLen);
        Assert.Equal(c.GetProperty("content_tokens_before_truncation").GetInt32(), r.ContentTokenCount);
        Assert.Equal(c.GetProperty("truncated").GetBoolean(), r.Truncated);
        Assert.Equal(tokenizer.EosId, r.Ids[r.SeqLen - 1]);
    }

    [Fact]
    public void Encode_TextLengthOne_IsOnlyEos()
    {
        var tokenizer = new UmT5Tokenizer(Model("cases.json"), 1);
        var r = tokenizer.Encode("a cat");
        Assert.Equal([tokenizer.EosId], r.Ids);
        Assert.Equal([1], r.Mask);
        Assert.True(r.Truncated);
    }

    [Fact]
    public void Constructor_RejectsBadTextLength() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new UmT5Tokenizer(Model("cases.json"), 0));
}
