namespace NativeWan.Sampling;

/// <summary>
/// The flow-matching timestep shift <c>σ' = shift·σ / (1 + (shift − 1)·σ)</c> (spec §4.2; official
/// <c>get_sampling_sigmas</c>, <c>FlowUniPCMultistepScheduler.set_timesteps</c>; musubi <c>sd3_time_shift</c>).
/// Evaluated in float64 in exactly the official order: <c>(shift·σ) / (1 + ((shift − 1)·σ))</c>.
/// </summary>
public static class FlowShift
{
    /// <summary>Shifted sigma; σ and the result lie in [0, 1] for shift &gt; 0.</summary>
    /// <exception cref="ArgumentOutOfRangeException">shift is not a positive finite number.</exception>
    public static double Apply(double sigma, double shift)
    {
        if (!(shift > 0) || double.IsInfinity(shift)) throw new ArgumentOutOfRangeException(nameof(shift), shift, "shift must be positive and finite");
        return shift * sigma / (1 + (shift - 1) * sigma);
    }

    /// <summary>numpy <c>linspace(start, stop, num)</c> (endpoint included) bit for bit: <c>i·step + start</c>, the last entry = stop.</summary>
    internal static double[] NumpyLinspace(double start, double stop, int num)
    {
        var y = new double[num];
        if (num == 0) return y;
        if (num == 1) { y[0] = start; return y; }
        int div = num - 1;
        double delta = stop - start, step = delta / div;
        for (int i = 0; i < num; i++)
            y[i] = step == 0 ? i / (double)div * delta + start : i * step + start;
        y[num - 1] = stop;
        return y;
    }
}
