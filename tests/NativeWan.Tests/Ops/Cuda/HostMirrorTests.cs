using NativeWan.Numerics;
using NativeWan.Ops.Cpu;
using NativeWan.Ops.Cuda;
using NativeWan.Optim;

namespace NativeWan.Tests.Ops.Cuda;

/// <summary>Host-side pieces of the CUDA ops that must reproduce the CPU code exactly.</summary>
public class HostMirrorTests
{
    [Fact]
    public void AdamWScalarsReproduceTheCpuOptimizerBitForBit()
    {
        var options = new AdamWOptions(Beta1: 0.9, Beta2: 0.95, Eps: 1e-6, WeightDecay: 0.1);
        var rng = new Random(3);
        const int n = 4099;
        var p0 = Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        var pCpu = (float[])p0.Clone();
        var opt = new AdamW(new[] { pCpu }, options);
        var p = (float[])p0.Clone(); var m = new float[n]; var v = new float[n];
        double[] lrs = { 1e-3, 3e-4, 7e-5, 1e-4, 2e-3 };
        float[] clip = { 1f, 0.37f, 1f, 0.9f, 0.01f };
        for (int t = 0; t < lrs.Length; t++)
        {
            var g = Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() - 0.5) * 0.1)).ToArray();
            var gCpu = g.Select(x => clip[t] < 1 ? x * clip[t] : x).ToArray();
            opt.Update(new[] { gCpu }, lrs[t]);
            AdamWScalars.For(options, t + 1, lrs[t], clip[t]).Apply(p, m, v, g);
        }
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(BitConverter.SingleToInt32Bits(pCpu[i]), BitConverter.SingleToInt32Bits(p[i]));
            Assert.Equal(BitConverter.SingleToInt32Bits(opt.M[0][i]), BitConverter.SingleToInt32Bits(m[i]));
            Assert.Equal(BitConverter.SingleToInt32Bits(opt.V[0][i]), BitConverter.SingleToInt32Bits(v[i]));
        }
        Assert.NotEqual(p0[0], p[0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => AdamWScalars.For(options, 0, 1e-3));
    }

    [Fact]
    public void RopeHostTablesAreTheRopeTableValuesPerAxis()
    {
        var t = new RopeTable(128, 3, 4, 5);
        var (f, h, w) = RopeDeviceTable.HostTables(t);
        Assert.Equal(2 * 3 * 22, f.Length); Assert.Equal(2 * 4 * 21, h.Length); Assert.Equal(2 * 5 * 21, w.Length);
        var cos = new double[64]; var sin = new double[64];
        for (int token = 0; token < t.Tokens; token++)
        {
            t.Fill(token, cos, sin);
            int fi = token / 20, hi = token / 5 % 4, wi = token % 5;
            for (int j = 0; j < 64; j++)
            {
                var (arr, pos, pairs, jj) = j < 22 ? (f, fi, 22, j) : j < 43 ? (h, hi, 21, j - 22) : (w, wi, 21, j - 43);
                Assert.Equal((float)cos[j], arr[2 * (pos * pairs + jj)]);
                Assert.Equal((float)sin[j], arr[2 * (pos * pairs + jj) + 1]);
            }
        }
        var d = RopeDeviceTable.Describe(t, 0x100, 0x200, 0x300);
        Assert.Equal(60, d.Tokens);
        Assert.Equal((22, 21, 21), (d.PairsF, d.PairsH, d.PairsW));
        Assert.Equal(new GpuTensor(0x200, 2 * 4 * 21, DType.F32), d.CosSinH);
    }

    [Fact]
    public void FlowMatchingReferenceIsTheTrainStepFormula()
    {
        float[] x0 = { 0.5f, -1.25f, 2f }, noise = { -0.75f, 0.125f, 1f }, pred = { 0.1f, 1.5f, -2f };
        var xt = new float[3]; var target = new float[3]; var dpred = new float[3];
        FlowMatchingReference.Noise(xt, target, x0, noise, 0.25f);
        Assert.Equal(new[] { 0.75f * 0.5f + 0.25f * -0.75f, 0.75f * -1.25f + 0.25f * 0.125f, 0.75f * 2f + 0.25f }, xt);
        Assert.Equal(new[] { -1.25f, 1.375f, -1f }, target);
        float loss = FlowMatchingReference.Loss(dpred, pred, x0, noise);
        double expected = (Math.Pow(0.1 + 1.25, 2) + Math.Pow(1.5 - 1.375, 2) + Math.Pow(-2 + 1, 2)) / 3;
        Assert.Equal((float)expected, loss, 6);
        Assert.Equal(2f * (0.1f + 1.25f) / 3, dpred[0]);
        Assert.Throws<ArgumentException>(() => FlowMatchingReference.Loss(default, new float[2], new float[3], new float[2]));
    }
}
