namespace NativeWan.Sampling;

/// <summary>
/// A flow-matching ODE solver driven step by step by the generator: for step i = 0 … N−1 the caller evaluates the
/// DiT at <c>Schedule.Timesteps[i]</c> on the current latent, combines CFG, and calls <see cref="Step"/> to get the
/// latent for step i+1. Latents are flat float32 arrays in any fixed layout (e.g. [C, F, H, W]); the solver is
/// elementwise. Multistep solvers keep history, so steps must be taken in order; <see cref="Reset"/> restarts.
/// </summary>
public interface IFlowSampler
{
    /// <summary>The schedule this solver walks.</summary>
    FlowSchedule Schedule { get; }

    /// <summary>Index of the step the next <see cref="Step"/> call must have (0 after construction or <see cref="Reset"/>).</summary>
    int NextStep { get; }

    /// <summary>
    /// One solver step from σ_i to σ_{i+1}: <paramref name="modelOutput"/> is the (guided) velocity v predicted at
    /// <paramref name="sample"/> = x_i; writes x_{i+1} into <paramref name="prevSample"/> (may alias neither input).
    /// </summary>
    /// <exception cref="InvalidOperationException"><paramref name="stepIndex"/> is not <see cref="NextStep"/>.</exception>
    /// <exception cref="ArgumentException">Span lengths differ from each other or from earlier steps, or are empty.</exception>
    void Step(ReadOnlySpan<float> modelOutput, int stepIndex, ReadOnlySpan<float> sample, Span<float> prevSample);

    /// <summary>Forgets the history and returns to step 0.</summary>
    void Reset();
}
