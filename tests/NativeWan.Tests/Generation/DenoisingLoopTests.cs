using System.Text.Json;
using NativeWan.Generation;
using NativeWan.IO;
using NativeWan.Models.Wan;
using NativeWan.Sampling;
using Xunit.Abstractions;

namespace NativeWan.Tests.Generation;

/// <summary>A fake velocity model: <c>v = a·x + b + (offset of the context's marker)</c>; records every call.</summary>
internal sealed class FakeModel(string name, float a = 0.1f, float b = 0.05f, int channels = 16) : IVelocityModel
{
    public readonly List<(double T, float Marker)> Calls = [];
    /// <summary>Added to v per context marker (context[0]).</summary>
    public Func<float, float> Offset { get; init; } = _ => 0f;
    public string Name => name;
    public int LatentChannels => channels;
    public int CondChannels => 0;
    public int MaxTextRows => 512;
    public int TextDim => 1;
    public (int H, int W) SpatialPatch => (1, 1);

    public float[] Predict(ReadOnlySpan<float> latent, LatentShape shape, float timestep, ReadOnlySpan<float> context, ReadOnlySpan<float> cond)
    {
        Calls.Add((timestep, context[0]));
        float off = Offset(context[0]);
        var v = new float[latent.Length];
        for (int i = 0; i < v.Length; i++) v[i] = a * latent[i] + b + off;
        return v;
    }
}

/// <summary>The sampling loop against the official scheduler trajectories and the expert/CFG switching rules.</summary>
public class DenoisingLoopTests(ITestOutputHelper log)
{
    static readonly float[] Cond = [1f], Uncond = [2f];

    /// <summary>The golden 3-step trajectories use the fake model v = 0.1·x + 0.05 (golden README §4).</summary>
    [Theory]
    [InlineData("traj_unipc", FlowSolver.UniPC, 1f)]
    [InlineData("traj_dpmpp", FlowSolver.DpmPlusPlus, 1f)]
    [InlineData("traj_unipc", FlowSolver.UniPC, 4f)]
    [InlineData("traj_dpmpp", FlowSolver.DpmPlusPlus, 4f)]
    public void LoopReproducesGoldenSchedulerTrajectory(string prefix, FlowSolver solver, float guidance)
    {
        using var g = TensorFiles.Open(Golden.Path("sched.safetensors"));
        int steps = g.ReadInt64($"{prefix}.timesteps").Length;
        double shift = JsonDocument.Parse(g.Metadata["trajectory"]).RootElement.GetProperty("shift").GetDouble();
        var x0 = g.ReadFloat32($"{prefix}.latent_0");
        var shape = new LatentShape(1, 1, 1, x0.Length);

        // With CFG g: v_u = base + a, v_c = base + a(g−1)/g, so v_u + g(v_c − v_u) = base: the golden trajectory again,
        // but only if the loop runs both passes with the right contexts and combines them correctly.
        const float a = 0.25f;
        var model = new FakeModel("m", channels: 1)
        {
            Offset = m => guidance == 1f ? 0f : m == Cond[0] ? a * (guidance - 1) / guidance : a,
        };
        var experts = GenerationExperts.Single(model);
        var sched = new ExpertSchedule(0.5, guidance, guidance);
        var seen = new List<float[]>();
        var result = DenoisingLoop.Run(x0, shape, FlowSampler.Create(solver, steps, shift), experts, sched, Cond, Uncond, [],
            p => seen.Add(p.Latent.ToArray()));

        Assert.Equal(steps, seen.Count);
        Assert.Equal(steps * (guidance == 1f ? 1 : 2), model.Calls.Count);
        Assert.Equal(g.ReadInt64($"{prefix}.timesteps").Select(t => (float)t).ToArray(), model.Calls.Where(c => c.Marker == Cond[0]).Select(c => c.T).Select(t => (float)t).ToArray());
        float tol = guidance == 1f ? 1e-6f : 1e-5f;
        for (int i = 0; i < steps; i++)
        {
            var refNext = g.ReadFloat32($"{prefix}.latent_{i + 1}");
            float err = TinyGen.MaxAbsDiff(seen[i], refNext), scale = MathF.Max(1, TinyGen.MaxAbs(refNext));
            log.WriteLine($"{prefix} g={guidance} step {i}: max abs err {err:E3} (scale {scale:0.###})");
            Assert.True(err <= tol * scale, $"{prefix} step {i}: {err:E3} > {tol} x {scale}");
        }
        Assert.Equal(seen[^1], result);
    }

    [Theory]
    [InlineData(FlowSolver.UniPC, 12.0, 0.875)]
    [InlineData(FlowSolver.DpmPlusPlus, 5.0, 0.9)]
    [InlineData(FlowSolver.Euler, 12.0, 0.875)]
    public void ExpertSwitchUsesHighNoiseModelForTimestepsAtOrAboveBoundary(FlowSolver solver, double shift, double boundary)
    {
        var high = new FakeModel("high");
        var low = new FakeModel("low");
        // High-noise guidance 1 (one pass per step), low-noise 3 (two passes): the call counts show which scale was used.
        var sched = new ExpertSchedule(boundary, LowNoiseGuidance: 3f, HighNoiseGuidance: 1f);
        var sampler = FlowSampler.Create(solver, 20, shift);
        var shape = new LatentShape(16, 1, 2, 2);
        var sides = new List<WanExpert>();
        DenoisingLoop.Run(new float[shape.Elements], shape, sampler, new GenerationExperts(high, low), sched, Cond, Uncond, [],
            p => sides.Add(p.Expert));

        var ts = sampler.Schedule.Timesteps;
        var expectHigh = ts.Where(t => t >= boundary * 1000).Select(t => (float)t).ToArray();
        var expectLow = ts.Where(t => t < boundary * 1000).Select(t => (float)t).ToArray();
        Assert.NotEmpty(expectHigh);
        Assert.NotEmpty(expectLow);
        Assert.Equal(expectHigh, high.Calls.Select(c => (float)c.T).ToArray());
        Assert.All(high.Calls, c => Assert.Equal(Cond[0], c.Marker));
        Assert.Equal(expectLow, low.Calls.Where(c => c.Marker == Cond[0]).Select(c => (float)c.T).ToArray());
        Assert.Equal(expectLow, low.Calls.Where(c => c.Marker == Uncond[0]).Select(c => (float)c.T).ToArray());
        Assert.Equal(ts.Select(t => t >= boundary * 1000 ? WanExpert.HighNoise : WanExpert.LowNoise), sides);
        log.WriteLine($"{solver}: {expectHigh.Length} high-noise steps ({expectHigh[0]}…{expectHigh[^1]}), {expectLow.Length} low-noise ({expectLow[0]}…{expectLow[^1]})");
    }

    [Fact]
    public void OneModelServesEveryStepWithThePerSideGuidance()
    {
        var only = new FakeModel("only");
        var sched = new ExpertSchedule(0.875, LowNoiseGuidance: 1f, HighNoiseGuidance: 5f);
        var sampler = FlowSampler.Create(FlowSolver.UniPC, 10, 12);
        var shape = new LatentShape(16, 1, 1, 1);
        DenoisingLoop.Run(new float[16], shape, sampler, new GenerationExperts(only, null), sched, Cond, Uncond, []);
        int highSteps = sampler.Schedule.Timesteps.Count(t => t >= 875), lowSteps = 10 - highSteps;
        Assert.Equal(2 * highSteps + lowSteps, only.Calls.Count);
        Assert.Equal(highSteps, only.Calls.Count(c => c.Marker == Uncond[0]));
    }

    [Fact]
    public void CfgWithoutNegativeContextIsRefused()
    {
        var m = new FakeModel("m");
        var shape = new LatentShape(16, 1, 1, 1);
        var e = Assert.Throws<ArgumentException>(() => DenoisingLoop.Run(new float[16], shape, FlowSampler.Create(FlowSolver.Euler, 2, 1),
            GenerationExperts.Single(m), new ExpertSchedule(0.5, 2f, 2f), Cond, [], []));
        Assert.Contains("negative", e.Message);
    }
}
