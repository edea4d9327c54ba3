using NativeWan.Lora;
using NativeWan.Models.Wan;

namespace NativeWan.Generation;

/// <summary>
/// A flow-matching velocity predictor <c>v = model(x_t, t, context[, y])</c> as the sampling loop sees it (spec 4.1,
/// 4.3). The Wan DiT (<see cref="DitVelocityModel"/>) implements it; tests use fakes.
/// </summary>
public interface IVelocityModel
{
    /// <summary>Channels of the noisy latent and of the prediction (16 for the A14B experts).</summary>
    int LatentChannels { get; }

    /// <summary>Channels of the conditioning y (20 for I2V: mask 4 + image latent 16; 0 for T2V).</summary>
    int CondChannels { get; }

    /// <summary>Text rows the model accepts at most (DiT <c>text_len</c>).</summary>
    int MaxTextRows { get; }

    /// <summary>Width of one text-embedding row (umT5 dim).</summary>
    int TextDim { get; }

    /// <summary>Spatial patch size (ph, pw) of the latent grid: latent H and W must be multiples of it ((2, 2) for Wan).</summary>
    (int H, int W) SpatialPatch { get; }

    /// <summary>Predicts the velocity for <paramref name="latent"/> [C, F, H, W] at <paramref name="timestep"/> (0…1000).</summary>
    /// <param name="latent">x_t, <see cref="LatentShape.Elements"/> floats.</param>
    /// <param name="shape">[LatentChannels, F, H, W].</param>
    /// <param name="timestep">t as the solver's schedule gives it (integer-valued for UniPC/DPM++).</param>
    /// <param name="context">Text embeddings [rows, TextDim], rows ≤ MaxTextRows.</param>
    /// <param name="cond">y [CondChannels, F, H, W]; empty when CondChannels = 0.</param>
    /// <returns>v, [LatentChannels, F, H, W].</returns>
    float[] Predict(ReadOnlySpan<float> latent, LatentShape shape, float timestep, ReadOnlySpan<float> context, ReadOnlySpan<float> cond);
}

/// <summary>
/// A <see cref="WanDit"/> with an optional LoRA applied at run time (<c>y = Wx + b + mult·(α/r)·B(Ax)</c>, the base
/// weights untouched, spec 7.1). A LoRA whose <see cref="LoraNetwork.Multiplier"/> is 0 is not applied at all, so the
/// output is exactly the base model's. Not thread-safe (the DiT reuses its buffers).
/// </summary>
public sealed class DitVelocityModel : IVelocityModel
{
    /// <summary>The DiT.</summary>
    public WanDit Dit { get; }
    /// <summary>The run-time LoRA (null = none).</summary>
    public LoraNetwork? Lora { get; }

    /// <summary>Wraps <paramref name="dit"/> with <paramref name="lora"/> (checked to fit the DiT's block Linears).</summary>
    /// <exception cref="ArgumentException">A LoRA module targets a Linear the DiT's run-time path does not adapt, or has
    /// the wrong shape (see <see cref="LoraApplication.CheckRuntime"/>).</exception>
    public DitVelocityModel(WanDit dit, LoraNetwork? lora = null)
    {
        ArgumentNullException.ThrowIfNull(dit);
        if (lora != null) LoraApplication.CheckRuntime(dit, lora);
        Dit = dit;
        Lora = lora;
    }

    /// <inheritdoc/>
    public int LatentChannels => Dit.Config.OutDim;
    /// <inheritdoc/>
    public int CondChannels => Dit.Config.CondChannels;
    /// <inheritdoc/>
    public int MaxTextRows => Dit.Config.TextLen;
    /// <inheritdoc/>
    public int TextDim => Dit.Config.TextDim;
    /// <inheritdoc/>
    public (int H, int W) SpatialPatch => (Dit.Config.PatchSize.H, Dit.Config.PatchSize.W);

    /// <inheritdoc/>
    public float[] Predict(ReadOnlySpan<float> latent, LatentShape shape, float timestep, ReadOnlySpan<float> context, ReadOnlySpan<float> cond)
    {
        var lora = Lora is { Multiplier: not 0f } l ? l : null;
        return Dit.Forward(latent, shape, timestep, context, cond, lora);
    }
}
