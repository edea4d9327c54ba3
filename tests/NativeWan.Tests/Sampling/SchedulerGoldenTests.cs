using System.Text.RegularExpressions;
using NativeWan.IO;
using NativeWan.Sampling;
using Xunit.Abstractions;

namespace NativeWan.Tests.Sampling;

/// <summary>Schedules and 3-step trajectories against the official schedulers (golden README §4, <c>sched.safetensors</c>).</summary>
public class SchedulerGoldenTests(ITestOutputHelper log)
{
    static ITensorSource Open() => TensorFiles.Open(Golden.Path("sched.safetensors"));

    /// <summary>(prefix, tag, steps, shift) for every <c>unipc.s{N}_shift{S}</c> / <c>dpmpp.…</c> table in the file.</summary>
    static IEnumerable<(string kind, string tag, int steps, double shift)> Tables(ITensorSource g)
    {
        foreach (var t in g.Tensors)
        {
            var m = Regex.Match(t.Name, @"^(unipc|dpmpp)\.(s(\d+)_shift([0-9.]+))\.timesteps$");
            if (m.Success)
                yield return (m.Groups[1].Value, m.Groups[2].Value, int.Parse(m.Groups[3].Value),
                              double.Parse(m.Groups[4].Value, System.Globalization.CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void TimestepAndSigmaTablesAreExact()
    {
        using var g = Open();
        var tables = Tables(g).ToList();
        Assert.Contains(tables, t => t.kind == "unipc");
        Assert.Contains(tables, t => t.kind == "dpmpp");
        foreach (var (kind, tag, steps, shift) in tables)
        {
            var refTs = g.ReadInt64($"{kind}.{tag}.timesteps");
            var refSig = g.ReadFloat32($"{kind}.{tag}.sigmas");
            Assert.Equal(steps, refTs.Length);
            var s = kind == "unipc" ? FlowSchedule.UniPC(steps, shift) : FlowSchedule.DpmPlusPlus(steps, shift);
            Assert.Equal(refTs, s.Timesteps.Select(t => { Assert.Equal(Math.Floor(t), t); return (long)t; }).ToArray());
            Assert.Equal(refSig, s.Sigmas);   // bit-exact float32
            if (kind == "dpmpp")
            {
                var t = g.Get($"{kind}.{tag}.sampling_sigmas");
                Assert.Equal(NativeWan.Numerics.DType.F64, t.DType);
                var raw = g.ReadBytes(t);
                var refSampling = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(raw).ToArray();
                Assert.Equal(refSampling, FlowSchedule.GetSamplingSigmas(steps, shift));   // bit-exact float64
                Assert.Equal(refSampling, s.ShiftedSigmas);
            }
            log.WriteLine($"{kind}.{tag}: {steps} steps, t0 = {refTs[0]}, exact");
        }
    }

    [Theory]
    [InlineData("traj_unipc", FlowSolver.UniPC)]
    [InlineData("traj_dpmpp", FlowSolver.DpmPlusPlus)]
    public void ThreeStepTrajectoryMatchesGolden(string prefix, FlowSolver solver)
    {
        using var g = Open();
        var refTs = g.ReadInt64($"{prefix}.timesteps");
        var refSig = g.ReadFloat32($"{prefix}.sigmas");
        int steps = refTs.Length;
        double shift = System.Text.Json.JsonDocument.Parse(g.Metadata["trajectory"]).RootElement.GetProperty("shift").GetDouble();
        var sampler = FlowSampler.Create(solver, steps, shift);
        Assert.Equal(refTs, sampler.Schedule.Timesteps.Select(t => (long)t).ToArray());
        Assert.Equal(refSig, sampler.Schedule.Sigmas);

        var x = g.ReadFloat32($"{prefix}.latent_0");
        for (int i = 0; i < steps; i++)
        {
            var v = g.ReadFloat32($"{prefix}.v_{i}");
            // The stored fake model output is v = 0.1·x + 0.05 of the golden latent; check the data means what it says.
            var goldenX = g.ReadFloat32($"{prefix}.latent_{i}");
            for (int j = 0; j < v.Length; j++) Assert.Equal(0.1f * goldenX[j] + 0.05f, v[j], 1e-6f);
            x = sampler.Step(v, i, x);
            var refNext = g.ReadFloat32($"{prefix}.latent_{i + 1}");
            float err = 0, scale = 1;
            for (int j = 0; j < x.Length; j++) { err = MathF.Max(err, MathF.Abs(x[j] - refNext[j])); scale = MathF.Max(scale, MathF.Abs(refNext[j])); }
            log.WriteLine($"{prefix} step {i} (t = {refTs[i]}): max abs err {err:E3}, max(1, max|ref|) {scale:E3}");
            Assert.True(err <= 1e-6f * scale, $"{prefix} step {i}: max abs error {err:E3} > 1e-6 x {scale}");
        }
        Assert.Equal(steps, sampler.NextStep);
    }
}
