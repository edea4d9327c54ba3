using NativeWan.Lora;

namespace NativeWan.Tests.Lora;

public class LoraNetworkCreateTests
{
    static IReadOnlyList<LoraTarget> GoldenTargets()
    {
        using var src = LoraTestData.Open("dit_t2v.safetensors");
        return LoraTargets.FromWeights(src);
    }

    [Fact]
    public void InitIsKaimingUniformDownAndZeroUp()
    {
        var targets = GoldenTargets();
        var net = LoraNetwork.Create(targets, rank: 8, alpha: 4f, seed: 1234, multiplier: 0.75f);
        Assert.Equal(targets.Select(t => t.ModulePath), net.Modules.Select(m => m.ModulePath));
        Assert.Equal(0.75f, net.Multiplier);
        Assert.False(net.Dropout.IsActive);
        Assert.Equal(targets.Sum(t => 8L * (t.In + t.Out)), net.ParameterCount);
        foreach (var m in net.Modules)
        {
            var t = targets.Single(x => x.ModulePath == m.ModulePath);
            Assert.Equal((t.In, t.Out, 8, 4f, 0.5f), (m.In, m.Out, m.Rank, m.Alpha, m.Scale));
            Assert.All(m.Up, v => Assert.Equal(0f, v));
            // U(-b, b), b = sqrt(6 / ((1 + a^2) * fan_in)) with a = sqrt(5)  (torch kaiming_uniform_, computed here independently)
            double b = Math.Sqrt(6.0 / ((1.0 + 5.0) * t.In));
            Assert.All(m.Down, v => Assert.True(Math.Abs(v) <= (float)b, $"{m.ModulePath}: |{v}| > {b}"));
            // the values spread over the interval: extremes within 10 % of the bound
            Assert.True(m.Down.Max() > 0.9 * b && m.Down.Min() < -0.9 * b, $"{m.ModulePath}: range [{m.Down.Min()}, {m.Down.Max()}] vs b {b}");
        }
        // moments of all draws pooled after normalising by b: mean 0, variance 1/3 of U(-1, 1)
        var z = net.Modules.SelectMany(m => m.Down.Select(v => v * Math.Sqrt(m.In))).ToArray();
        double mean = z.Average(), var = z.Select(v => (v - mean) * (v - mean)).Average();
        double se = Math.Sqrt(1.0 / 3.0 / z.Length);
        Assert.True(Math.Abs(mean) < 5 * se, $"mean {mean}, 5 se = {5 * se}");
        Assert.True(Math.Abs(var - 1.0 / 3.0) < 0.02, $"variance {var}, expected 1/3");
    }

    [Fact]
    public void InitIsDeterministicPerSeedAndPerModule()
    {
        var targets = GoldenTargets();
        var a = LoraNetwork.Create(targets, 4, 1f, seed: 7);
        var b = LoraNetwork.Create(targets, 4, 1f, seed: 7);
        var c = LoraNetwork.Create(targets, 4, 1f, seed: 8);
        LoraTestData.AssertSame(a, b, "same seed");
        foreach (var m in a.Modules)
            Assert.False(LoraTestData.BitsEqual(m.Down, c.Find(m.ModulePath)!.Down), $"seed 8 repeats seed 7 on {m.ModulePath}");
        // modules with the same shape still get different values
        var downs = a.Modules.Select(m => m.Down).ToList();
        for (int i = 0; i < downs.Count; i++)
            for (int j = i + 1; j < downs.Count; j++)
                Assert.False(LoraTestData.BitsEqual(downs[i], downs[j]), $"modules {i} and {j} share init");
        // a module's init does not depend on which other modules are targeted
        var subset = LoraNetwork.Create(targets.Where((_, i) => i % 3 == 1), 4, 1f, seed: 7);
        foreach (var m in subset.Modules) Assert.True(LoraTestData.BitsEqual(m.Down, a.Find(m.ModulePath)!.Down));
    }

    [Fact]
    public void AlphaZeroMeansRankAndBadArgumentsThrow()
    {
        var targets = GoldenTargets();
        Assert.All(LoraNetwork.Create(targets, 16, 0f, 1).Modules, m => Assert.Equal(1f, m.Scale));
        Assert.Throws<ArgumentException>(() => LoraNetwork.Create(targets, 0, 1f, 1));
        Assert.Throws<ArgumentException>(() => LoraNetwork.Create(targets, 4, float.NaN, 1));
        Assert.Throws<ArgumentException>(() => LoraNetwork.Create([.. targets, targets[0]], 4, 1f, 1));
        var d = LoraNetwork.Create(targets, 4, 1f, 1, dropout: new LoraDropout(0.1f, 0.2f, 0.05f));
        Assert.Equal(new LoraDropout(0.1f, 0.2f, 0.05f), d.Dropout);
        Assert.True(d.Dropout.IsActive);
        Assert.Throws<ArgumentOutOfRangeException>(() => LoraNetwork.Create(targets, 4, 1f, 1, dropout: new LoraDropout(Rank: 1f)));
        Assert.Equal(new LoraDropout(0.1f, 0.25f, 0.5f), LoraDropout.FromNetworkArgs(["rank_dropout=0.25", "module_dropout=0.5", "exclude_patterns=[]"], 0.1f));
    }
}
