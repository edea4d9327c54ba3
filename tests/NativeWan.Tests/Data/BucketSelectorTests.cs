using NativeWan.Data;

namespace NativeWan.Tests.Data;

public class BucketSelectorTests
{
    [Fact]
    public void BucketListFor512IsMusubis()
    {
        // A = 262144, ⌊√A⌋ = 512, widths 256..512 step 16 (17 values), h = ⌊(A div w)/16⌋·16, plus transposes; 512x512 once → 33
        var s = new BucketSelector(new Resolution(512, 512));
        Assert.Equal(33, s.Buckets.Count);
        Assert.Equal(new Resolution(256, 1024), s.Buckets[0]);
        Assert.Equal(new Resolution(1024, 256), s.Buckets[^1]);
        Assert.Contains(new Resolution(272, 960), s.Buckets);   // 262144 div 272 = 963 → 960
        Assert.Contains(new Resolution(592, 432), s.Buckets);   // 262144 div 432 = 606 → 592
        Assert.Contains(new Resolution(624, 416), s.Buckets);   // 262144 div 416 = 630 → 624
        Assert.All(s.Buckets, b => Assert.True(b.Area <= 512 * 512 && b.Width % 16 == 0 && b.Height % 16 == 0, b.ToString()));
        Assert.Equal(s.Buckets.OrderBy(b => b).ToList(), s.Buckets);
    }

    [Theory]
    // nearest aspect ratio among the 512x512 buckets (hand-computed |w/h − ar|):
    [InlineData(451, 300, 624, 416)]   // 1.5033: 624/416 = 1.5 (0.0033) beats 640/400 = 1.6
    [InlineData(512, 342, 624, 416)]   // 1.4971
    [InlineData(512, 446, 544, 480)]   // 1.1480: 544/480 = 1.1333 (0.0147) beats 560/464 = 1.2069
    [InlineData(400, 300, 592, 432)]   // 1.3333: 592/432 = 1.3704 (0.037) beats 576/448 = 1.2857 (0.048)
    [InlineData(436, 512, 464, 560)]   // 0.8516: 464/560 = 0.8286 (0.023) beats 480/544 = 0.8824 (0.031)
    [InlineData(512, 512, 512, 512)]
    [InlineData(256, 256, 512, 512)]   // upscaled: bucketing ignores the source size
    [InlineData(320, 192, 640, 400)]   // 1.6667: 640/400 = 1.6 (0.067) beats 672/384 = 1.75 (0.083)
    public void PicksNearestAspectBucket(int w, int h, int bw, int bh)
    {
        Assert.Equal(new Resolution(bw, bh), new BucketSelector(new Resolution(512, 512)).Select(w, h));
    }

    [Fact]
    public void Default960x544Buckets()
    {
        // A = 522240, ⌊√A⌋ = 722, widths 352..720 → 47 buckets; chelsea 451x300 → 880x592 (1.4865), square → 720x720
        var s = new BucketSelector(new Resolution(960, 544));
        Assert.Equal(47, s.Buckets.Count);
        Assert.Equal(new Resolution(352, 1472), s.Buckets[0]);
        Assert.Equal(new Resolution(880, 592), s.Select(451, 300));
        Assert.Equal(new Resolution(720, 720), s.Select(512, 512));
        Assert.Equal(new Resolution(960, 544), s.Select(1920, 1080)); // 16:9 → 1.7647
    }

    [Fact]
    public void NoUpscaleKeepsSmallPicturesFlooredTo16()
    {
        var s = new BucketSelector(new Resolution(512, 512), enableBucket: true, noUpscale: true);
        Assert.Equal(new Resolution(448, 288), s.Select(451, 300));
        Assert.Equal(new Resolution(432, 512), s.Select(436, 512));
        Assert.Equal(new Resolution(512, 512), s.Select(512, 512)); // area equal to A counts as "not larger"
        Assert.Equal(new Resolution(624, 416), s.Select(902, 600)); // larger than A: normal bucketing
        Assert.Throws<ArgumentException>(() => s.Select(12, 400));
    }

    [Fact]
    public void DisabledBucketingIsOneFixedResolution()
    {
        var s = new BucketSelector(new Resolution(480, 272), enableBucket: false, noUpscale: true);
        Assert.False(s.NoUpscale);
        Assert.Equal([new Resolution(480, 272)], s.Buckets);
        Assert.Equal(new Resolution(480, 272), s.Select(100, 900));
        Assert.Throws<ArgumentException>(() => new BucketSelector(new Resolution(20, 20)));
    }
}
