using NativeWan.Models.Vae;
using Xunit.Abstractions;

namespace NativeWan.Tests.Models.Vae;

/// <summary>
/// Working memory of encode/decode (every buffer the VAE allocates, counted by <see cref="VaeWorkspace"/>; the
/// caller's input and the result are not counted) must depend on the chunk, not on the clip length.
/// </summary>
public class WanVaeMemoryTests(ITestOutputHelper output)
{
    static VaeTensor RandomVideo(int frames, int h, int w, int seed)
    {
        var rng = new Random(seed);
        var v = VaeTensor.Zeros(3, frames, h, w);
        for (int i = 0; i < v.Data.Length; i++) v.Data[i] = (float)(rng.NextDouble() * 2 - 1);
        return v;
    }

    [Fact]
    public void EncodePeakMemoryIsIndependentOfFrameCount()
    {
        var vae = VaeTestData.Vae;
        int sf = vae.Config.SpatialFactor, tf = vae.Config.TemporalFactor;
        var peaks = new List<long>();
        foreach (int size in new[] { 2 * sf, 4 * sf })
        {
            var ws5 = new VaeWorkspace();
            var ws17 = new VaeWorkspace();
            vae.Encode(RandomVideo(1 + tf, size, size, 1), true, ws5, null);
            vae.Encode(RandomVideo(1 + 4 * tf, size, size, 2), true, ws17, null);
            output.WriteLine($"encode {size}x{size}: peak {ws5.PeakBytes} B ({1 + tf} frames) vs {ws17.PeakBytes} B ({1 + 4 * tf} frames); " +
                             $"largest buffer {ws5.LargestBufferBytes} vs {ws17.LargestBufferBytes} B");
            Assert.Equal(0, ws5.LiveBytes);
            Assert.Equal(0, ws17.LiveBytes);
            Assert.True(ws5.PeakBytes > 0);
            Assert.Equal(ws5.PeakBytes, ws17.PeakBytes);
            Assert.Equal(ws5.LargestBufferBytes, ws17.LargestBufferBytes);
            peaks.Add(ws5.PeakBytes);
        }
        // 4× the pixels: the chunk working set grows with the frame size (activations ×4, fixed im2col scratch aside).
        Assert.True(peaks[1] > 2 * peaks[0], $"peak {peaks[1]} at the larger size is not > 2 × {peaks[0]}");
    }

    [Fact]
    public void DecodePeakMemoryIsIndependentOfFrameCount()
    {
        var vae = VaeTestData.Vae;
        var rng = new Random(3);
        long Peak(int t, int hw)
        {
            var z = VaeTensor.Zeros(vae.Config.ZDim, t, hw, hw);
            for (int i = 0; i < z.Data.Length; i++) z.Data[i] = (float)(rng.NextDouble() * 2 - 1);
            var ws = new VaeWorkspace();
            vae.Decode(z, true, true, ws, null);
            Assert.Equal(0, ws.LiveBytes);
            return ws.PeakBytes;
        }
        long a = Peak(2, 2), b = Peak(5, 2), c = Peak(2, 4);
        output.WriteLine($"decode 2x2 latent: peak {a} B (2 latent frames) vs {b} B (5); 4x4 latent, 2 frames: {c} B");
        Assert.Equal(a, b);
        Assert.True(c > 3 * a);
    }
}
