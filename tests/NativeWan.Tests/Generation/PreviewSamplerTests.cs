using NativeWan.Generation;
using NativeWan.Sampling;

namespace NativeWan.Tests.Generation;

[Collection("TinyGen")]
public class PreviewSamplerTests(TinyGen tiny)
{
    [Fact]
    public void WritesOneMp4PerPromptNamedByStepAndIndex()
    {
        var prompts = SamplePromptFile.Parse(["# x", "a red ball --w 32 --h 32 --f 5 --s 2 --d 1", "a blue cube --w 48 --h 16 --f 1 --s 2 --l 1.0"]);
        var sampler = new PreviewSampler(prompts, tiny.Text, tiny.Vae, new PreviewOptions { Task = WanTask.T2VA14B });
        var dir = Path.Combine(tiny.Dir, "preview-" + Guid.NewGuid().ToString("N")[..6]);
        var hl = TinyGen.RandomLora(tiny.T2VHigh, 9);
        var ll = TinyGen.RandomLora(tiny.T2VLow, 10);
        int calls = 0;
        var files = sampler.Sample(120, PreviewSampler.Experts(tiny.T2VHigh, hl, tiny.T2VLow, ll), dir, "mylora", (_, _) => calls++);
        Assert.Equal([Path.Combine(dir, "mylora_step000120_00.mp4"), Path.Combine(dir, "mylora_step000120_01.mp4")], files);
        Assert.Equal(4, calls);
        Assert.Equal((32, 32, 5, "h264"), TinyGen.Probe(files[0]));
        Assert.Equal((48, 16, 1, "h264"), TinyGen.Probe(files[1]));

        // Single-model previews (one expert) work too.
        var one = sampler.Sample(121, PreviewSampler.Experts(null, null, tiny.T2VLow, ll), dir, "mylora");
        Assert.Equal(2, one.Count);
        Assert.Throws<ArgumentException>(() => sampler.Sample(1, PreviewSampler.Experts(null, null, tiny.I2VLow, null), dir, "x"));
    }

    [Fact]
    public void RequestsResolveMusubiDefaultsAndRounding()
    {
        var prompts = SamplePromptFile.Parse(["p1", "p2 --w 100 --h 50 --f 7 --l 2.5 --fs 7 --n no --s 0"]);
        var s = new PreviewSampler(prompts, tiny.Text, tiny.Vae, new PreviewOptions { Task = WanTask.T2VA14B });
        var r0 = s.RequestFor(0);
        var d = WanTaskDefaults.T2VA14B;
        Assert.Equal((256, 256, 1, 20, d.Shift, 42UL), (r0.Width, r0.Height, r0.Frames, r0.Steps, r0.Shift, r0.Seed));
        Assert.Equal(d.Experts, r0.Experts);
        Assert.Equal(WanTaskDefaults.DefaultNegativePrompt, r0.EffectiveNegativePrompt);
        Assert.Equal(FlowSolver.UniPC, r0.Solver);
        var r1 = s.RequestFor(1);
        Assert.Equal((96, 48, 5, 1, 7.0), (r1.Width, r1.Height, r1.Frames, r1.Steps, r1.Shift));
        Assert.Equal((2.5f, 2.5f), (r1.Experts.LowNoiseGuidance, r1.Experts.HighNoiseGuidance));
        Assert.Equal("no", r1.EffectiveNegativePrompt);
    }

    [Fact]
    public void I2VPromptsNeedAnImage()
    {
        var e = Assert.Throws<ArgumentException>(() => new PreviewSampler(SamplePromptFile.Parse(["x --w 32"]), tiny.Text, tiny.Vae,
            new PreviewOptions { Task = WanTask.I2VA14B }));
        Assert.Contains("--i", e.Message);
    }
}
