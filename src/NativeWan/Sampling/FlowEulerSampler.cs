namespace NativeWan.Sampling;

/// <summary>
/// First-order Euler for flow matching (spec §4.3; musubi <c>FlowMatchDiscreteScheduler</c>, ComfyUI <c>euler</c>):
/// <c>x_{i+1} = x_i + v_i·(σ_{i+1} − σ_i)</c> in float32.
/// </summary>
public sealed class FlowEulerSampler : FlowSampler
{
    /// <summary>Euler over <paramref name="schedule"/> (normally <see cref="FlowSchedule.Euler"/>).</summary>
    public FlowEulerSampler(FlowSchedule schedule) : base(schedule) { }

    /// <inheritdoc/>
    protected override void ResetCore() { }

    /// <inheritdoc/>
    protected override void StepCore(ReadOnlySpan<float> v, int i, ReadOnlySpan<float> x, Span<float> prev)
    {
        float dt = Schedule.Sigmas[i + 1] - Schedule.Sigmas[i];
        for (int j = 0; j < x.Length; j++) prev[j] = x[j] + v[j] * dt;
    }
}
