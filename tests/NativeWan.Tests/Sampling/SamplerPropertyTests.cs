using NativeWan.Sampling;
using Xunit.Abstractions;

namespace NativeWan.Tests.Sampling;

/// <summary>Solver behaviour that follows from the math: exactness on straight flows, convergence order, step bookkeeping.</summary>
public class SamplerPropertyTests(ITestOutputHelper log)
{
    static float[] Random(int n, int seed)
    {
        var r = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(r.NextDouble() * 4 - 2);
        return a;
    }

    [Theory]
    [InlineData(FlowSolver.UniPC, 7, 5.0)]
    [InlineData(FlowSolver.DpmPlusPlus, 7, 5.0)]
    [InlineData(FlowSolver.Euler, 7, 5.0)]
    [InlineData(FlowSolver.UniPC, 3, 12.0)]
    public void StraightFlowIsFollowedExactly(FlowSolver solver, int steps, double shift)
    {
        // With the true velocity of x_σ = (1−σ)·x0 + σ·ε (v = ε − x0), every solver stays on the path and ends at x0.
        var x0 = Random(64, 1);
        var eps = Random(64, 2);
        var s = FlowSampler.Create(solver, steps, shift);
        var v = new float[x0.Length];
        for (int j = 0; j < v.Length; j++) v[j] = eps[j] - x0[j];
        var x = new float[x0.Length];
        float s0 = s.Schedule.Sigmas[0];
        for (int j = 0; j < x.Length; j++) x[j] = (1 - s0) * x0[j] + s0 * eps[j];
        for (int i = 0; i < steps; i++)
        {
            x = s.Step(v, i, x);
            float si = s.Schedule.Sigmas[i + 1], err = 0;
            for (int j = 0; j < x.Length; j++) err = MathF.Max(err, MathF.Abs(x[j] - ((1 - si) * x0[j] + si * eps[j])));
            Assert.True(err < 2e-6f, $"{solver} step {i}: off the straight path by {err}");
        }
    }

    /// <summary>
    /// Exact flow-matching velocity for data x0 ~ N(μ, s²): E[x0 | x_σ] is linear in x_σ and the ODE solution is
    /// x(σ) = (1−σ)μ + std(σ)·z with std(σ) = √((1−σ)²s² + σ²) and z fixed along a trajectory.
    /// </summary>
    const double Mu = 0.3, S = 0.5;
    static double Std(double sigma) => Math.Sqrt((1 - sigma) * (1 - sigma) * S * S + sigma * sigma);
    static float Velocity(float x, float sigma)
    {
        double a = 1 - sigma, var = a * a * S * S + (double)sigma * sigma;
        double x0 = Mu + a * S * S / var * (x - a * Mu);
        double eps = sigma * (x - a * Mu) / var;   // E[ε | x_σ]
        return (float)(eps - x0);
    }

    static double FinalError(FlowSolver solver, int steps)
    {
        var s = FlowSampler.Create(solver, steps, 3.0);
        var z = new float[] { -1.7f, -0.6f, 0.2f, 0.9f, 1.8f };
        float s0 = s.Schedule.Sigmas[0];
        var x = z.Select(zz => (float)((1 - s0) * Mu + Std(s0) * zz)).ToArray();
        for (int i = 0; i < steps; i++)
        {
            float sig = s.Schedule.Sigmas[i];
            var v = x.Select(xx => Velocity(xx, sig)).ToArray();
            x = s.Step(v, i, x);
        }
        double err = 0;
        for (int j = 0; j < z.Length; j++) err = Math.Max(err, Math.Abs(x[j] - (Mu + S * z[j])));
        return err;
    }

    [Theory]
    [InlineData(FlowSolver.Euler, 1.6)]
    [InlineData(FlowSolver.DpmPlusPlus, 3.0)]
    [InlineData(FlowSolver.UniPC, 3.0)]
    public void ErrorShrinksWithTheSolverOrder(FlowSolver solver, double minRatio)
    {
        // Doubling the steps divides the error by ~2 for a 1st-order solver and by ≥ ~4 for 2nd-order multistep ones.
        double e8 = FinalError(solver, 8), e16 = FinalError(solver, 16), e32 = FinalError(solver, 32);
        log.WriteLine($"{solver}: err(8) {e8:E3}, err(16) {e16:E3}, err(32) {e32:E3}, ratios {e8 / e16:F2}, {e16 / e32:F2}");
        Assert.True(e8 / e16 >= minRatio && e16 / e32 >= minRatio, $"{solver}: ratios {e8 / e16:F2}, {e16 / e32:F2} below {minRatio}");
    }

    [Fact]
    public void StepsMustRunInOrderAndResetReplays()
    {
        var s = FlowSampler.Create(FlowSolver.UniPC, 4, 5.0);
        var x = Random(16, 3);
        var v = Random(16, 4);
        Assert.Throws<InvalidOperationException>(() => s.Step(v, 1, x));
        var a = s.Step(v, 0, x);
        var b = s.Step(v, 1, a);
        Assert.Throws<ArgumentException>(() => s.Step(v[..8], 2, b[..8]));
        Assert.Throws<ArgumentException>(() => s.Step(v[..15], 2, b));
        s.Reset();
        Assert.Equal(0, s.NextStep);
        Assert.Equal(a, s.Step(v, 0, x));
        Assert.Equal(b, s.Step(v, 1, a));
        s.Step(v, 2, b);
        s.Step(v, 3, b);
        Assert.Throws<InvalidOperationException>(() => s.Step(v, 4, b));
    }

    [Fact]
    public void EulerScheduleFollowsTheShiftedGrid()
    {
        var s = FlowSchedule.Euler(4, 3.0);
        Assert.Equal(5, s.Sigmas.Length);
        Assert.Equal(1f, s.Sigmas[0]);
        Assert.Equal(0f, s.Sigmas[^1]);
        // σ = shift(0.5) = 1.5 / 2 = 0.75 at the middle of the grid; t = 1000·σ, not truncated.
        Assert.Equal(0.75f, s.Sigmas[2]);
        Assert.Equal(750.0, s.Timesteps[2]);
        Assert.Equal((float)(3 * 0.75 / (1 + 2 * 0.75)) * 1000f, (float)s.Timesteps[1]);
    }

    [Fact]
    public void ShiftFormula()
    {
        Assert.Equal(0.5, FlowShift.Apply(0.5, 1.0));
        Assert.Equal(12 * 0.25 / (1 + 11 * 0.25), FlowShift.Apply(0.25, 12.0));
        Assert.Equal(1.0, FlowShift.Apply(1.0, 5.0));
        Assert.Equal(0.0, FlowShift.Apply(0.0, 5.0));
        Assert.Throws<ArgumentOutOfRangeException>(() => FlowShift.Apply(0.5, 0));
    }
}
