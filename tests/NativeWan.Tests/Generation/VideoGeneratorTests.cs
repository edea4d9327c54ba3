using NativeWan.Generation;
using NativeWan.Models.Vae;
using NativeWan.Sampling;
using Xunit.Abstractions;

namespace NativeWan.Tests.Generation;

/// <summary>End-to-end generation with tiny random models: sizes, files, determinism, LoRA application, I2V conditioning.</summary>
[Collection("TinyGen")]
public class VideoGeneratorTests(TinyGen tiny, ITestOutputHelper log) : IDisposable
{
    readonly string _out = Path.Combine(tiny.Dir, "out-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose()
    {
        try { Directory.Delete(_out, recursive: true); } catch (DirectoryNotFoundException) { }
    }

    [Theory]
    [InlineData(FlowSolver.UniPC)]
    [InlineData(FlowSolver.DpmPlusPlus)]
    [InlineData(FlowSolver.Euler)]
    public void T2VWritesMp4WithRequestedSizeAndFrames(FlowSolver solver)
    {
        var req = TinyGen.SmallRequest() with { Solver = solver, Width = 48, Height = 32 };
        var gen = new VideoGenerator(tiny.T2V(), tiny.Vae);
        int steps = 0;
        var v = gen.Generate(req, tiny.Text, p => { Assert.Equal(steps++, p.Step); Assert.Equal(req.Steps, p.Steps); });
        Assert.Equal(req.Steps, steps);
        Assert.Equal((48, 32, 5), (v.Frames.Width, v.Frames.Height, v.Frames.Count));
        Assert.Equal(new NativeWan.Models.Wan.LatentShape(16, 2, 4, 6), v.Plan.Latent);
        Assert.True(v.Frames.Rgb.Distinct().Count() > 10, "frames are (nearly) constant");
        var files = VideoWriter.Write(v.Frames, Path.Combine(_out, $"t2v_{solver}.mp4"));
        var (w, h, n, codec) = TinyGen.Probe(files[0]);
        Assert.Equal((48, 32, 5, "h264"), (w, h, n, codec));
    }

    [Fact]
    public void I2VUsesTheOfficialSizeRuleAndWritesMp4()
    {
        // 40×24 image, area 32·32: a = 0.6, lat_h = ⌊⌊√614.4/8⌋/2⌋·2 = 2, lat_w = ⌊⌊√1706.7/8⌋/2⌋·2 = 4 → 32×16 px.
        var img = TinyGen.RandomImage(40, 24, 3);
        var req = GenerationRequest.ForTask(WanTask.I2VA14B, "a cat") with { Width = 32, Height = 32, Frames = 5, Steps = 2, Seed = 1, Image = img };
        var gen = new VideoGenerator(tiny.I2V(), tiny.Vae);
        var plan = gen.Plan(req);
        Assert.Equal((32, 16), (plan.Width, plan.Height));
        var v = gen.Generate(req, tiny.Text);
        var files = VideoWriter.Write(v.Frames, Path.Combine(_out, "i2v.mp4"));
        Assert.Equal((32, 16, 5, "h264"), TinyGen.Probe(files[0]));

        // A square image keeps the requested size.
        var sq = gen.Plan(req with { Image = TinyGen.RandomImage(20, 20, 4) });
        Assert.Equal((32, 32), (sq.Width, sq.Height));
        Assert.Throws<ArgumentException>(() => gen.Plan(req with { Image = null }));
        Assert.Throws<ArgumentException>(() => new VideoGenerator(tiny.T2V(), tiny.Vae).Plan(req));
    }

    [Fact]
    public void I2VConditionIsMaskThenVaeLatentOfImageAndZeroFrames()
    {
        var img = TinyGen.RandomImage(32, 32, 5);
        int frames = 9, tf = tiny.Vae.Config.TemporalFactor, sf = tiny.Vae.Config.SpatialFactor;
        var y = ImageConditioning.BuildCondition(tiny.Vae, img, 32, 32, frames);
        int latT = (frames - 1) / tf + 1, hw = (32 / sf) * (32 / sf);
        Assert.Equal((tf + 16) * latT * hw, y.Length);
        for (int c = 0; c < tf; c++)
            for (int t = 0; t < latT; t++)
                Assert.All(y.AsSpan((c * latT + t) * hw, hw).ToArray(), v => Assert.Equal(t == 0 ? 1f : 0f, v));
        // The latent part equals an independent encode of [image, 0, …] (image at its own size: no resize).
        var clip = VaeTensor.Zeros(3, frames, 32, 32);
        var chw = NativeWan.Data.MediaTensor.ToChw(img);
        for (int c = 0; c < 3; c++) chw.AsSpan(c * 1024, 1024).CopyTo(clip.Data.AsSpan(c * frames * 1024, 1024));
        var lat = tiny.Vae.Encode(clip).Data;
        Assert.Equal(lat, y.AsSpan(tf * latT * hw).ToArray());
    }

    [Theory]
    [InlineData(".mp4")]
    [InlineData(".webp")]
    [InlineData(".png")]
    public void SameSeedGivesByteIdenticalFiles(string ext)
    {
        var gen = new VideoGenerator(tiny.T2V(), tiny.Vae);
        byte[] Render(ulong seed, string name)
        {
            var v = gen.Generate(TinyGen.SmallRequest(seed), tiny.Text);
            var files = VideoWriter.Write(v.Frames, Path.Combine(_out, name + ext));
            Assert.Equal(ext == ".png" ? 5 : 1, files.Count);
            return files.SelectMany(File.ReadAllBytes).ToArray();
        }
        var a = Render(7, "a");
        var b = Render(7, "b");
        var c = Render(8, "c");
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        log.WriteLine($"{ext}: {a.Length} bytes, identical for the same seed");
    }

    [Fact]
    public void LoraStrengthZeroGivesExactlyTheBaseOutput()
    {
        var req = TinyGen.SmallRequest();
        var ctx = tiny.Text.Encode(req.Prompt);
        var neg = tiny.Text.Encode(req.EffectiveNegativePrompt);
        float[] Run(GenerationExperts e) => new VideoGenerator(e, tiny.Vae).Denoise(req, ctx, neg, out _);
        var baseline = Run(tiny.T2V());

        var hl = TinyGen.RandomLora(tiny.T2VHigh, 1);
        var ll = TinyGen.RandomLora(tiny.T2VLow, 2);
        hl.Multiplier = 0; ll.Multiplier = 0;
        Assert.Equal(baseline, Run(tiny.T2V(hl, ll)));                                           // run time
        var merged = new GenerationExperts(new DitVelocityModel(LoraApplication.MergedCopy(tiny.T2VHigh, [hl])),
                                           new DitVelocityModel(LoraApplication.MergedCopy(tiny.T2VLow, [ll])));
        Assert.Equal(baseline, Run(merged));                                                     // merged

        hl.Multiplier = 1; ll.Multiplier = 1;
        Assert.NotEqual(baseline, Run(tiny.T2V(hl, ll)));   // the LoRA does act at strength 1
    }

    [Fact]
    public void RuntimeAndMergedLorasAgree()
    {
        var req = TinyGen.SmallRequest();
        var ctx = tiny.Text.Encode(req.Prompt);
        var neg = tiny.Text.Encode(req.EffectiveNegativePrompt);
        float[] Run(GenerationExperts e) => new VideoGenerator(e, tiny.Vae).Denoise(req, ctx, neg, out _);
        var a = TinyGen.RandomLora(tiny.T2VLow, 3); a.Multiplier = 0.7f;
        var b = TinyGen.RandomLora(tiny.T2VLow, 4, rank: 2); b.Multiplier = -0.4f;
        var h = TinyGen.RandomLora(tiny.T2VHigh, 5); h.Multiplier = 1.3f;
        var highBase = tiny.T2VHigh.Weights.Blocks[0].SelfAttn.Q.Weight.ToArray();

        var runtime = Run(tiny.T2V(h, LoraApplication.Combine([a, b])));
        var merged = Run(new GenerationExperts(new DitVelocityModel(LoraApplication.MergedCopy(tiny.T2VHigh, [h])),
                                               new DitVelocityModel(LoraApplication.MergedCopy(tiny.T2VLow, [a, b]))));
        var baseline = Run(tiny.T2V());
        float err = TinyGen.MaxAbsDiff(runtime, merged), scale = MathF.Max(1, TinyGen.MaxAbs(runtime));
        float effect = TinyGen.MaxAbsDiff(runtime, baseline);
        log.WriteLine($"runtime vs merged: max abs diff {err:E3} (scale {scale:0.###}); LoRA effect {effect:0.###}");
        Assert.True(err <= 1e-4f * scale, $"runtime vs merged differ by {err:E3}");
        Assert.True(effect > 100 * err, "the LoRAs barely change the output, so the comparison proves nothing");
        Assert.Equal(highBase, tiny.T2VHigh.Weights.Blocks[0].SelfAttn.Q.Weight);   // MergedCopy left the base alone
    }

    [Fact]
    public void MergeIntoMatchesMergedCopy()
    {
        var l = TinyGen.RandomLora(tiny.T2VLow, 6); l.Multiplier = 0.5f;
        var copy = LoraApplication.MergedCopy(tiny.T2VLow, [l]);
        using var src = NativeWan.IO.SafeTensors.SafeTensorsFile.Open(tiny.T2VLowPath);
        var fresh = NativeWan.Models.Wan.WanDit.Load(src);
        LoraApplication.MergeInto(fresh.Weights, l);
        foreach (var (path, lin) in LoraApplication.Linears(copy.Weights))
            Assert.Equal(lin.Weight, LoraApplication.Linears(fresh.Weights)[path].Weight);
    }

    [Fact]
    public void RuntimeLoraOnNonBlockLinearIsRefused()
    {
        var net = new NativeWan.Lora.LoraNetwork();
        net.Add(new NativeWan.Lora.LoraModule("time_projection.1", 32, 192, 2, 2));
        var e = Assert.Throws<ArgumentException>(() => new DitVelocityModel(tiny.T2VLow, net));
        Assert.Contains("merge_lora", e.Message);
        LoraApplication.MergedCopy(tiny.T2VLow, [net]);   // fine when merged
        var bad = new NativeWan.Lora.LoraNetwork();
        bad.Add(new NativeWan.Lora.LoraModule("blocks.0.ffn.0", 32, 32, 2, 2));
        Assert.Contains("64×32", Assert.Throws<ArgumentException>(() => new DitVelocityModel(tiny.T2VLow, bad)).Message);
    }

    [Fact]
    public void BadRequestsAreRefused()
    {
        var gen = new VideoGenerator(tiny.T2V(), tiny.Vae);
        Assert.Contains("4n+1", Assert.Throws<ArgumentException>(() => gen.Plan(TinyGen.SmallRequest() with { Frames = 6 })).Message);
        Assert.Contains("multiple of 16", Assert.Throws<ArgumentException>(() => gen.Plan(TinyGen.SmallRequest() with { Width = 40 })).Message);
        Assert.Throws<ArgumentException>(() => gen.Plan(TinyGen.SmallRequest() with { Image = TinyGen.RandomImage(8, 8, 1) }));
    }
}
