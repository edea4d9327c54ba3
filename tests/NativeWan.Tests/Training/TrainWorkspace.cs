using System.Globalization;
using NativeWan.Caching;
using NativeWan.Cli.Commands;
using NativeWan.Models.Wan;
using NativeWan.Numerics;
using NativeWan.Tests.Data;
using NativeWan.Training;
using Spectre.Console;

namespace NativeWan.Tests.Training;

/// <summary>
/// A temp folder with tiny random DiTs (<see cref="TinyWan.Config"/>), a dataset of tiny PNGs (ffmpeg) with captions,
/// their musubi-named caches (random latents [16, 1, H/8, W/8], random text [5, 16]) and a dataset TOML, for running
/// <c>nativewan train</c> end to end in tests.
/// </summary>
internal sealed class TrainWorkspace : IDisposable
{
    public string Root { get; } = Path.Combine(Path.GetTempPath(), "nw-train-" + Guid.NewGuid().ToString("N")[..10]);
    public string Images => Path.Combine(Root, "images");
    public string Cache => Path.Combine(Root, "cache");
    public string DatasetToml => Path.Combine(Root, "dataset.toml");
    public string Output => Path.Combine(Root, "out");
    public string DitLow => Path.Combine(Root, "low.safetensors");
    public string DitHigh => Path.Combine(Root, "high.safetensors");

    /// <param name="items">Images in the dataset (32×32 px each → latent 4×4, 4 tokens).</param>
    /// <param name="repeats">num_repeats of the dataset.</param>
    /// <param name="cache">Write the caches (false: leave them missing).</param>
    /// <param name="imageLatent">Also write an I2V image latent (20 channels).</param>
    public TrainWorkspace(int items = 3, int repeats = 2, bool cache = true, bool imageLatent = false, WanConfig? config = null)
    {
        Directory.CreateDirectory(Images);
        Directory.CreateDirectory(Cache);
        var cfg = config ?? TinyWan.Config;
        WanRandomInit.Create(cfg, 101).Save(DitHigh);
        WanRandomInit.Create(cfg, 202).Save(DitLow);
        string[] colors = ["red", "green", "blue", "yellow", "white", "gray"];
        var rng = new Prng(77);
        for (int i = 0; i < items; i++)
        {
            string stem = $"img{i}";
            TestMedia.Ffmpeg("-f", "lavfi", "-i", $"color={colors[i % colors.Length]}:s=32x32", "-frames:v", "1", Path.Combine(Images, stem + ".png"));
            File.WriteAllText(Path.Combine(Images, stem + ".txt"), $"a {colors[i % colors.Length]} square");
            if (!cache) continue;
            var shape = new LatentShape(cfg.OutDim, 1, 4, 4);
            var latent = new float[shape.Elements]; rng.FillGaussian(latent);
            float[]? y = null;
            if (imageLatent) { y = new float[(cfg.InDim - cfg.OutDim == 0 ? 20 : cfg.InDim - cfg.OutDim) * 16]; rng.FillGaussian(y); }
            CacheFiles.WriteLatent(CacheFiles.LatentPath(Cache, stem, 32, 32), latent, shape, y, 32, 32, null, "test");
            var ctx = new float[5 * cfg.TextDim]; rng.FillGaussian(ctx);
            CacheFiles.WriteText(CacheFiles.TextPath(Cache, stem), ctx, 5, cfg.TextDim, $"a {colors[i % colors.Length]} square", "test");
        }
        File.WriteAllText(DatasetToml, $"""
            [general]
            resolution = [32, 32]
            caption_extension = ".txt"
            batch_size = 1

            [[datasets]]
            image_directory = "{Images.Replace("\\", "/")}"
            cache_directory = "{Cache.Replace("\\", "/")}"
            num_repeats = {repeats}
            """);
    }

    /// <summary>Flags for a dual-expert run of <paramref name="steps"/> steps (override or add with <paramref name="extra"/>).</summary>
    public TrainOptions Options(int steps, string name = "tiny", Action<TrainOptions>? extra = null)
    {
        var o = new TrainOptions
        {
            Dit = DitLow,
            DitHighNoise = DitHigh,
            DatasetConfig = DatasetToml,
            OutputDir = Output,
            OutputName = name,
            MaxTrainSteps = steps.ToString(CultureInfo.InvariantCulture),
            LearningRate = "1e-3",
            LrScheduler = "cosine",
            LrWarmupSteps = "1",
            GradientAccumulationSteps = "2",
            TimestepSampling = "shift",
            DiscreteFlowShift = "3",
            Seed = "7",
            NetworkDim = "4",
            NetworkAlpha = "4",
        };
        extra?.Invoke(o);
        return o;
    }

    /// <summary>Runs the command with a plain (non-interactive, no ANSI) console; returns exit code and output.</summary>
    public static (int Code, string Output) Run(TrainOptions o, CancellationToken stop = default, Action<TrainProgress>? afterStep = null)
    {
        var w = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(w),
        });
        console.Profile.Width = 160;
        int code = TrainCommand.Run(o, console, stop, afterStep);
        return (code, w.ToString());
    }

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
