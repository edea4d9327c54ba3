namespace NativeWan.Training;

/// <summary>The learning-rate schedules of musubi-tuner (<c>--lr_scheduler</c>, the diffusers/transformers formulas).</summary>
public enum LrSchedulerType { Constant, ConstantWithWarmup, Linear, Cosine, CosineWithRestarts, Polynomial }

/// <summary>
/// Learning rate as a function of the optimizer step, matching transformers' <c>get_scheduler</c> lambdas as used by
/// musubi-tuner: warmup is linear from 0 (<c>step / warmup</c>, so step 0 has lr 0 when warmup &gt; 0); after it,
/// with progress p = (step − warmup) / max(1, total − warmup):
/// linear (1 − p), cosine ½(1 + cos πp), cosine_with_restarts ½(1 + cos(π·((cycles·p) mod 1))) and 0 once p ≥ 1,
/// polynomial (1 − p)^power (down to the end lr). <see cref="MinLrRatio"/> (musubi <c>--lr_scheduler_min_lr_ratio</c>)
/// keeps the decaying schedules above <c>ratio · lr</c>: factor = ratio + (1 − ratio)·f.
/// </summary>
public sealed record LrSchedule(
    LrSchedulerType Type,
    double BaseLr,
    int TotalSteps,
    int WarmupSteps = 0,
    int NumCycles = 1,
    double Power = 1.0,
    double MinLrRatio = 0.0)
{
    /// <summary>Parses musubi's names (<c>constant</c>, <c>constant_with_warmup</c>, <c>linear</c>, <c>cosine</c>, <c>cosine_with_restarts</c>, <c>polynomial</c>).</summary>
    /// <exception cref="ArgumentException">Unknown name (the message lists the known ones).</exception>
    public static LrSchedulerType ParseType(string name) => name.Trim().ToLowerInvariant() switch
    {
        "constant" => LrSchedulerType.Constant,
        "constant_with_warmup" => LrSchedulerType.ConstantWithWarmup,
        "linear" => LrSchedulerType.Linear,
        "cosine" => LrSchedulerType.Cosine,
        "cosine_with_restarts" => LrSchedulerType.CosineWithRestarts,
        "polynomial" => LrSchedulerType.Polynomial,
        _ => throw new ArgumentException($"unknown lr_scheduler '{name}' (constant, constant_with_warmup, linear, cosine, cosine_with_restarts, polynomial)"),
    };

    /// <summary>Learning rate used by optimizer step <paramref name="step"/> (0-based).</summary>
    public double LearningRate(int step) => BaseLr * Factor(step);

    /// <summary>The multiplier of <see cref="BaseLr"/> at <paramref name="step"/>.</summary>
    public double Factor(int step)
    {
        if (step < 0) throw new ArgumentOutOfRangeException(nameof(step));
        if (Type == LrSchedulerType.Constant) return 1.0;
        if (step < WarmupSteps) return (double)step / Math.Max(1, WarmupSteps);
        if (Type == LrSchedulerType.ConstantWithWarmup) return 1.0;
        double p = (double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps);
        double f = Type switch
        {
            LrSchedulerType.Linear => Math.Max(0.0, 1.0 - p),
            LrSchedulerType.Cosine => Math.Max(0.0, 0.5 * (1.0 + Math.Cos(Math.PI * p))),
            LrSchedulerType.CosineWithRestarts => p >= 1.0 ? 0.0 : Math.Max(0.0, 0.5 * (1.0 + Math.Cos(Math.PI * (NumCycles * p % 1.0)))),
            LrSchedulerType.Polynomial => p >= 1.0 ? 0.0 : Math.Pow(1.0 - p, Power),
            _ => 1.0,
        };
        return MinLrRatio + (1.0 - MinLrRatio) * f;
    }
}
