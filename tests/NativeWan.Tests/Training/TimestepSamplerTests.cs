using NativeWan.Numerics;
using NativeWan.Training;

namespace NativeWan.Tests.Training;

public class TimestepSamplerTests
{
    static NoiseLevel[] Draw(TimestepSamplingOptions o, int n, ulong seed = 1)
    {
        var s = new TimestepSampler(o);
        var rng = new Prng(seed);
        return Enumerable.Range(0, n).Select(_ => s.Sample(rng)).ToArray();
    }

    [Theory]
    [InlineData(TimestepSampling.Uniform)]
    [InlineData(TimestepSampling.Sigmoid)]
    [InlineData(TimestepSampling.Shift)]
    [InlineData(TimestepSampling.LogSnr)]
    public void ContinuousMethodsGiveTimestepOnePlusThousandSigma(TimestepSampling m)
    {
        foreach (var x in Draw(new(m, DiscreteFlowShift: 3), 2000))
        {
            Assert.InRange(x.Sigma, 0f, 1f);
            Assert.Equal(x.Sigma * 1000f + 1f, x.Timestep);
        }
    }

    [Theory]
    [InlineData(TimestepSampling.Shift, false)]
    [InlineData(TimestepSampling.Shift, true)]
    [InlineData(TimestepSampling.Sigmoid, true)]
    [InlineData(TimestepSampling.Uniform, false)]
    public void WindowsKeepEverySampleInRange(TimestepSampling m, bool preserve)
    {
        // T2V high-noise expert window (musubi docs: 875-1000).
        var xs = Draw(new(m, DiscreteFlowShift: 5, MinTimestep: 875, MaxTimestep: 1000, PreserveDistributionShape: preserve), 3000);
        Assert.All(xs, x => Assert.InRange(x.Sigma, 0.875f, 1.0f));
    }

    [Fact]
    public void PreservingTheShapeGivesTheConditionalDistribution()
    {
        // Within [0.3, 0.7]: windowed samples must follow the base distribution restricted to the window (KS test),
        // whereas the linear rescale does not.
        var baseOpt = new TimestepSamplingOptions(TimestepSampling.Shift, DiscreteFlowShift: 3);
        var reference = Draw(baseOpt, 40000, 11).Select(x => (double)x.Sigma).Where(s => s is >= 0.3 and <= 0.7).OrderBy(s => s).ToArray();
        var preserved = Draw(baseOpt with { MinTimestep = 300, MaxTimestep = 700, PreserveDistributionShape = true }, 8000, 12).Select(x => (double)x.Sigma).OrderBy(s => s).ToArray();
        var rescaled = Draw(baseOpt with { MinTimestep = 300, MaxTimestep = 700 }, 8000, 13).Select(x => (double)x.Sigma).OrderBy(s => s).ToArray();
        Assert.True(Ks(reference, preserved) < 0.03, $"KS {Ks(reference, preserved)}");
        Assert.True(Ks(reference, rescaled) > 0.05, $"KS {Ks(reference, rescaled)}");
    }

    static double Ks(double[] a, double[] b)
    {
        int i = 0, j = 0; double d = 0;
        while (i < a.Length && j < b.Length)
        {
            if (a[i] <= b[j]) i++; else j++;
            d = Math.Max(d, Math.Abs((double)i / a.Length - (double)j / b.Length));
        }
        return d;
    }

    [Fact]
    public void SigmaMethodUsesTheShiftedDiscreteTable()
    {
        var table = TimestepSampler.DiscreteTimesteps(3.0);
        Assert.Equal(1000f, table[0]);
        double s = 0.5; // entry 500: s = 0.5
        Assert.Equal((float)(1000 * 3 * s / (1 + 2 * s)), table[500], 3);
        var set = table.ToHashSet();
        foreach (var x in Draw(new(TimestepSampling.Sigma, DiscreteFlowShift: 3), 500))
        {
            Assert.Contains(x.Timestep, set);
            Assert.Equal(x.Timestep / 1000f, x.Sigma);
        }
    }

    [Fact]
    public void BadWindowsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new TimestepSampler(new(MinTimestep: 900, MaxTimestep: 100)));
        Assert.Throws<ArgumentException>(() => new TimestepSampler(new(MaxTimestep: 1001)));
        Assert.Throws<ArgumentException>(() => TimestepSamplingOptions.ParseMethod("weird"));
    }
}
