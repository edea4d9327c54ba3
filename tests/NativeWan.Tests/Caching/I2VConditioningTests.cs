using NativeWan.Caching;
using NativeWan.Models.Vae;

namespace NativeWan.Tests.Caching;

public sealed class I2VConditioningTests
{
    [Theory]
    [InlineData(1, 2, 3)]
    [InlineData(5, 1, 1)]
    [InlineData(9, 2, 2)]
    [InlineData(81, 3, 2)]
    public void MaskBuiltTheOfficialWayIsOnesOnLatentFrameZero(int frames, int h, int w)
    {
        var m = I2VConditioning.BuildMask(frames, h, w);
        int t = 1 + (frames - 1) / 4;
        Assert.Equal(4 * t * h * w, m.Length);
        for (int c = 0; c < 4; c++)
            for (int f = 0; f < t; f++)
                for (int p = 0; p < h * w; p++)
                    Assert.Equal(f == 0 ? 1f : 0f, m[(c * t + f) * h * w + p]);
    }

    [Fact]
    public void BadFrameCountsAreRefused()
    {
        Assert.Throws<ArgumentException>(() => I2VConditioning.BuildMask(4, 1, 1));
        Assert.Throws<ArgumentException>(() => I2VConditioning.BuildMask(0, 1, 1));
        Assert.Throws<ArgumentException>(() => I2VConditioning.Concat(VaeTensor.Zeros(16, 2, 1, 1), 9));
    }

    [Fact]
    public void FirstFrameClipKeepsFrameZeroAndZerosTheRest()
    {
        var v = VaeTensor.Zeros(3, 5, 2, 3);
        for (int i = 0; i < v.Data.Length; i++) v.Data[i] = i + 1;
        var c = I2VConditioning.FirstFrameClip(v);
        for (int ch = 0; ch < 3; ch++)
            for (int f = 0; f < 5; f++)
                for (int y = 0; y < 2; y++)
                    for (int x = 0; x < 3; x++)
                        Assert.Equal(f == 0 ? v[ch, 0, y, x] : 0f, c[ch, f, y, x]);
    }
}
