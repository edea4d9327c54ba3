using NativeWan.Caching;
using NativeWan.Data;
using NativeWan.IO;
using NativeWan.IO.SafeTensors;
using NativeWan.Models.Vae;

namespace NativeWan.Tests.Caching;

public sealed class LatentCacherTests : IDisposable
{
    readonly CachingTestKit _kit = new();
    public void Dispose() => _kit.Dispose();

    LatentCacher Cacher(bool i2v = false, bool keep = false, bool skipExisting = false) =>
        new(new LatentCacheOptions { VaeIdentity = _kit.VaeIdentity, I2V = i2v, KeepCache = keep, SkipExisting = skipExisting });

    static VaeTensor Direct(WanVae vae, DatasetItem item)
    {
        var input = DatasetItemLoader.Load(item);
        return vae.Encode(new VaeTensor(input.Data, 3, input.Frames, input.Height, input.Width));
    }

    [Fact]
    public void CachesEqualADirectEncodeUnderMusubiNamesAndASecondRunSkipsAll()
    {
        var scan = _kit.Scan();
        var vae = _kit.LoadVae();
        int loads = 0;
        var progress = new List<CacheProgress>();
        var r = Cacher().Run(scan, () => { loads++; return vae; }, progress.Add);
        Assert.Equal(scan.Items.Count, r.Encoded);
        Assert.Equal(0, r.UpToDate);
        Assert.Empty(r.Failures);
        Assert.Equal(1, loads);
        Assert.Equal(Enumerable.Range(1, scan.Items.Count), progress.Select(p => p.Index));

        var expectedNames = new[] { "img_0064x0048_wan.safetensors", "other_0040x0056_wan.safetensors",
            "clip_00000-005_0064x0048_wan.safetensors", "clip_00000-009_0064x0048_wan.safetensors" };
        Assert.Equal(expectedNames.Order(), scan.Items.Select(i => Path.GetFileName(DatasetCachePaths.LatentPath(Path.GetDirectoryName(i.MediaPath)!, i))).Order());

        foreach (var item in scan.Items)
        {
            var path = DatasetCachePaths.LatentPath(Path.GetDirectoryName(item.MediaPath)!, item);
            Assert.True(File.Exists(path), path);
            var direct = Direct(vae, item);
            var (latent, shape, image) = CacheFiles.ReadLatent(path);
            Assert.Null(image);
            Assert.Equal((direct.Channels, direct.Frames, direct.Height, direct.Width), (shape.Channels, shape.Frames, shape.Height, shape.Width));
            Assert.Equal(1 + (item.Frames - 1) / 4, shape.Frames);
            Assert.Equal(item.Bucket.Height / 8, shape.Height);
            Assert.Equal(direct.Data, latent); // bit-exact

            using var f = SafeTensorsFile.Open(path);
            Assert.Equal([$"latents_{shape.Frames}x{shape.Height}x{shape.Width}_float32"], f.Tensors.Select(t => t.Name));
            Assert.Equal("wan", f.Metadata["architecture"]);
            Assert.Equal(item.OriginalSize.Width.ToString(), f.Metadata["width"]);
            Assert.Equal(item.OriginalSize.Height.ToString(), f.Metadata["height"]);
            if (item.Kind == DatasetKind.Video) Assert.Equal(item.Frames.ToString(), f.Metadata["frame_count"]);
            else Assert.False(f.Metadata.ContainsKey("frame_count"));
        }

        var stamps = expectedNames.ToDictionary(n => n, n => File.GetLastWriteTimeUtc(Find(n)));
        var again = Cacher().Run(_kit.Scan(), () => throw new InvalidOperationException("the VAE must not be loaded when everything is up to date"));
        Assert.Equal((0, scan.Items.Count, 0), (again.Encoded, again.UpToDate, again.Failed));
        foreach (var (n, t) in stamps) Assert.Equal(t, File.GetLastWriteTimeUtc(Find(n)));
    }

    string Find(string name) =>
        File.Exists(Path.Combine(_kit.Images, name)) ? Path.Combine(_kit.Images, name) : Path.Combine(_kit.Videos, name);

    [Fact]
    public void ChangedMediaOrSettingsReCacheOnlyTheAffectedItems()
    {
        var vae = _kit.LoadVae();
        Cacher().Run(_kit.Scan(), () => vae);

        // new pixels in one image (same size, so the same cache file name)
        Data.TestMedia.Ffmpeg("-f", "lavfi", "-i", "testsrc2=size=64x48:rate=16", "-frames:v", "1", Path.Combine(_kit.Images, "img.png"));
        var progress = new List<CacheProgress>();
        var scan = _kit.Scan();
        var r = Cacher().Run(scan, () => vae, progress.Add);
        Assert.Equal((1, scan.Items.Count - 1), (r.Encoded, r.UpToDate));
        Assert.Equal("img", progress.Single(p => p.Status == CacheItemStatus.Encoded).Key);
        var img = scan.Items.Single(i => i.ItemKey == "img");
        Assert.Equal(Direct(vae, img).Data, CacheFiles.ReadLatent(Find("img_0064x0048_wan.safetensors")).Latent);

        // --i2v is part of the hash: everything is redone
        var r2 = Cacher(i2v: true).Run(_kit.Scan(), () => vae);
        Assert.Equal((scan.Items.Count, 0), (r2.Encoded, r2.UpToDate));

        // a replaced VAE (other size) invalidates everything; --skip_existing accepts any existing file
        var r3 = new LatentCacher(new LatentCacheOptions { VaeIdentity = "other_vae.safetensors:123", SkipExisting = true })
            .Run(_kit.Scan(), () => throw new InvalidOperationException("not needed"));
        Assert.Equal((0, scan.Items.Count), (r3.Encoded, r3.UpToDate));
    }

    [Fact]
    public void I2VStoresTheMaskAndTheFirstFrameLatent()
    {
        var scan = _kit.Scan();
        var vae = _kit.LoadVae();
        var r = Cacher(i2v: true).Run(scan, () => vae);
        Assert.Equal(scan.Items.Count, r.Encoded);
        foreach (var item in scan.Items)
        {
            var path = DatasetCachePaths.LatentPath(Path.GetDirectoryName(item.MediaPath)!, item);
            var (latent, shape, y) = CacheFiles.ReadLatent(path);
            Assert.NotNull(y);
            int t = shape.Frames, hw = shape.Height * shape.Width, c = shape.Channels;
            Assert.Equal((4 + c) * t * hw, y!.Length);
            using (var f = SafeTensorsFile.Open(path))
                Assert.Equal(new long[] { 4 + c, t, shape.Height, shape.Width }, f.Get($"latents_image_{t}x{shape.Height}x{shape.Width}_float32").Shape);

            // mask: all four channels 1 on latent frame 0, 0 on every later frame
            for (int ch = 0; ch < 4; ch++)
                for (int f = 0; f < t; f++)
                    Assert.All(y.AsSpan((ch * t + f) * hw, hw).ToArray(), v => Assert.Equal(f == 0 ? 1f : 0f, v));

            // image latent: encode of [frame 0, zeros for the other F−1 frames], built here by hand
            var input = DatasetItemLoader.Load(item);
            int px = input.Height * input.Width;
            var clip = new float[input.Data.Length];
            for (int ch = 0; ch < 3; ch++)
                Array.Copy(input.Data, ch * input.Frames * px, clip, ch * input.Frames * px, px);
            var expected = vae.Encode(new VaeTensor(clip, 3, input.Frames, input.Height, input.Width));
            Assert.Equal(expected.Data, y.AsSpan(4 * t * hw).ToArray());
            Assert.Equal(Direct(vae, item).Data, latent);
            if (item.Frames > 1) Assert.NotEqual(latent, y.AsSpan(4 * t * hw).ToArray()); // zero frames were encoded, not copied
        }
    }

    [Fact]
    public void CorruptMediaIsReportedAndTheOthersAreCached()
    {
        var scan = _kit.Scan();              // the file was fine when scanned …
        var bad = Path.Combine(_kit.Images, "other.png");
        File.WriteAllBytes(bad, new byte[300]); // … and is broken when cached
        var progress = new List<CacheProgress>();
        var r = Cacher().Run(scan, _kit.LoadVae, progress.Add);
        Assert.Equal((scan.Items.Count - 1, 1), (r.Encoded, r.Failed));
        Assert.StartsWith(bad + ":", r.Failures[0]);
        Assert.Contains("item other", r.Failures[0]);
        Assert.Equal(CacheItemStatus.Failed, progress.Single(p => p.Key == "other").Status);
        Assert.False(File.Exists(Path.Combine(_kit.Images, "other_0040x0056_wan.safetensors")));
        Assert.True(File.Exists(Path.Combine(_kit.Videos, "clip_00000-009_0064x0048_wan.safetensors")));
    }

    [Fact]
    public void StaleCachesAreRemovedUnlessKept()
    {
        var vae = _kit.LoadVae();
        Cacher().Run(_kit.Scan(), () => vae);
        // stale: a latent of a deleted item, a window size no longer configured; not ours: text caches, other files
        var staleImage = Path.Combine(_kit.Images, "gone_0064x0048_wan.safetensors");
        var staleWindow = Path.Combine(_kit.Videos, "clip_00000-001_0064x0048_wan.safetensors");
        File.Copy(Find("img_0064x0048_wan.safetensors"), staleImage);
        File.Copy(Find("img_0064x0048_wan.safetensors"), staleWindow);
        var text = Path.Combine(_kit.Images, "gone_wan_te.safetensors");
        var other = Path.Combine(_kit.Images, "notes_wan.safetensors.bak");
        File.WriteAllText(text, "x");
        File.WriteAllText(other, "x");

        var kept = Cacher(keep: true).Run(_kit.Scan(), () => vae);
        Assert.Equal(new[] { staleImage, staleWindow }.Order(), kept.Kept.Order());
        Assert.Empty(kept.Removed);
        Assert.True(File.Exists(staleImage) && File.Exists(staleWindow));

        var removed = Cacher().Run(_kit.Scan(), () => vae);
        Assert.Equal(new[] { staleImage, staleWindow }.Order(), removed.Removed.Order());
        Assert.False(File.Exists(staleImage) || File.Exists(staleWindow));
        Assert.True(File.Exists(text) && File.Exists(other));
        Assert.Equal(4, removed.UpToDate);
    }

    [Fact]
    public void JsonlDatasetWithoutCacheDirectoryFailsBeforeLoadingTheVae()
    {
        var jsonl = _kit.Dir.Write("items.jsonl", $"{{\"image_path\": \"{Path.Combine(_kit.Images, "img.png")}\", \"caption\": \"c\"}}\n");
        var cfg = DatasetConfig.FromTable(new Dictionary<string, object?>
        {
            ["datasets"] = new List<object?> { new Dictionary<string, object?> { ["image_jsonl_file"] = jsonl, ["resolution"] = 32L } },
        }, "j.toml");
        var scan = DatasetScanner.Scan(cfg);
        var e = Assert.Throws<DatasetException>(() => Cacher().Run(scan, () => throw new InvalidOperationException("loaded")));
        Assert.Contains("cache_directory", e.Message);
    }
}
