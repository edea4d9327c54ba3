using NativeWan.Cli.Commands;
using NativeWan.Generation;
using NativeWan.Lora;
using NativeWan.Sampling;

namespace NativeWan.Tests.Generation;

/// <summary>The <c>generate</c> verb end to end with tiny model files.</summary>
[Collection("TinyGen")]
public class GenerateCommandTests(TinyGen tiny)
{
    GenerateOptions Base(string output) => new()
    {
        Dit = tiny.T2VLowPath, DitHighNoise = tiny.T2VHighPath, Vae = tiny.VaePath, T5 = tiny.T5Path,
        Prompt = "a red brick wall", Width = 32, Height = 48, Frames = 5, Steps = 2, Seed = 3, Output = output,
    };

    [Fact]
    public void T2VWithLorasWritesMp4AndMergeGivesTheSameFrames()
    {
        var lora = Path.Combine(tiny.Dir, "cli_lora.safetensors");
        LoraFile.Save(TinyGen.RandomLora(tiny.T2VLow, 21), lora);
        var log = new StringWriter();
        var dir = Path.Combine(tiny.Dir, "cli-" + Guid.NewGuid().ToString("N")[..6]);
        var o = Base(Path.Combine(dir, "t2v.mp4"));
        o.Lora = [lora + ":0.8"];
        Assert.Equal(0, GenerateCommand.Run(o, log));
        Assert.Contains("step 2/2", log.ToString());
        Assert.Equal((32, 48, 5, "h264"), TinyGen.Probe(o.Output));

        // --merge_lora: the PNG frames (lossless) agree with the run-time LoRA's within one level.
        o.Output = Path.Combine(dir, "rt") + "/";
        Assert.Equal(0, GenerateCommand.Run(o, TextWriter.Null));
        var merged = Base(Path.Combine(dir, "mg") + "/");
        merged.Lora = [lora + ":0.8"];
        merged.MergeLora = true;
        Assert.Equal(0, GenerateCommand.Run(merged, TextWriter.Null));
        var a = Directory.GetFiles(Path.Combine(dir, "rt")).Order().Select(f => NativeWan.Data.ImageDecoder.Decode(f).Rgb).ToList();
        var b = Directory.GetFiles(Path.Combine(dir, "mg")).Order().Select(f => NativeWan.Data.ImageDecoder.Decode(f).Rgb).ToList();
        Assert.Equal(5, a.Count);
        for (int i = 0; i < a.Count; i++)
            Assert.All(a[i].Zip(b[i]), p => Assert.InRange(p.First - p.Second, -1, 1));
    }

    [Fact]
    public void I2VWithImageWritesWebP()
    {
        var img = Path.Combine(tiny.Dir, "start.png");
        VideoWriter.Write(new VideoFrames(24, 24, 1, TinyGen.RandomImage(24, 24, 2).Rgb), img);   // writes start_00000.png
        var o = Base(Path.Combine(tiny.Dir, "i2v-" + Guid.NewGuid().ToString("N")[..6] + ".webp"));
        o.Task = "i2v-A14B"; o.Dit = tiny.I2VLowPath; o.DitHighNoise = tiny.I2VHighPath; o.Image = Path.Combine(tiny.Dir, "start_00000.png");
        o.Width = 32; o.Height = 32; o.SampleSolver = "euler";
        Assert.Equal(0, GenerateCommand.Run(o, TextWriter.Null));
        Assert.True(new FileInfo(o.Output).Length > 100);
    }

    [Fact]
    public void BadArgumentsAreRefusedBeforeLoading()
    {
        var o = Base("x.mp4");
        o.Frames = 6;
        Assert.Throws<ArgumentException>(() => GenerateCommand.Run(o, TextWriter.Null));
        o = Base("x.avi");
        Assert.Throws<ArgumentException>(() => GenerateCommand.Run(o, TextWriter.Null));
        o = Base("x.mp4"); o.Task = "i2v-A14B";
        Assert.Contains("--image", Assert.Throws<ArgumentException>(() => GenerateCommand.Run(o, TextWriter.Null)).Message);
        o = Base("x.mp4"); o.Dit = tiny.I2VLowPath; o.DitHighNoise = tiny.I2VHighPath;
        Assert.Contains("image-to-video", Assert.Throws<ArgumentException>(() => GenerateCommand.Run(o, TextWriter.Null)).Message);
        Assert.Equal(FlowSolver.DpmPlusPlus, GenerateCommand.ParseSolver("dpm++"));
        Assert.Equal(FlowSolver.Euler, GenerateCommand.ParseSolver("vanilla"));
    }
}
