namespace NativeWan.Training;

/// <summary>Options of the LoRA training loop (musubi-tuner flag names in the comments).</summary>
public sealed record TrainerOptions
{
    /// <summary><c>--max_train_steps</c>: optimizer steps to run.</summary>
    public required int MaxTrainSteps { get; init; }
    /// <summary><c>--gradient_accumulation_steps</c>: micro-batches (items) per optimizer step.</summary>
    public int GradientAccumulationSteps { get; init; } = 1;
    /// <summary><c>--max_grad_norm</c>: global gradient-norm clip; 0 disables.</summary>
    public double MaxGradNorm { get; init; } = 1.0;
    /// <summary>The learning-rate schedule (<c>--learning_rate</c>, <c>--lr_scheduler*</c>).</summary>
    public required LrSchedule Schedule { get; init; }
    /// <summary>Timestep sampling and window (<c>--timestep_sampling</c>, <c>--min/max_timestep</c>, …).</summary>
    public TimestepSamplingOptions Timesteps { get; init; } = new();
    /// <summary><c>--timestep_boundary</c> as a fraction (0.875 T2V, 0.9 I2V); used only with two experts.</summary>
    public double TimestepBoundary { get; init; } = 0.875;
    /// <summary><c>--seed</c>: data order, timesteps and noise all derive from it.</summary>
    public ulong Seed { get; init; } = 42;
    /// <summary><c>--gradient_checkpointing</c>: store block inputs only and recompute in backward.</summary>
    public bool GradientCheckpointing { get; init; } = true;
}
