using NativeWan.Caching;
using NativeWan.IO.SafeTensors;
using NativeWan.Models.Wan;
using NativeWan.Numerics;

namespace NativeWan.Tests.Caching;

public sealed class CacheFilesTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("nw-cache-").FullName;
    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void NamesFollowMusubi()
    {
        Assert.Equal(Path.Combine("c", "cat_0451x0300_wan.safetensors"), CacheFiles.LatentPath("c", "cat", 451, 300));
        Assert.Equal(Path.Combine("c", "clip_00000-033_wan_te.safetensors"), CacheFiles.TextPath("c", "clip_00000-033"));
    }

    [Fact]
    public void LatentAndTextCachesRoundTripWithHashes()
    {
        var rng = new Prng(1);
        var shape = new LatentShape(16, 3, 4, 6);
        var x = new float[shape.Elements]; rng.FillGaussian(x);
        var y = new float[20 * 3 * 4 * 6]; rng.FillGaussian(y);
        var p = Path.Combine(_dir, "a_0048x0032_wan.safetensors");
        CacheFiles.WriteLatent(p, x, shape, y, 48, 32, 9, "h1");
        var (lx, ls, ly) = CacheFiles.ReadLatent(p);
        Assert.Equal(shape, ls); Assert.Equal(x, lx); Assert.Equal(y, ly);
        Assert.True(CacheFiles.IsUpToDate(p, "h1"));
        Assert.False(CacheFiles.IsUpToDate(p, "h2"));
        Assert.False(CacheFiles.IsUpToDate(Path.Combine(_dir, "missing.safetensors"), "h1"));

        var ctx = new float[5 * 8]; rng.FillGaussian(ctx);
        var tp = Path.Combine(_dir, "a_wan_te.safetensors");
        CacheFiles.WriteText(tp, ctx, 5, 8, "a caption", "t1");
        var (c, len, dim) = CacheFiles.ReadText(tp);
        Assert.Equal(ctx, c); Assert.Equal(5, len); Assert.Equal(8, dim);
        using var f = SafeTensorsFile.Open(tp);
        Assert.Equal("a caption", f.Metadata["caption1"]);
        Assert.Equal("wan", f.Metadata["architecture"]);
    }

    [Fact]
    public void MusubiBf16CachesAreRead()
    {
        // musubi writes bfloat16 tensors named with torch's dtype name.
        var vals = new float[] { 1.5f, -2f, 0.25f, 3f };
        var bytes = new byte[vals.Length * 2];
        NumericConvert.FromFloat32(DType.BF16, vals, bytes);
        var w = new SafeTensorsWriter();
        w.Add("latents_1x2x2_bfloat16", DType.BF16, [1, 1, 2, 2], bytes);
        var p = Path.Combine(_dir, "m_0016x0016_wan.safetensors");
        w.Save(p);
        var (lx, ls, ly) = CacheFiles.ReadLatent(p);
        Assert.Equal(vals, lx);
        Assert.Equal(new LatentShape(1, 1, 2, 2), ls);
        Assert.Null(ly);
    }

    [Fact]
    public void SourceHashChangesWithContentAndSettings()
    {
        var f = Path.Combine(_dir, "src.bin");
        File.WriteAllBytes(f, [1, 2, 3]);
        var a = CacheFiles.SourceHash(CacheFiles.FileDigest(f), "bucket=16x16");
        Assert.Equal(a, CacheFiles.SourceHash(CacheFiles.FileDigest(f), "bucket=16x16"));
        Assert.NotEqual(a, CacheFiles.SourceHash(CacheFiles.FileDigest(f), "bucket=32x16"));
        File.WriteAllBytes(f, [1, 2, 4]);
        Assert.NotEqual(a, CacheFiles.SourceHash(CacheFiles.FileDigest(f), "bucket=16x16"));
    }

    [Fact]
    public void NonCacheFilesAreRefusedByName()
    {
        var e = Assert.Throws<NativeWan.IO.ModelFileException>(() => CacheFiles.ReadLatent(Golden.Path("t5.safetensors")));
        Assert.Contains("latents_", e.Message);
    }
}
