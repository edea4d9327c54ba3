using NativeWan.Data;
using NativeWan.Models.Wan;

namespace NativeWan.Training;

/// <summary>Items of one (W, H, F) bucket.</summary>
/// <param name="Bucket">The bucket (pixel size and frames).</param>
/// <param name="Latent">Latent shape [C, F, H, W] of its items.</param>
/// <param name="Items">Distinct items.</param>
/// <param name="Samples">Items × repeats.</param>
/// <param name="Tokens">DiT tokens per item: F·H·W/(pt·ph·pw) of the latent (F·H·W/4 for Wan's 1×2×2 patches).</param>
public sealed record TrainPlanBucket(BucketKey Bucket, LatentShape Latent, int Items, int Samples, long Tokens);

/// <summary>One trained LoRA network.</summary>
/// <param name="Name">high_noise, low_noise, both (shared / single model).</param>
/// <param name="Modules">Adapted Linears.</param>
/// <param name="Parameters">Trainable parameters Σ rank·(in + out).</param>
/// <param name="File">The final LoRA file (musubi format unless only comfy was asked for).</param>
public sealed record TrainPlanNetwork(string Name, int Modules, long Parameters, string File);

/// <summary>What a prepared run will do, for the console plan and tests.</summary>
public sealed record TrainPlan
{
    /// <summary>The task (t2v-A14B / i2v-A14B).</summary>
    public required string Task { get; init; }
    /// <summary>Expert boundary as a fraction (used with two experts).</summary>
    public required double TimestepBoundary { get; init; }
    /// <summary>The DiT files with their roles (high_noise, low_noise, single).</summary>
    public required IReadOnlyList<(string Role, string Path)> Models { get; init; }
    /// <summary>Buckets in (W, H, F) order.</summary>
    public required IReadOnlyList<TrainPlanBucket> Buckets { get; init; }
    /// <summary>Distinct items.</summary>
    public int Items => Buckets.Sum(b => b.Items);
    /// <summary>Samples per epoch (items × repeats).</summary>
    public int Samples => Buckets.Sum(b => b.Samples);
    /// <summary>Items per optimizer step.</summary>
    public required int GradientAccumulationSteps { get; init; }
    /// <summary>Optimizer steps of the whole run.</summary>
    public required int MaxTrainSteps { get; init; }
    /// <summary>Optimizer steps per epoch, ⌈samples / accumulation⌉.</summary>
    public int StepsPerEpoch => (Samples + GradientAccumulationSteps - 1) / GradientAccumulationSteps;
    /// <summary>Epochs the run covers (may be fractional).</summary>
    public double Epochs => (double)MaxTrainSteps * GradientAccumulationSteps / Samples;
    /// <summary>Largest DiT token count of one optimizer step: max bucket tokens × accumulation.</summary>
    public long TokensPerStep => Buckets.Max(b => b.Tokens) * GradientAccumulationSteps;
    /// <summary>The LoRA networks trained.</summary>
    public required IReadOnlyList<TrainPlanNetwork> Networks { get; init; }
    /// <summary>Rank and alpha.</summary>
    public required (int Rank, double Alpha) Lora { get; init; }
    /// <summary>Estimated CPU memory.</summary>
    public required TrainMemoryEstimate Memory { get; init; }
    /// <summary>First step to run (0, or the resumed step).</summary>
    public required int StartStep { get; init; }
    /// <summary>The effective seed.</summary>
    public required long Seed { get; init; }
    /// <summary>Learning-rate schedule.</summary>
    public required LrSchedule Schedule { get; init; }
    /// <summary>Timestep sampling.</summary>
    public required TimestepSamplingOptions Timesteps { get; init; }
}
