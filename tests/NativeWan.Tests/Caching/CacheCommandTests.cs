using NativeWan.Caching;
using NativeWan.Cli.Commands;

namespace NativeWan.Tests.Caching;

public sealed class CacheCommandTests : IDisposable
{
    readonly CachingTestKit _kit = new();
    public void Dispose() => _kit.Dispose();

    static (int Code, string Out, string Err) Latents(CacheLatentsOptions o)
    {
        var (w, e) = (new StringWriter(), new StringWriter());
        int code = CacheLatentsCommand.Run(o, w, e);
        return (code, w.ToString(), e.ToString());
    }

    static (int Code, string Out, string Err) Text(CacheTextOptions o)
    {
        var (w, e) = (new StringWriter(), new StringWriter());
        int code = CacheTextCommand.Run(o, w, e);
        return (code, w.ToString(), e.ToString());
    }

    [Fact]
    public void CacheLatentsPrintsPlanProgressAndSummary()
    {
        var (code, output, err) = Latents(new CacheLatentsOptions { DatasetConfig = _kit.ConfigPath, Vae = _kit.VaePath, I2V = true });
        Assert.True(code == 0, output + err);
        Assert.Contains("all datasets: items 4", output);
        Assert.Contains("[4/4] encoded", output);
        Assert.Contains("latents: 4 encoded, 0 up to date, 0 failed", output);
        Assert.NotNull(CacheFiles.ReadLatent(Path.Combine(_kit.Videos, "clip_00000-009_0064x0048_wan.safetensors")).ImageLatent);

        (code, output, _) = Latents(new CacheLatentsOptions { DatasetConfig = _kit.ConfigPath, Vae = _kit.VaePath, I2V = true });
        Assert.Equal(0, code);
        Assert.Contains("latents: 0 encoded, 4 up to date", output);
        Assert.DoesNotContain("loading VAE", output);
    }

    [Fact]
    public void CacheTextWithEmbeddedOrSeparateTokenizer()
    {
        var (code, output, err) = Text(new CacheTextOptions { DatasetConfig = _kit.ConfigPath, T5 = _kit.T5Path, TextLength = 32 });
        Assert.True(code == 0, output + err);
        Assert.Contains("text: 3 encoded", output);
        Assert.True(File.Exists(Path.Combine(_kit.Videos, "clip_wan_te.safetensors")));

        // a T5 file without the embedded tokenizer needs --spm; the tokenizer identity is part of the hash
        (code, _, err) = Text(new CacheTextOptions { DatasetConfig = _kit.ConfigPath, T5 = _kit.T5NoTokenizerPath, TextLength = 32 });
        Assert.Equal(1, code);
        Assert.Contains("spiece.model", err);
        (code, output, err) = Text(new CacheTextOptions { DatasetConfig = _kit.ConfigPath, T5 = _kit.T5NoTokenizerPath, Spm = _kit.SpmPath, TextLength = 32 });
        Assert.True(code == 0, output + err);
        Assert.Contains("text: 3 encoded", output);
    }

    [Fact]
    public void EmptyDatasetFailsBeforeAnyModelIsLoaded()
    {
        var empty = _kit.Dir.File("empty");
        Directory.CreateDirectory(empty);
        File.WriteAllText(Path.Combine(empty, "readme.txt"), "no media here");
        var garbage = _kit.Dir.WriteGarbage("not_a_model.safetensors"); // loading it would fail with another message
        var (code, output, err) = Latents(new CacheLatentsOptions { Data = empty, Vae = garbage });
        Assert.Equal(1, code);
        Assert.Contains("no images", err);
        Assert.DoesNotContain("loading", output);

        // a directory whose only media file is corrupt: the scan finds no usable item
        _kit.Dir.WriteGarbage(Path.Combine("empty", "broken.png"));
        (code, output, err) = Text(new CacheTextOptions { Data = empty, T5 = garbage });
        Assert.Equal(1, code);
        Assert.Contains("the dataset is empty", err);
        Assert.DoesNotContain("loading", output);
    }

    [Fact]
    public void DataModeAndFlagErrors()
    {
        var (code, output, err) = Latents(new CacheLatentsOptions { Data = _kit.Images, Resolution = "32,32", Vae = _kit.VaePath });
        Assert.True(code == 0, output + err);
        Assert.Contains("latents: 2 encoded", output);
        Assert.True(File.Exists(Path.Combine(_kit.Images, "img_0064x0048_wan.safetensors")));

        (code, _, err) = Latents(new CacheLatentsOptions { Data = _kit.Images, DatasetConfig = _kit.ConfigPath, Vae = _kit.VaePath });
        Assert.Equal(1, code);
        Assert.Contains("exactly one of --dataset_config", err);
        (code, _, err) = Latents(new CacheLatentsOptions { DatasetConfig = _kit.ConfigPath, Resolution = "32,32", Vae = _kit.VaePath });
        Assert.Equal(1, code);
        Assert.Contains("--resolution", err);
        (code, _, err) = Latents(new CacheLatentsOptions { Data = _kit.Images, Resolution = "32;32", Vae = _kit.VaePath });
        Assert.Equal(1, code);
        Assert.Contains("W,H", err);
        (code, _, err) = Latents(new CacheLatentsOptions { Data = _kit.Images, Vae = _kit.Dir.File("missing.safetensors") });
        Assert.Equal(1, code);
        Assert.Contains("missing.safetensors", err);
    }

    [Fact]
    public void AMediaFileThatFailsToDecodeGivesExitCode1AndTheRestIsCached()
    {
        var dir = _kit.Dir.File("mixed");
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(_kit.Images, "img.png"), Path.Combine(dir, "img.png"));
        // moov atom first, then cut: ffprobe still reports 9 frames, decoding yields none
        var full = Path.Combine(dir, "full.mp4.tmp");
        Data.TestMedia.Ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x48:rate=16", "-frames:v", "9", "-pix_fmt", "yuv420p",
            "-movflags", "+faststart", "-f", "mp4", full);
        var bytes = File.ReadAllBytes(full);
        File.Delete(full);
        var broken = Path.Combine(dir, "broken.mp4");
        File.WriteAllBytes(broken, bytes.AsSpan(0, bytes.Length * 6 / 10).ToArray());

        var (code, output, err) = Latents(new CacheLatentsOptions { Data = dir, Resolution = "32,32", Vae = _kit.VaePath });
        Assert.Equal(1, code);
        Assert.Contains("latents: 1 encoded, 0 up to date, 1 failed", output);
        Assert.Contains("FAILED  broken_00000-009", output);
        Assert.Contains("error: " + broken + ": item broken_00000-009:", err);
        Assert.True(File.Exists(Path.Combine(dir, "img_0064x0048_wan.safetensors")));
    }

    [Fact]
    public void VerbsAreRegisteredWithMusubiFlagNames()
    {
        int code = Cli.Program.Main(["cache-latents", "--data", _kit.Images, "--resolution", "32,32", "--vae", _kit.VaePath,
            "--i2v", "--keep_cache", "--skip_existing"]);
        Assert.Equal(0, code);
        code = Cli.Program.Main(["cache-text", "--dataset_config", _kit.ConfigPath, "--t5", _kit.T5Path, "--text_len", "24", "--keep_cache"]);
        Assert.Equal(0, code);
        Assert.True(File.Exists(Path.Combine(_kit.Images, "img_0064x0048_wan.safetensors")));
        Assert.True(File.Exists(Path.Combine(_kit.Images, "img_wan_te.safetensors")));
    }
}
