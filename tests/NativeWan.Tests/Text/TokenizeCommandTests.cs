using System.Text.Json;
using NativeWan.Cli.Commands;
using static NativeWan.Tests.Text.TokenizerGolden;

namespace NativeWan.Tests.Text;

/// <summary>The `tokenize` CLI verb prints the golden ids.</summary>
public class TokenizeCommandTests
{
    [Fact]
    public void Json_HasGoldenIdsAndPieces()
    {
        var c = Case("cases.json", "cases", "caption_basic");
        var o = new TokenizeOptions { Spm = ModelPath("cases.json"), Text = [c.GetProperty("text").GetString()!], Json = true };
        var output = new StringWriter();
        Assert.Equal(0, TokenizeCommand.Run(Model("cases.json"), o, output));
        using var doc = JsonDocument.Parse(output.ToString());
        Assert.Equal(Ints(c.GetProperty("ids")), Ints(doc.RootElement.GetProperty("ids")));
        Assert.Equal(Strings(c.GetProperty("pieces")), Strings(doc.RootElement.GetProperty("pieces")));
    }

    [Fact]
    public void Json_WithTextLength_HasGoldenPipelineIds()
    {
        var c = Case("cases.json", "pipeline", "pipe_basic");
        var o = new TokenizeOptions
        {
            Spm = ModelPath("cases.json"), Text = [c.GetProperty("text").GetString()!],
            TextLength = c.GetProperty("text_len").GetInt32(), Json = true,
        };
        var output = new StringWriter();
        Assert.Equal(0, TokenizeCommand.Run(Model("cases.json"), o, output));
        using var doc = JsonDocument.Parse(output.ToString());
        Assert.Equal(Ints(c.GetProperty("ids")), Ints(doc.RootElement.GetProperty("ids")));
        Assert.Equal(c.GetProperty("seq_len").GetInt32(), doc.RootElement.GetProperty("seq_len").GetInt32());
    }
}
