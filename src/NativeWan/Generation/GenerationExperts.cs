using NativeWan.Sampling;

namespace NativeWan.Generation;

/// <summary>
/// The model(s) that denoise: the A14B high-noise and low-noise experts, switched per step by
/// <see cref="ExpertSchedule.ExpertFor"/> (spec 4.3), or one model for every step. When only one of the two is given it
/// serves all steps; the guidance scale still follows the step's side of the boundary.
/// </summary>
public sealed class GenerationExperts
{
    /// <summary>The model for t ≥ boundary (null when absent).</summary>
    public IVelocityModel? HighNoise { get; }
    /// <summary>The model for t &lt; boundary (null when absent).</summary>
    public IVelocityModel? LowNoise { get; }

    /// <summary>Both experts, or one of them.</summary>
    /// <exception cref="ArgumentException">Neither is given, or the two disagree on latent, conditioning or text sizes.</exception>
    public GenerationExperts(IVelocityModel? highNoise, IVelocityModel? lowNoise)
    {
        if (highNoise == null && lowNoise == null) throw new ArgumentException("no model given (need the low-noise and/or the high-noise DiT)");
        if (highNoise != null && lowNoise != null)
        {
            if (highNoise.LatentChannels != lowNoise.LatentChannels || highNoise.CondChannels != lowNoise.CondChannels)
                throw new ArgumentException($"the experts differ: high-noise takes {highNoise.LatentChannels}+{highNoise.CondChannels} channels, low-noise {lowNoise.LatentChannels}+{lowNoise.CondChannels} (mixing T2V and I2V models?)");
            if (highNoise.TextDim != lowNoise.TextDim)
                throw new ArgumentException($"the experts differ in text_dim: {highNoise.TextDim} vs {lowNoise.TextDim}");
        }
        HighNoise = highNoise;
        LowNoise = lowNoise;
    }

    /// <summary>One model for every step.</summary>
    public static GenerationExperts Single(IVelocityModel model) => new(null, model ?? throw new ArgumentNullException(nameof(model)));

    /// <summary>Any present model (for sizes).</summary>
    public IVelocityModel Any => LowNoise ?? HighNoise!;

    /// <summary>The model that denoises steps of <paramref name="expert"/>'s side (the other one when that side is absent).</summary>
    public IVelocityModel For(WanExpert expert) => expert == WanExpert.HighNoise ? HighNoise ?? LowNoise! : LowNoise ?? HighNoise!;

    /// <summary>Latent channels (16 for A14B).</summary>
    public int LatentChannels => Any.LatentChannels;
    /// <summary>Conditioning channels (20 for I2V, 0 for T2V).</summary>
    public int CondChannels => Any.CondChannels;
    /// <summary>Smallest text length of the present models.</summary>
    public int MaxTextRows => Math.Min(HighNoise?.MaxTextRows ?? int.MaxValue, LowNoise?.MaxTextRows ?? int.MaxValue);
}
