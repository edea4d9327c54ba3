using NativeWan.Caching;
using NativeWan.Data;
using NativeWan.IO;
using NativeWan.Models.Wan;
using NativeWan.Numerics;
using NativeWan.Training;

namespace NativeWan.Tests.Training;

/// <summary>The dataset item → cache file → <see cref="TrainingSample"/> mapping, on hand-made items (no media needed).</summary>
public sealed class TrainingDataTests : IDisposable
{
    readonly string _dir = Path.Combine(Path.GetTempPath(), "nw-tdata-" + Guid.NewGuid().ToString("N")[..10]);
    static readonly WanConfig Cfg = TinyWan.Config;

    public TrainingDataTests() => Directory.CreateDirectory(_dir);
    public void Dispose() { try { Directory.Delete(_dir, true); } catch (IOException) { } }

    static DatasetItem Image(string path, int repeats) =>
        new(0, DatasetKind.Image, path, "cap", new Resolution(40, 36), new Resolution(32, 32), new FrameWindow(0, 1), [0], repeats);

    static DatasetItem VideoWindow(string path, int start) =>
        new(1, DatasetKind.Video, path, "cap", new Resolution(64, 48), new Resolution(32, 32), new FrameWindow(start, 5), [0, 1, 2, 3, 4], 1);

    (float[] Latent, float[] Ctx) WriteCaches(string dir, string latentKey, string textKey, int w, int h, LatentShape shape, float[]? y = null, int seed = 1)
    {
        var rng = new Prng((ulong)seed);
        var x = new float[shape.Elements]; rng.FillGaussian(x);
        var c = new float[3 * Cfg.TextDim]; rng.FillGaussian(c);
        CacheFiles.WriteLatent(CacheFiles.LatentPath(dir, latentKey, w, h), x, shape, y, w, h, null, "h");
        CacheFiles.WriteText(CacheFiles.TextPath(dir, textKey), c, 3, Cfg.TextDim, "cap", "h");
        return (x, c);
    }

    [Fact]
    public void ItemsMapToMusubiNamedCachesAndRepeat()
    {
        var cacheDir = Path.Combine(_dir, "cache");
        var entries = new[]
        {
            new DatasetEntry { Index = 0, Kind = DatasetKind.Image, ImageDirectory = _dir, CacheDirectory = cacheDir },
            new DatasetEntry { Index = 1, Kind = DatasetKind.Video, VideoDirectory = _dir }, // no cache_directory: next to the media
        };
        var img = Image(Path.Combine(_dir, "cat.jpg"), repeats: 3);
        var v0 = VideoWindow(Path.Combine(_dir, "clip.mp4"), 0);
        var v1 = VideoWindow(Path.Combine(_dir, "clip.mp4"), 5);
        var (xi, ci) = WriteCaches(cacheDir, "cat", "cat", 40, 36, new LatentShape(16, 1, 4, 4), seed: 1);
        var (xv, cv) = WriteCaches(_dir, "clip_00000-005", "clip", 64, 48, new LatentShape(16, 2, 4, 4), seed: 2);
        var (xv1, _) = WriteCaches(_dir, "clip_00005-005", "clip", 64, 48, new LatentShape(16, 2, 4, 4), seed: 3); // rewrites the same text cache

        Assert.Equal((Path.Combine(cacheDir, "cat_0040x0036_wan.safetensors"), Path.Combine(cacheDir, "cat_wan_te.safetensors")), TrainingData.CachePaths(entries[0], img));
        Assert.Equal((Path.Combine(_dir, "clip_00005-005_0064x0048_wan.safetensors"), Path.Combine(_dir, "clip_wan_te.safetensors")), TrainingData.CachePaths(entries[1], v1));

        var set = TrainingData.Load([img, v0, v1], entries, Cfg, imageToVideo: false);
        Assert.Equal(3, set.Items.Count);
        Assert.Equal(5, set.Samples.Count); // 3 repeats + 1 + 1
        Assert.All(set.Samples.Take(3), s => Assert.Same(set.Items[0].Sample, s));
        Assert.Equal(xi, set.Items[0].Sample.Latent);
        Assert.Equal(ci, set.Items[0].Sample.Context);
        Assert.Equal(xv, set.Items[1].Sample.Latent);
        Assert.Equal(xv1, set.Items[2].Sample.Latent);
        Assert.Same(set.Items[1].Sample.Context, set.Items[2].Sample.Context); // one text cache per video
        Assert.Equal(new LatentShape(16, 2, 4, 4), set.Items[1].Sample.Shape);
        Assert.Equal("clip_00005-005", set.Items[2].Sample.Key);
        Assert.Null(set.Items[0].Sample.Cond);
        Assert.Equal(64, set.Fingerprint.Length);
        Assert.Equal(set.Fingerprint, TrainingData.Load([img, v0, v1], entries, Cfg, false).Fingerprint);
        Assert.NotEqual(set.Fingerprint, TrainingData.Load([img, v0], entries, Cfg, false).Fingerprint);
    }

    [Fact]
    public void MissingCachesNameTheFileAndTheCommand()
    {
        var entries = new[] { new DatasetEntry { Index = 0, Kind = DatasetKind.Image, ImageDirectory = _dir } };
        var a = Image(Path.Combine(_dir, "a.png"), 1);
        var b = Image(Path.Combine(_dir, "b.png"), 1);
        WriteCaches(_dir, "a", "a", 40, 36, new LatentShape(16, 1, 4, 4));
        CacheFiles.WriteText(CacheFiles.TextPath(_dir, "b"), new float[Cfg.TextDim], 1, Cfg.TextDim, "", "h");
        var ex = Assert.Throws<FileNotFoundException>(() => TrainingData.Load([a, b], entries, Cfg, false));
        Assert.Contains("1 of 2 items have no latent cache", ex.Message);
        Assert.Contains(Path.Combine(_dir, "b_0040x0036_wan.safetensors"), ex.Message);
        Assert.Contains("nativewan cache-latents", ex.Message);
        Assert.DoesNotContain("cache-text", ex.Message);

        WriteCaches(_dir, "b", "b", 40, 36, new LatentShape(16, 1, 4, 4));
        File.Delete(CacheFiles.TextPath(_dir, "a"));
        var ex2 = Assert.Throws<FileNotFoundException>(() => TrainingData.Load([a, b], entries, Cfg, false));
        Assert.Contains(Path.Combine(_dir, "a_wan_te.safetensors"), ex2.Message);
        Assert.Contains("nativewan cache-text", ex2.Message);
    }

    [Fact]
    public void CachesThatDoNotFitTheModelOrTheItemAreRefused()
    {
        var entries = new[] { new DatasetEntry { Index = 0, Kind = DatasetKind.Image, ImageDirectory = _dir } };
        var a = Image(Path.Combine(_dir, "a.png"), 1);
        WriteCaches(_dir, "a", "a", 40, 36, new LatentShape(16, 1, 4, 4));

        // I2V needs the image latent
        var i2v = Cfg with { ModelType = WanModelType.I2V, InDim = 36 };
        var ex = Assert.Throws<ModelFileException>(() => TrainingData.Load([a], entries, i2v, imageToVideo: true));
        Assert.Contains("a_0040x0036_wan.safetensors", ex.Message);
        Assert.Contains("image latent", ex.Message);
        var y = new float[20 * 16];
        WriteCaches(_dir, "a", "a", 40, 36, new LatentShape(16, 1, 4, 4), y);
        Assert.Equal(320, TrainingData.Load([a], entries, i2v, imageToVideo: true).Items[0].Sample.Cond!.Length);

        // a latent of another bucket size is stale
        WriteCaches(_dir, "a", "a", 40, 36, new LatentShape(16, 1, 6, 4));
        var stale = Assert.Throws<ModelFileException>(() => TrainingData.Load([a], entries, Cfg, false));
        Assert.Contains("stale", stale.Message);

        // text embeddings of another width
        WriteCaches(_dir, "a", "a", 40, 36, new LatentShape(16, 1, 4, 4));
        CacheFiles.WriteText(CacheFiles.TextPath(_dir, "a"), new float[2 * 8], 2, 8, "", "h");
        var text = Assert.Throws<ModelFileException>(() => TrainingData.Load([a], entries, Cfg, false));
        Assert.Contains($"text_dim is {Cfg.TextDim}", text.Message);
    }
}
