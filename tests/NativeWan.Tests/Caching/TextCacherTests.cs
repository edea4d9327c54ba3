using Xunit.Abstractions;
using NativeWan.Caching;
using NativeWan.IO.SafeTensors;

namespace NativeWan.Tests.Caching;

public sealed class TextCacherTests(ITestOutputHelper log) : IDisposable
{
    readonly CachingTestKit _kit = new();
    public void Dispose() => _kit.Dispose();

    TextCacher Cacher(int textLength = 16, bool keep = false) =>
        new(new TextCacheOptions { T5Identity = _kit.T5Identity, TextLength = textLength, KeepCache = keep });

    [Fact]
    public void TextCachesEqualADirectTokenizerAndEncoderRun()
    {
        const int textLen = 16;
        File.WriteAllText(Path.Combine(_kit.Images, "other.txt"),
            "an extremely long caption that certainly needs more than sixteen tokens once the sentence piece model has split every single word of it");
        var (tok, enc) = _kit.LoadT5(textLen);
        var progress = new List<CacheProgress>();
        int loads = 0;
        var r = Cacher(textLen).Run(_kit.Scan(), () => { loads++; return (tok, enc); }, progress.Add);

        // one cache per media file (the video's two windows share one), musubi names
        Assert.Equal(3, r.Encoded);
        Assert.Empty(r.Failures);
        Assert.Equal(1, loads);
        Assert.Equal(new[] { "clip", "img", "other" }, progress.Select(p => p.Key).Order());
        // img and clip have the same caption: encoded once
        Assert.Contains("same caption as", progress.Single(p => p.Key == "clip").Detail);
        Assert.Contains(r.Warnings, w => w.Contains("other.png") && w.Contains("cut to 15"));

        double worst = 0;
        foreach (var (dir, stem) in new[] { (_kit.Images, "img"), (_kit.Images, "other"), (_kit.Videos, "clip") })
        {
            var path = Path.Combine(dir, stem + "_wan_te.safetensors");
            var caption = File.ReadAllText(Path.Combine(dir, stem + ".txt")).Trim();
            var t = tok.Encode(caption);
            var direct = enc.Encode(t.Ids, t.Mask); // the official padded run, trimmed to the real tokens
            var (ctx, len, dim) = CacheFiles.ReadText(path);
            Assert.Equal((t.SeqLen, enc.Config.Dim), (len, dim));
            Assert.Equal(direct.Length, ctx.Length);
            for (int i = 0; i < ctx.Length; i++) worst = Math.Max(worst, Math.Abs(ctx[i] - direct[i]));
            Assert.Equal(TextCacher.EncodeTrimmed(enc, t), ctx);
            using var f = SafeTensorsFile.Open(path);
            Assert.Equal(["varlen_t5_float32"], f.Tensors.Select(x => x.Name));
            Assert.Equal(caption, f.Metadata["caption1"]);
            Assert.Equal("wan", f.Metadata["architecture"]);
        }
        log.WriteLine($"max |cache − padded run| = {worst:g3}");
        Assert.True(worst < 1e-5, $"max |cache − padded run| = {worst:g3}");
        Assert.Equal(textLen, CacheFiles.ReadText(Path.Combine(_kit.Images, "other_wan_te.safetensors")).Length);
    }

    [Fact]
    public void SecondRunSkipsAndAChangedCaptionReCachesOnlyItsFile()
    {
        var (tok, enc) = _kit.LoadT5(16);
        Cacher().Run(_kit.Scan(), () => (tok, enc));
        var again = Cacher().Run(_kit.Scan(), () => throw new InvalidOperationException("the encoder must not be loaded"));
        Assert.Equal((0, 3), (again.Encoded, again.UpToDate));

        File.WriteAllText(Path.Combine(_kit.Videos, "clip.txt"), "a different caption");
        var progress = new List<CacheProgress>();
        var r = Cacher().Run(_kit.Scan(), () => (tok, enc), progress.Add);
        Assert.Equal((1, 2), (r.Encoded, r.UpToDate));
        Assert.Equal("clip", progress.Single(p => p.Status == CacheItemStatus.Encoded).Key);
        var t = tok.Encode("a different caption");
        Assert.Equal(TextCacher.EncodeTrimmed(enc, t), CacheFiles.ReadText(Path.Combine(_kit.Videos, "clip_wan_te.safetensors")).Context);

        // text_len is part of the hash
        var r2 = Cacher(textLength: 20).Run(_kit.Scan(), () => _kit.LoadT5(20));
        Assert.Equal(3, r2.Encoded);
    }

    [Fact]
    public void StaleTextCachesAreRemovedUnlessKept()
    {
        var (tok, enc) = _kit.LoadT5(16);
        var stale = Path.Combine(_kit.Videos, "deleted_wan_te.safetensors");
        var latent = Path.Combine(_kit.Videos, "deleted_0064x0048_wan.safetensors");
        File.WriteAllText(stale, "x");
        File.WriteAllText(latent, "x");
        var kept = Cacher(keep: true).Run(_kit.Scan(), () => (tok, enc));
        Assert.Equal([stale], kept.Kept);
        Assert.True(File.Exists(stale));
        var removed = Cacher().Run(_kit.Scan(), () => (tok, enc));
        Assert.Equal([stale], removed.Removed);
        Assert.False(File.Exists(stale));
        Assert.True(File.Exists(latent)); // latent caches are the latent cacher's business
    }
}
