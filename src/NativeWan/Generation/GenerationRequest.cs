using NativeWan.Data;
using NativeWan.Sampling;

namespace NativeWan.Generation;

/// <summary>
/// One video to generate: prompt, size, schedule, guidance and seed. <see cref="ForTask"/> fills the official
/// defaults of a task (spec 1.2); override with <c>with { … }</c>.
/// </summary>
public sealed record GenerationRequest
{
    /// <summary>The prompt (cleaned and tokenized as spec 6.2).</summary>
    public required string Prompt { get; init; }
    /// <summary>Negative prompt for the unconditional CFG pass; null or empty means
    /// <see cref="WanTaskDefaults.DefaultNegativePrompt"/> (official behaviour).</summary>
    public string? NegativePrompt { get; init; }
    /// <summary>Width in pixels. T2V: a multiple of 16 (VAE stride 8 × patch 2). I2V: with <see cref="Height"/> only
    /// sets the area; the output size follows the image's aspect ratio (spec 3.1).</summary>
    public int Width { get; init; } = 1280;
    /// <summary>Height in pixels (see <see cref="Width"/>).</summary>
    public int Height { get; init; } = 720;
    /// <summary>Pixel frames F = 4n + 1; the latent has (F − 1)/4 + 1 frames.</summary>
    public int Frames { get; init; } = 81;
    /// <summary>Solver steps N ≥ 1.</summary>
    public int Steps { get; init; } = 40;
    /// <summary>Flow shift (&gt; 0).</summary>
    public double Shift { get; init; } = 12.0;
    /// <summary>Expert boundary as a fraction of 1000 (t ≥ boundary·1000 uses the high-noise expert) and the CFG scale of
    /// each expert (low = <c>--guidance_scale</c>, high = <c>--guidance_scale_high_noise</c>). A scale of exactly 1
    /// skips the unconditional pass.</summary>
    public ExpertSchedule Experts { get; init; } = ExpertSchedule.T2VA14B;
    /// <summary>The ODE solver (official default UniPC).</summary>
    public FlowSolver Solver { get; init; } = FlowSolver.UniPC;
    /// <summary>Seed of the initial noise (xoshiro256** + Box–Muller, <see cref="Numerics.Prng"/>; not torch's generator,
    /// so the same seed gives different noise than the official code).</summary>
    public ulong Seed { get; init; }
    /// <summary>Start image for I2V (required there, refused for T2V).</summary>
    public RgbImage? Image { get; init; }

    /// <summary>The negative prompt actually used.</summary>
    public string EffectiveNegativePrompt => string.IsNullOrEmpty(NegativePrompt) ? WanTaskDefaults.DefaultNegativePrompt : NegativePrompt;

    /// <summary>A request with the official defaults of <paramref name="task"/> (shift, steps, boundary, guidance, frames, size).</summary>
    public static GenerationRequest ForTask(WanTask task, string prompt)
    {
        var d = WanTaskDefaults.For(task);
        return new GenerationRequest
        {
            Prompt = prompt, Width = d.Width, Height = d.Height, Frames = d.Frames, Steps = d.Steps, Shift = d.Shift, Experts = d.Experts,
        };
    }

    /// <summary>Checks the values that do not depend on the models.</summary>
    /// <exception cref="ArgumentException">A non-positive size, F not 4n+1, steps outside 1…1000, a shift that is not
    /// positive and finite, a non-finite guidance scale or a boundary outside [0, 1].</exception>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Prompt, nameof(Prompt));
        if (Width <= 0 || Height <= 0) throw new ArgumentException($"size {Width}x{Height} must be positive");
        if (Frames < 1 || (Frames - 1) % 4 != 0) throw new ArgumentException($"frame count {Frames} is not 4n+1 (1, 5, 9, …, 81)");
        if (Steps < 1 || Steps > 1000) throw new ArgumentException($"steps {Steps} must be in 1…1000");
        if (!(Shift > 0) || double.IsInfinity(Shift)) throw new ArgumentException($"shift {Shift} must be positive and finite");
        if (!float.IsFinite(Experts.LowNoiseGuidance) || !float.IsFinite(Experts.HighNoiseGuidance))
            throw new ArgumentException($"guidance scales must be finite (low {Experts.LowNoiseGuidance}, high {Experts.HighNoiseGuidance})");
        if (!(Experts.Boundary >= 0 && Experts.Boundary <= 1)) throw new ArgumentException($"boundary {Experts.Boundary} must be in [0, 1]");
    }
}
