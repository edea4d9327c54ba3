using NativeWan.Models.T5;
using NativeWan.Models.Vae;
using NativeWan.Text;

namespace NativeWan.Tests.Training;

/// <summary>Preview videos during training (<c>--sample_prompts</c>) come from both experts with the LoRAs so far.</summary>
public class TrainPreviewTests
{
    [Fact]
    public void SamplePromptsWritePreviewVideosAtFirstAndEveryNSteps()
    {
        using var ws = new TrainWorkspace(items: 2, repeats: 1);
        var spm = File.ReadAllBytes(Golden.Path("tokenizer", "spiece.model"));
        var t5 = Path.Combine(ws.Root, "t5.safetensors");
        var vae = Path.Combine(ws.Root, "vae.safetensors");
        UmT5RandomInit.Create(new UmT5Config(SentencePieceModel.Load(spm, "spm").PieceCount, TinyWan.Config.TextDim, 16, 32, 2, 1, 32), 5, spm).Save(t5);
        WanVaeRandomInit.Create(4, 16, [1, 2, 4, 4], 1, [false, true, true], 6).Save(vae);
        var prompts = Path.Combine(ws.Root, "prompts.txt");
        File.WriteAllText(prompts, "# previews\n\na red square --w 32 --h 32 --f 5 --d 1 --s 2 --l 3\n");

        var (code, output) = TrainWorkspace.Run(ws.Options(4, extra: o =>
        {
            o.SamplePrompts = prompts; o.Vae = vae; o.T5 = t5; o.SampleEveryNSteps = "2"; o.SampleAtFirst = true;
        }));
        Assert.True(code == 0, output);
        foreach (var step in new[] { 0, 2, 4 })
        {
            var mp4 = Path.Combine(ws.Output, $"tiny_step{step:D6}_00.mp4");
            Assert.True(File.Exists(mp4), $"missing {mp4}\n{output}");
            var info = NativeWan.Data.MediaProbe.Probe(mp4, exactFrameCount: true);
            Assert.Equal((32, 32, 5), (info.Width, info.Height, info.FrameCount));
        }
        Assert.False(File.Exists(Path.Combine(ws.Output, "tiny_step000001_00.mp4")));
    }

    [Fact]
    public void SamplePromptsWithoutVaeOrT5AreAClearError()
    {
        using var ws = new TrainWorkspace(items: 1, repeats: 1);
        var prompts = Path.Combine(ws.Root, "prompts.txt");
        File.WriteAllText(prompts, "a red square\n");
        var (code, output) = TrainWorkspace.Run(ws.Options(1, extra: o => o.SamplePrompts = prompts));
        Assert.Equal(1, code);
        Assert.Contains("--sample_prompts needs --vae and --t5", output);
    }
}
