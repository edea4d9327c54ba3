using NativeWan.Ops.Cpu;
using static NativeWan.Ops.Cpu.CpuOps;
using static NativeWan.Tests.Ops.FiniteDifference;

namespace NativeWan.Tests.Ops;

/// <summary>Patchify/unpatchify index conventions and adjointness, the sinusoid, and the GEMM column-chunk path.</summary>
public sealed class CpuOpsLayoutTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Patchify_IndexConventionAndAdjoint(bool channelInnermost)
    {
        var rng = new Random(11);
        var g = new PatchGeometry(3, 4, 6, 8, 2, 2, 2);
        var x = Randn(rng, (int)g.LatentElements);
        var tok = new float[g.Tokens * g.TokenWidth];
        PatchifyForward(tok, x, g, channelInnermost);
        // spot-check the documented formula for every element
        for (int n = 0; n < g.Tokens; n++)
        {
            int f = n / (g.GridH * g.GridW), h = n / g.GridW % g.GridH, w = n % g.GridW;
            for (int c = 0; c < g.Channels; c++)
                for (int a = 0; a < g.Pt; a++)
                    for (int q = 0; q < g.Ph; q++)
                        for (int r = 0; r < g.Pw; r++)
                        {
                            int p = (a * g.Ph + q) * g.Pw + r;
                            int ti = channelInnermost ? p * g.Channels + c : c * g.PatchVolume + p;
                            int li = ((c * g.Frames + f * g.Pt + a) * g.Height + h * g.Ph + q) * g.Width + w * g.Pw + r;
                            Assert.Equal(x[li], tok[n * g.TokenWidth + ti]);
                        }
        }
        // <P x, t> = <x, Pᵀ t>, and unpatchify inverts patchify
        var t = Randn(rng, tok.Length);
        var back = new float[x.Length];
        PatchifyBackward(back, t, g, channelInnermost);
        Assert.Equal(Dot(D(tok), t), Dot(D(x), back), 1e-9);
        var round = new float[x.Length];
        UnpatchifyForward(round, tok, g, channelInnermost);
        Assert.Equal(x, round);
        var dtok = new float[tok.Length];
        UnpatchifyBackward(dtok, back, g, channelInnermost);
        Assert.Equal(t, dtok);
        Assert.Throws<ArgumentException>(() => new PatchGeometry(3, 4, 7, 8, 1, 2, 2));
    }

    [Fact]
    public void Sinusoid_IsCosFirstInFloat64()
    {
        var e = new float[256];
        double t = 637.5;
        SinusoidalEmbeddingForward(e, t, 256);
        for (int k = 0; k < 128; k++)
        {
            double a = t * Math.Pow(10000, -k / 128.0);
            Assert.Equal((float)Math.Cos(a), e[k]);
            Assert.Equal((float)Math.Sin(a), e[128 + k]);
        }
        Assert.Equal(1f, e[0] * e[0] + e[128] * e[128], 1e-6f);
        Assert.Throws<ArgumentException>(() => SinusoidalEmbeddingForward(e, t, 255));
    }

    [Theory]
    [InlineData(4, 1300, 900)]
    [InlineData(3, 70, 5)]
    public void Gemm_MatMulTransA_MatchesNaive(int m, int n, int k)
    {
        var rng = new Random(12);
        var a = Randn(rng, k * m); var b = Randn(rng, k * n);
        var c = Enumerable.Repeat(1f, m * n).ToArray();
        Gemm.MatMulTransA(a, b, c, m, n, k, accumulate: true);
        var want = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 1;
                for (int p = 0; p < k; p++) s += (double)a[p * m + i] * b[p * n + j];
                want[i * n + j] = s;
            }
        Close("gemm transA", c, want, 1e-5);
    }
}
