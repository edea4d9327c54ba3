using NativeWan.Generation;

namespace NativeWan.Tests.Generation;

public class SamplePromptFileTests
{
    [Fact]
    public void ParsesMusubiOptionsCommentsAndBlankLines()
    {
        var lines = new[]
        {
            "# previews",
            "",
            "a cat walking on grass --w 832 --h 480 --f 81 --d 42 --s 30 --l 4.5 --fs 3.0 --n blurry, low quality --i cat.png",
            "   ",
            "  #indented comment",
            "a dog --W 256 --S 5000 --g 6.0 --xyz 1",
            "plain prompt, no options",
        };
        var p = SamplePromptFile.Parse(lines, "prompts.txt");
        Assert.Equal(3, p.Count);
        Assert.Equal(new SamplePrompt(0, "a cat walking on grass", 832, 480, 81, 42UL, 30, 4.5f, 3.0, "blurry, low quality", "cat.png"), p[0]);
        Assert.Equal(1, p[1].Index);
        Assert.Equal("a dog", p[1].Prompt);
        Assert.Equal(256, p[1].Width);
        Assert.Equal(1000, p[1].Steps);   // clamped as musubi
        Assert.Null(p[1].GuidanceScale);  // --g is the embedded guidance, not CFG
        Assert.Equal(["--g 6.0", "--xyz 1"], p[1].Ignored!);
        Assert.Equal(new SamplePrompt(2, "plain prompt, no options"), p[2]);
    }

    [Fact]
    public void MalformedNumberNamesTheLine()
    {
        var e = Assert.Throws<FormatException>(() => SamplePromptFile.Parse(["ok", "# c", "bad --w wide"], "p.txt"));
        Assert.Contains("p.txt:3", e.Message);
        Assert.Contains("--w", e.Message);
        Assert.Throws<FormatException>(() => SamplePromptFile.ParseLine("x --l 1.2.3", 0));
        Assert.Throws<FormatException>(() => SamplePromptFile.ParseLine("x --d -5", 0));
    }

    [Fact]
    public void LoadsAFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"nw-prompts-{Guid.NewGuid():N}.txt");
        try
        {
            File.WriteAllText(path, "first --f 5\r\nsecond --n 文字 --d 3\n");
            var p = SamplePromptFile.Load(path);
            Assert.Equal(2, p.Count);
            Assert.Equal(5, p[0].Frames);
            Assert.Equal("文字", p[1].NegativePrompt);
            Assert.Equal(3UL, p[1].Seed);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void LoraSpecParsesStrength()
    {
        Assert.Equal(new LoraSpec("a.safetensors", 1f), LoraSpec.Parse("a.safetensors"));
        Assert.Equal(new LoraSpec("a.safetensors", 0.5f), LoraSpec.Parse("a.safetensors:0.5"));
        Assert.Equal(new LoraSpec("C:\\x\\a.safetensors", -1f), LoraSpec.Parse("C:\\x\\a.safetensors:-1"));
        Assert.Equal(new LoraSpec("C:\\x\\a.safetensors", 1f), LoraSpec.Parse("C:\\x\\a.safetensors"));
    }
}
