using System.Text.Json;
using NativeWan.IO;
using NativeWan.Models.T5;
using Xunit.Abstractions;

namespace NativeWan.Tests.Models.T5;

/// <summary>umT5 encoder against the official T5Encoder golden (golden README §3).</summary>
public class UmT5GoldenTests(ITestOutputHelper log)
{
    const float Tol = 1e-4f;

    [Fact]
    public void ConfigFromWeightsMatchesGoldenMetadata()
    {
        using var g = T5TestData.Open();
        var cfg = UmT5Config.FromWeights(g);
        var meta = JsonDocument.Parse(g.Metadata["config"]).RootElement;
        Assert.Equal(meta.GetProperty("vocab").GetInt32(), cfg.Vocab);
        Assert.Equal(meta.GetProperty("dim").GetInt32(), cfg.Dim);
        Assert.Equal(meta.GetProperty("dim_attn").GetInt32(), cfg.DimAttn);
        Assert.Equal(meta.GetProperty("dim_ffn").GetInt32(), cfg.DimFfn);
        Assert.Equal(meta.GetProperty("num_heads").GetInt32(), cfg.NumHeads);
        Assert.Equal(meta.GetProperty("num_layers").GetInt32(), cfg.NumLayers);
        Assert.Equal(meta.GetProperty("num_buckets").GetInt32(), cfg.NumBuckets);
        Assert.Equal(meta.GetProperty("shared_pos").GetBoolean(), cfg.SharedPositionBias);
    }

    [Fact]
    public void UmT5XxlParameterCountMatchesSpec() =>
        Assert.Equal(5_680_910_336L, UmT5Config.UmT5Xxl.ParameterCount);

    [Fact]
    public void RelativeBucketsMatchGoldenTable()
    {
        using var g = T5TestData.Open();
        var cfg = UmT5Config.FromWeights(g);
        var rel = g.ReadInt64("dbg.rel_pos");
        var bucket = g.ReadInt64("dbg.rel_bucket");
        Assert.Equal(rel.Length, bucket.Length);
        for (int i = 0; i < rel.Length; i++)
            Assert.True(bucket[i] == UmT5RelativePosition.Bucket((int)rel[i], cfg.NumBuckets, cfg.MaxDistance),
                $"rel {rel[i]}: expected bucket {bucket[i]}, got {UmT5RelativePosition.Bucket((int)rel[i], cfg.NumBuckets, cfg.MaxDistance)}");
    }

    [Fact]
    public void Block0PositionBiasMatchesGoldenExactly()
    {
        using var g = T5TestData.Open();
        var enc = UmT5Encoder.Load(g);
        var refBias = g.ReadFloat32("dbg.block0.pos_bias");
        var shape = g.Get("dbg.block0.pos_bias").Shape;   // [heads, lq, lk]
        Assert.Equal(enc.Config.NumHeads, shape[0]);
        var bias = enc.PositionBias(0, (int)shape[1], (int)shape[2]);
        Assert.Equal(refBias, bias);
    }

    [Fact]
    public void HiddenStatesOfAllRowsMatchGolden()
    {
        using var g = T5TestData.Open();
        var enc = UmT5Encoder.Load(g);
        var (ids, mask) = T5TestData.Inputs(g);
        var hidden = enc.EncodeAll(ids, mask);
        var refHidden = g.ReadFloat32("out.hidden", [ids.Length, enc.Config.Dim]);
        float err = T5TestData.AssertClose(hidden, refHidden, Tol, "out.hidden");
        log.WriteLine($"out.hidden max abs err {err:E3}, max|ref| {T5TestData.MaxAbs(refHidden):E3}");
    }

    [Fact]
    public void EncodeTrimsToTrueLengthLikeT5EncoderModel()
    {
        using var g = T5TestData.Open();
        var enc = UmT5Encoder.Load(g);
        var (ids, mask) = T5TestData.Inputs(g);
        var ctx = enc.Encode(ids, mask);
        var refCtx = g.ReadFloat32("out.context");
        var rows = g.Get("out.context").Shape[0];
        Assert.Equal(mask.Count(m => m > 0), rows);
        Assert.Equal(rows * enc.Config.Dim, ctx.Length);
        float err = T5TestData.AssertClose(ctx, refCtx, Tol, "out.context");
        log.WriteLine($"out.context rows {rows}, max abs err {err:E3}");
    }

    [Fact]
    public void PaddingDoesNotChangeValidRows()
    {
        // Padding keys are masked, so dropping the padded positions entirely gives the same valid rows
        // (relative positions among real tokens are unchanged).
        using var g = T5TestData.Open();
        var enc = UmT5Encoder.Load(g);
        var (ids, mask) = T5TestData.Inputs(g);
        int n = mask.Count(m => m > 0);
        var full = enc.Encode(ids, mask);
        var shortOut = enc.Encode(ids[..n], mask[..n]);
        T5TestData.AssertClose(shortOut, full, 1e-5f, "unpadded vs padded");
    }

    [Fact]
    public void BadInputsThrowClearErrors()
    {
        using var g = T5TestData.Open();
        var enc = UmT5Encoder.Load(g);
        var (ids, mask) = T5TestData.Inputs(g);
        var bad = (int[])ids.Clone();
        bad[0] = enc.Config.Vocab;
        var ex = Assert.Throws<ArgumentException>(() => enc.Encode(bad, mask));
        Assert.Contains("outside the vocabulary", ex.Message);
        Assert.Throws<ArgumentException>(() => enc.Encode(ids, mask[..^1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => enc.PositionBias(enc.Config.NumLayers, 4, 4));
    }
}
