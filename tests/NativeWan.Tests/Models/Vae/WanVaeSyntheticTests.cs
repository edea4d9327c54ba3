using NativeWan.Models.Vae;
using Xunit.Abstractions;

namespace NativeWan.Tests.Models.Vae;

/// <summary>Configuration inference and shape/chunking behaviour on synthetic official-layout checkpoints.</summary>
public class WanVaeSyntheticTests(ITestOutputHelper output)
{
    [Fact]
    public void ReleasedArchitectureConfigIsInferred()
    {
        using var src = new SyntheticVaeSource(96, 16, [1, 2, 4, 4], 2, [false, true, true]);
        var cfg = WanVaeConfig.FromWeights(src);
        Assert.Equal(96, cfg.BaseDim);
        Assert.Equal(16, cfg.ZDim);
        Assert.Equal([1, 2, 4, 4], cfg.DimMult);
        Assert.Equal(2, cfg.NumResBlocks);
        Assert.Equal([false, true, true], cfg.TemporalDownsample);
        Assert.Equal([true, true, false], cfg.TemporalUpsample);
        Assert.Equal(8, cfg.SpatialFactor);
        Assert.Equal(4, cfg.TemporalFactor);
        long parameters = src.Tensors.Sum(t => t.ElementCount);
        Assert.Equal(126_892_531, parameters); // spec section 0: Wan2.1 VAE parameter count
    }

    /// <summary>
    /// Another configuration (spatial ×4, temporal ×2, 1 residual block, z 4): sizes, the 2n+1 frame rule and
    /// chunk-bounded memory follow from the weights alone.
    /// </summary>
    [Fact]
    public void OtherConfigurationEncodesAndDecodes()
    {
        using var src = new SyntheticVaeSource(4, 4, [1, 2, 2], 1, [true, false]);
        var vae = WanVae.Load(src, [0.1f, -0.2f, 0.3f, 0f], [1f, 2f, 0.5f, 1.5f]);
        Assert.Equal(4, vae.Config.SpatialFactor);
        Assert.Equal(2, vae.Config.TemporalFactor);
        var rng = new Random(5);
        long Peak(int frames, out VaeTensor latent, out VaeTensor video)
        {
            var v = VaeTensor.Zeros(3, frames, 8, 12);
            for (int i = 0; i < v.Data.Length; i++) v.Data[i] = (float)(rng.NextDouble() * 2 - 1);
            var ws = new VaeWorkspace();
            latent = vae.Encode(v, true, ws, null);
            video = vae.Decode(latent, true, true, ws, null);
            return ws.PeakBytes;
        }
        long p5 = Peak(5, out var lat5, out var vid5), p9 = Peak(9, out var lat9, out var vid9);
        Assert.Equal("[4, 3, 2, 3]", lat5.ShapeText);
        Assert.Equal("[3, 5, 8, 12]", vid5.ShapeText);
        Assert.Equal("[4, 5, 2, 3]", lat9.ShapeText);
        Assert.Equal("[3, 9, 8, 12]", vid9.ShapeText);
        Assert.All(lat9.Data, x => Assert.True(float.IsFinite(x)));
        Assert.Equal(p5, p9);
        Assert.Throws<ArgumentException>(() => vae.Encode(VaeTensor.Zeros(3, 4, 8, 8)));
        output.WriteLine($"peak {p5} B (5 frames) = {p9} B (9 frames)");
    }
}

public class WanVaeRandomInitTests
{
    [Fact]
    public void WrittenRandomVaeLoadsWithItsConfigAndRoundTripsShapes()
    {
        var path = Path.Combine(Path.GetTempPath(), $"nw-vae-{Guid.NewGuid():N}.safetensors");
        try
        {
            NativeWan.Models.Vae.WanVaeRandomInit.Create(4, 16, [1, 2, 2, 2], 1, [false, true, true], 5).Save(path);
            using var src = NativeWan.IO.SafeTensors.SafeTensorsFile.Open(path);
            var vae = NativeWan.Models.Vae.WanVae.Load(src);
            Assert.Equal(4, vae.Config.BaseDim);
            Assert.Equal(16, vae.Config.ZDim);
            var z = vae.Encode(NativeWan.Models.Vae.VaeTensor.Zeros(3, 5, 16, 24));
            Assert.Equal((16, 2, 2, 3), (z.Channels, z.Frames, z.Height, z.Width));
            var x = vae.Decode(z);
            Assert.Equal((3, 5, 16, 24), (x.Channels, x.Frames, x.Height, x.Width));
        }
        finally { File.Delete(path); }
    }
}
