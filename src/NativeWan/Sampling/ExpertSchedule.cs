namespace NativeWan.Sampling;

/// <summary>Which Wan 2.2 A14B expert denoises a step.</summary>
public enum WanExpert
{
    /// <summary>The low-noise expert (<c>low_noise_model/</c>), t &lt; boundary.</summary>
    LowNoise,
    /// <summary>The high-noise expert (<c>high_noise_model/</c>), t ≥ boundary.</summary>
    HighNoise,
}

/// <summary>
/// The A14B expert switch (spec §1.2, §4.3): at each step, <c>t ≥ boundary·T</c> selects the high-noise expert and its
/// guidance scale, otherwise the low-noise expert and its scale. t is the value the DiT receives (the truncated
/// integer timestep for UniPC/DPM++). Official defaults: T2V boundary 0.875, guidance (low 3.0, high 4.0);
/// I2V boundary 0.900, guidance (3.5, 3.5).
/// </summary>
/// <param name="Boundary">Boundary as a fraction of <paramref name="NumTrainTimesteps"/>, in [0, 1].</param>
/// <param name="LowNoiseGuidance">CFG scale for the low-noise expert (<c>guide_scale[0]</c>).</param>
/// <param name="HighNoiseGuidance">CFG scale for the high-noise expert (<c>guide_scale[1]</c>).</param>
/// <param name="NumTrainTimesteps">T (1000).</param>
public sealed record ExpertSchedule(double Boundary, float LowNoiseGuidance, float HighNoiseGuidance, int NumTrainTimesteps = 1000)
{
    /// <summary>T2V-A14B: boundary 0.875 (t ≥ 875 → high noise), guidance 3.0 low / 4.0 high.</summary>
    public static ExpertSchedule T2VA14B { get; } = new(0.875, 3.0f, 4.0f);

    /// <summary>I2V-A14B: boundary 0.900 (t ≥ 900 → high noise), guidance 3.5 / 3.5.</summary>
    public static ExpertSchedule I2VA14B { get; } = new(0.900, 3.5f, 3.5f);

    /// <summary>The boundary on the timestep scale, <c>Boundary · T</c> (computed in float64 as the official code).</summary>
    public double BoundaryTimestep => Boundary * NumTrainTimesteps;

    /// <summary>The expert for DiT timestep <paramref name="t"/>.</summary>
    public WanExpert ExpertFor(double t) => t >= BoundaryTimestep ? WanExpert.HighNoise : WanExpert.LowNoise;

    /// <summary>The CFG scale for DiT timestep <paramref name="t"/>.</summary>
    public float GuidanceFor(double t) => ExpertFor(t) == WanExpert.HighNoise ? HighNoiseGuidance : LowNoiseGuidance;
}
