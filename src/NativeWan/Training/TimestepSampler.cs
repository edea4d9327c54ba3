using NativeWan.Numerics;

namespace NativeWan.Training;

/// <summary>musubi-tuner's <c>--timestep_sampling</c> methods (spec wan-architecture.md 4.1, trainers-landscape B).</summary>
public enum TimestepSampling
{
    /// <summary>musubi's default: t taken from the 1000-entry shifted discrete table, no +1.</summary>
    Sigma,
    /// <summary>σ ~ U(0, 1).</summary>
    Uniform,
    /// <summary>σ = sigmoid(sigmoid_scale · n), n ~ N(0, 1).</summary>
    Sigmoid,
    /// <summary>σ = shift(sigmoid(sigmoid_scale · n)) with shift = discrete_flow_shift (spec 4.2).</summary>
    Shift,
    /// <summary>σ = sigmoid(−logsnr / 2), logsnr ~ N(logit_mean, logit_std) (arXiv 2411.14793).</summary>
    LogSnr,
}

/// <summary>Options of the timestep sampler, named as musubi-tuner's flags.</summary>
/// <param name="MinTimestep">Window start in 0…1000 (<c>--min_timestep</c>); null = 0.</param>
/// <param name="MaxTimestep">Window end in 0…1000 (<c>--max_timestep</c>); null = 1000.</param>
/// <param name="PreserveDistributionShape">Rejection-sample inside the window instead of rescaling into it.</param>
public sealed record TimestepSamplingOptions(
    TimestepSampling Method = TimestepSampling.Sigma,
    double DiscreteFlowShift = 1.0,
    double SigmoidScale = 1.0,
    double LogitMean = 0.0,
    double LogitStd = 1.0,
    double? MinTimestep = null,
    double? MaxTimestep = null,
    bool PreserveDistributionShape = false)
{
    /// <summary>Parses a method name (<c>sigma</c>, <c>uniform</c>, <c>sigmoid</c>, <c>shift</c>, <c>logsnr</c>).</summary>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    public static TimestepSampling ParseMethod(string name) => name.Trim().ToLowerInvariant() switch
    {
        "sigma" => TimestepSampling.Sigma,
        "uniform" => TimestepSampling.Uniform,
        "sigmoid" => TimestepSampling.Sigmoid,
        "shift" => TimestepSampling.Shift,
        "logsnr" => TimestepSampling.LogSnr,
        _ => throw new ArgumentException($"unknown timestep_sampling '{name}' (sigma, uniform, sigmoid, shift, logsnr)"),
    };
}

/// <summary>One sampled noise level.</summary>
/// <param name="Sigma">σ in [0, 1]: x_t = (1 − σ)·x0 + σ·ε.</param>
/// <param name="Timestep">The timestep given to the DiT: 1000σ + 1 for the continuous methods, the table value for <see cref="TimestepSampling.Sigma"/>.</param>
public readonly record struct NoiseLevel(float Sigma, float Timestep);

/// <summary>
/// Draws training noise levels as musubi-tuner's <c>get_noisy_model_input_and_timesteps</c> does (trainer_base.py),
/// from a <see cref="Prng"/> so a resumed run continues the same sequence. Windows: without
/// <c>PreserveDistributionShape</c> σ is rescaled linearly into [min, max]/1000; with it, samples outside the window are
/// rejected (up to 1000 tries, then the unwindowed sample is used, as musubi does). In the <c>sigma</c> method the
/// window bounds index the discrete table (musubi behaviour). float32 arithmetic on the σ path like PyTorch.
/// </summary>
public sealed class TimestepSampler
{
    /// <summary>Entries of the discrete training table (FlowMatchDiscreteScheduler num_train_timesteps).</summary>
    public const int NumTrainTimesteps = 1000;

    readonly TimestepSamplingOptions _o;
    readonly float[] _table;

    /// <exception cref="ArgumentException">A window bound outside 0…1000 or min &gt; max, or a non-positive shift.</exception>
    public TimestepSampler(TimestepSamplingOptions options)
    {
        _o = options;
        double lo = options.MinTimestep ?? 0, hi = options.MaxTimestep ?? 1000;
        if (lo < 0 || hi > 1000 || lo > hi) throw new ArgumentException($"timestep window [{lo}, {hi}] must lie within [0, 1000] with min <= max");
        if (options.DiscreteFlowShift <= 0) throw new ArgumentException($"discrete_flow_shift must be positive, got {options.DiscreteFlowShift}");
        _table = DiscreteTimesteps(options.DiscreteFlowShift);
    }

    /// <summary>
    /// The discrete training table: entry i = 1000·shift(s_i), s_i = (1000 − i)/1000 (descending from 1000), as
    /// FlowMatchDiscreteScheduler(shift) builds it.
    /// </summary>
    public static float[] DiscreteTimesteps(double shift)
    {
        var t = new float[NumTrainTimesteps];
        for (int i = 0; i < t.Length; i++)
        {
            float s = (float)(NumTrainTimesteps - i) / NumTrainTimesteps;
            float sh = (float)(shift * s / (1 + (shift - 1) * s));
            t[i] = sh * NumTrainTimesteps;
        }
        return t;
    }

    /// <summary>Applies the flow shift σ' = shift·σ / (1 + (shift − 1)·σ) (spec 4.2).</summary>
    public static double Shift(double sigma, double shift) => shift * sigma / (1 + (shift - 1) * sigma);

    /// <summary>Draws one noise level.</summary>
    public NoiseLevel Sample(Prng rng)
    {
        double tMin = (_o.MinTimestep ?? 0) / 1000.0, tMax = (_o.MaxTimestep ?? 1000) / 1000.0;
        if (_o.Method == TimestepSampling.Sigma)
        {
            double u = rng.NextDouble();
            int idx = (int)(u * ((_o.MaxTimestep ?? 1000) - (_o.MinTimestep ?? 0)) + (_o.MinTimestep ?? 0));
            idx = Math.Clamp(idx, 0, NumTrainTimesteps - 1);
            float t = _table[idx];
            return new NoiseLevel(t / NumTrainTimesteps, t);
        }
        float sigma;
        if (!_o.PreserveDistributionShape)
            sigma = (float)(Base(rng) * (tMax - tMin) + tMin);
        else
        {
            sigma = float.NaN;
            for (int i = 0; i < 1000 && float.IsNaN(sigma); i++)
            {
                float s = (float)Base(rng);
                if (s >= tMin && s <= tMax) sigma = s;
            }
            if (float.IsNaN(sigma)) sigma = (float)Base(rng);
        }
        return new NoiseLevel(sigma, sigma * 1000f + 1f);
    }

    /// <summary>A σ in [0, 1] from the method's base distribution, before any window.</summary>
    double Base(Prng rng) => _o.Method switch
    {
        TimestepSampling.Uniform => rng.NextDouble(),
        TimestepSampling.Sigmoid => Sigmoid(_o.SigmoidScale * rng.NextGaussian()),
        TimestepSampling.Shift => Shift(Sigmoid(_o.SigmoidScale * rng.NextGaussian()), _o.DiscreteFlowShift),
        TimestepSampling.LogSnr => Sigmoid(-(_o.LogitMean + _o.LogitStd * rng.NextGaussian()) / 2),
        _ => throw new InvalidOperationException(),
    };

    static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));
}
