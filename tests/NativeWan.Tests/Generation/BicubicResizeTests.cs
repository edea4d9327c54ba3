using NativeWan.Generation;

namespace NativeWan.Tests.Generation;

public class BicubicResizeTests
{
    [Fact]
    public void MatchesHandComputedTorchValues()
    {
        // F.interpolate([[1, 2]], size=4, mode='bicubic', align_corners=False), A = −0.75, edge-clamped taps:
        // out0: s = −0.25, t = 0.75, taps [0,0,0,1] → 1 + k₂(1.25) = 0.89453125; out1: s = 0.25, t = 0.25, taps [0,0,1,1]
        // → 1 + k₁(0.75) + k₂(1.75) = 1.2265625; out2/out3 mirror them: 3 − out1, 3 − out0.
        var r = BicubicResize.Resize([1f, 2f], 1, 1, 2, 1, 4);
        Assert.Equal([0.89453125f, 1.2265625f, 1.7734375f, 2.10546875f], r);
    }

    [Fact]
    public void ConstantStaysConstantAndSameSizeIsIdentity()
    {
        var c = Enumerable.Repeat(0.3f, 2 * 5 * 7).ToArray();
        Assert.All(BicubicResize.Resize(c, 2, 5, 7, 9, 4), v => Assert.Equal(0.3f, v, 1e-6f));
        var rng = new NativeWan.Numerics.Prng(1);
        var x = new float[3 * 6 * 8];
        rng.FillGaussian(x);
        Assert.Equal(x, BicubicResize.Resize(x, 3, 6, 8, 6, 8));
    }

    [Fact]
    public void FirstFrameMaskMatchesTheOfficialReshape()
    {
        var m = ImageConditioning.FirstFrameMask(9, 4, 2, 3);   // T = 3
        for (int c = 0; c < 4; c++)
            for (int t = 0; t < 3; t++)
                Assert.All(m.AsSpan((c * 3 + t) * 6, 6).ToArray(), v => Assert.Equal(t == 0 ? 1f : 0f, v));
        Assert.Throws<ArgumentException>(() => ImageConditioning.FirstFrameMask(8, 4, 2, 3));
    }

    [Theory]
    [InlineData(1280, 720, 1280 * 720, 1280, 720)]
    [InlineData(720, 1280, 1280 * 720, 720, 1280)]
    [InlineData(1000, 1000, 832 * 480, 624, 624)]   // √399360 = 631.9 → ⌊631.9/8⌋ = 78 → 78 (even) → 624
    [InlineData(640, 480, 832 * 480, 720, 544)]     // a = 0.75: √299520 = 547.3 → 68 → 68 → 544; √532480 = 729.7 → 91 → 90 → 720
    public void OutputSizeFollowsTheOfficialRule(int w, int h, long area, int ew, int eh) =>
        Assert.Equal((ew, eh), ImageConditioning.OutputSize(w, h, area));
}
