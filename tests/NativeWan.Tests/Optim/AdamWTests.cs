using NativeWan.Numerics;
using NativeWan.Optim;

namespace NativeWan.Tests.Optim;

public class AdamWTests
{
    [Fact]
    public void MatchesAFloat64ReferenceOverSeveralSteps()
    {
        var rng = new Prng(5);
        var p = new[] { new float[37], new float[5] };
        foreach (var a in p) rng.FillGaussian(a);
        var refP = p.Select(a => a.Select(x => (double)x).ToArray()).ToArray();
        var refM = p.Select(a => new double[a.Length]).ToArray();
        var refV = p.Select(a => new double[a.Length]).ToArray();
        var o = new AdamWOptions(0.9, 0.99, 1e-8, 0.05);
        var opt = new AdamW(p, o);
        for (int step = 1; step <= 6; step++)
        {
            var g = p.Select(a => new float[a.Length]).ToArray();
            foreach (var a in g) rng.FillGaussian(a);
            double lr = 1e-2 * step;
            opt.Update(g, lr);
            for (int k = 0; k < p.Length; k++)
                for (int i = 0; i < p[k].Length; i++)
                {
                    refP[k][i] *= 1 - lr * o.WeightDecay;
                    refM[k][i] = o.Beta1 * refM[k][i] + (1 - o.Beta1) * g[k][i];
                    refV[k][i] = o.Beta2 * refV[k][i] + (1 - o.Beta2) * g[k][i] * g[k][i];
                    double mh = refM[k][i] / (1 - Math.Pow(o.Beta1, step)), vh = refV[k][i] / (1 - Math.Pow(o.Beta2, step));
                    refP[k][i] -= lr * mh / (Math.Sqrt(vh) + o.Eps);
                }
        }
        for (int k = 0; k < p.Length; k++)
            for (int i = 0; i < p[k].Length; i++)
                Assert.True(Math.Abs(p[k][i] - refP[k][i]) < 2e-6, $"param {k}[{i}]: {p[k][i]} vs {refP[k][i]}");
        Assert.Equal(6, opt.Step);
    }

    [Fact]
    public void ClippingScalesToTheMaxNormAndLeavesSmallGradients()
    {
        var g = new[] { new float[] { 3, 0 }, new float[] { 4 } };
        Assert.Equal(5.0, GradientClipping.ClipByGlobalNorm(g, 1.0), 6);
        Assert.Equal(1.0, GradientClipping.GlobalNorm(g), 5);
        Assert.Equal(0.6f, g[0][0], 5);
        var small = new[] { new float[] { 0.1f } };
        GradientClipping.ClipByGlobalNorm(small, 1.0);
        Assert.Equal(0.1f, small[0][0]);
    }
}
