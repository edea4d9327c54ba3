namespace NativeWan.Sampling;

/// <summary>
/// An inference schedule for flow matching (spec §4.3): N steps, the float32 sigmas the solver uses
/// (<see cref="Sigmas"/>, N+1 entries ending in 0) and the timestep given to the DiT at each step
/// (<see cref="Timesteps"/>, N entries, on the 0–1000 scale).
/// </summary>
public sealed class FlowSchedule
{
    /// <summary>Solver sigmas, float32 [N+1], decreasing, last = 0 (official <c>scheduler.sigmas</c>).</summary>
    public float[] Sigmas { get; }

    /// <summary>
    /// DiT timestep per step [N]. UniPC / DPM++: the official int64 truncation <c>trunc(σ'·1000)</c> of the float64
    /// shifted sigma (integer-valued: UniPC starts at 999, DPM++ at 1000). Euler: <c>σ·1000</c> in float32, not truncated (musubi).
    /// </summary>
    public double[] Timesteps { get; }

    /// <summary>The float64 shifted sigmas [N] before float32 rounding (DPM++: <c>get_sampling_sigmas</c>).</summary>
    public double[] ShiftedSigmas { get; }

    /// <summary>Number of solver steps N.</summary>
    public int Steps => Timesteps.Length;

    FlowSchedule(float[] sigmas, double[] timesteps, double[] shifted)
    {
        Sigmas = sigmas; Timesteps = timesteps; ShiftedSigmas = shifted;
    }

    /// <summary>
    /// Official UniPC schedule, <c>FlowUniPCMultistepScheduler(shift=1).set_timesteps(steps, shift=shift)</c>:
    /// σ = linspace(σ_max, 0, N+1)[:N] with σ_max = float32(1 − 1/T) (0.9990000128746033 for T = 1000), shifted in
    /// float64; timesteps = int64(σ'·T) (truncated); sigmas = float32([σ'…, 0]).
    /// </summary>
    /// <param name="steps">N ≥ 1.</param>
    /// <param name="shift">Flow shift (T2V-A14B 12, I2V-A14B 5).</param>
    /// <param name="numTrainTimesteps">T (1000).</param>
    /// <exception cref="ArgumentOutOfRangeException">steps &lt; 1, shift not positive, or T &lt; 2.</exception>
    public static FlowSchedule UniPC(int steps, double shift, int numTrainTimesteps = 1000)
    {
        Check(steps, numTrainTimesteps);
        // Training table: sigmas = 1 − reverse(linspace(1, 1/T, T)), stored as float32; σ_max = its first entry, σ_min = 0.
        var alphas = FlowShift.NumpyLinspace(1, 1.0 / numTrainTimesteps, numTrainTimesteps);
        double sigmaMax = (float)(1.0 - alphas[^1]), sigmaMin = (float)(1.0 - alphas[0]);
        var lin = FlowShift.NumpyLinspace(sigmaMax, sigmaMin, steps + 1);
        var shifted = new double[steps];
        for (int i = 0; i < steps; i++) shifted[i] = FlowShift.Apply(lin[i], shift);
        return FromShifted(shifted, numTrainTimesteps);
    }

    /// <summary>
    /// Official <c>get_sampling_sigmas(steps, shift)</c>: float64 <c>shift(linspace(1, 0, N+1)[:N])</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">steps &lt; 1 or shift not positive.</exception>
    public static double[] GetSamplingSigmas(int steps, double shift)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        var lin = FlowShift.NumpyLinspace(1, 0, steps + 1);
        var s = new double[steps];
        for (int i = 0; i < steps; i++) s[i] = FlowShift.Apply(lin[i], shift);
        return s;
    }

    /// <summary>
    /// Official DPM++ schedule: <c>retrieve_timesteps(FlowDPMSolverMultistepScheduler(shift=1), sigmas=get_sampling_sigmas(steps, shift))</c>.
    /// Starts at σ = 1, t = 1000.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">steps &lt; 1, shift not positive, or T &lt; 2.</exception>
    public static FlowSchedule DpmPlusPlus(int steps, double shift, int numTrainTimesteps = 1000)
    {
        Check(steps, numTrainTimesteps);
        return FromSamplingSigmas(GetSamplingSigmas(steps, shift), numTrainTimesteps);
    }

    /// <summary>
    /// <c>set_timesteps(sigmas=…)</c> of a scheduler built with shift 1 (identity shift): timesteps = int64(σ·T),
    /// sigmas = float32([σ…, 0]).
    /// </summary>
    /// <param name="samplingSigmas">Decreasing sigmas in (0, 1], one per step.</param>
    /// <param name="numTrainTimesteps">T (1000).</param>
    /// <exception cref="ArgumentException">Empty, or a sigma outside [0, 1] or not finite.</exception>
    public static FlowSchedule FromSamplingSigmas(double[] samplingSigmas, int numTrainTimesteps = 1000)
    {
        ArgumentNullException.ThrowIfNull(samplingSigmas);
        if (samplingSigmas.Length == 0) throw new ArgumentException("no sigmas", nameof(samplingSigmas));
        foreach (var s in samplingSigmas)
            if (!(s >= 0 && s <= 1)) throw new ArgumentException($"sigma {s} is outside [0, 1]", nameof(samplingSigmas));
        // shift = 1: 1·σ / (1 + 0·σ) == σ exactly.
        return FromShifted((double[])samplingSigmas.Clone(), numTrainTimesteps);
    }

    /// <summary>
    /// Euler schedule as musubi-tuner's <c>FlowMatchDiscreteScheduler</c> (<c>--sample_solver vanilla</c>) and ComfyUI
    /// <c>euler</c>: σ = shift(linspace(1, 0, N+1)) rounded to float32 (including the final 0), timesteps = σ·1000 in
    /// float32 (no truncation). musubi builds the grid in float32 torch; this float64-then-round grid can differ from it
    /// by one float32 ulp.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">steps &lt; 1, shift not positive, or T &lt; 2.</exception>
    public static FlowSchedule Euler(int steps, double shift, int numTrainTimesteps = 1000)
    {
        Check(steps, numTrainTimesteps);
        var lin = FlowShift.NumpyLinspace(1, 0, steps + 1);
        var sig = new float[steps + 1];
        var shifted = new double[steps];
        var ts = new double[steps];
        for (int i = 0; i <= steps; i++) sig[i] = (float)FlowShift.Apply(lin[i], shift);
        for (int i = 0; i < steps; i++) { shifted[i] = FlowShift.Apply(lin[i], shift); ts[i] = sig[i] * (float)numTrainTimesteps; }
        return new FlowSchedule(sig, ts, shifted);
    }

    static FlowSchedule FromShifted(double[] shifted, int numTrainTimesteps)
    {
        int n = shifted.Length;
        var sig = new float[n + 1];
        var ts = new double[n];
        for (int i = 0; i < n; i++)
        {
            sig[i] = (float)shifted[i];
            ts[i] = Math.Truncate(shifted[i] * numTrainTimesteps); // torch .to(int64) truncates toward zero
        }
        sig[n] = 0f;
        return new FlowSchedule(sig, ts, shifted);
    }

    static void Check(int steps, int numTrainTimesteps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(numTrainTimesteps, 2);
    }
}
