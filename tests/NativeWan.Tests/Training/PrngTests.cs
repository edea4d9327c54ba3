using NativeWan.Numerics;

namespace NativeWan.Tests.Training;

public class PrngTests
{
    [Fact]
    public void MatchesAnIndependentXoshiro256StarStarWithSplitMixSeeding()
    {
        // Expected words from a separate Python implementation of SplitMix64 seeding + xoshiro256** (seed 42).
        var p = new Prng(42);
        Assert.Equal(0x15780b2e0c2ec716UL, p.NextUInt64());
        Assert.Equal(0x6104d9866d113a7eUL, p.NextUInt64());
        Assert.Equal(0xae17533239e499a1UL, p.NextUInt64());
    }

    [Fact]
    public void SavedStateResumesTheSameSequence()
    {
        var a = new Prng(7);
        for (int i = 0; i < 10; i++) a.NextGaussian();
        var b = Prng.FromState(a.State);
        for (int i = 0; i < 100; i++) Assert.Equal(a.NextUInt64(), b.NextUInt64());
    }

    [Fact]
    public void GaussiansHaveUnitMomentsAndUniformsStayInRange()
    {
        var p = new Prng(3);
        var g = new float[200_001];
        p.FillGaussian(g);
        double mean = g.Average(x => (double)x), var = g.Average(x => (x - mean) * (x - mean));
        Assert.InRange(mean, -0.01, 0.01);
        Assert.InRange(var, 0.98, 1.02);
        for (int i = 0; i < 10000; i++) { var u = p.NextDouble(); Assert.InRange(u, 0.0, 0.9999999999); Assert.InRange(p.NextInt(5), 0, 4); }
    }
}
