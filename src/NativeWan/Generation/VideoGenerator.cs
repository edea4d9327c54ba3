using NativeWan.Models.Vae;
using NativeWan.Models.Wan;
using NativeWan.Numerics;
using NativeWan.Sampling;

namespace NativeWan.Generation;

/// <summary>Sizes a request resolves to.</summary>
/// <param name="Width">Output width in pixels (for I2V derived from the image, spec 3.1).</param>
/// <param name="Height">Output height in pixels.</param>
/// <param name="Frames">Output frames F.</param>
/// <param name="Latent">The latent [C, (F − 1)/4 + 1, H/8, W/8].</param>
public readonly record struct GenerationPlan(int Width, int Height, int Frames, LatentShape Latent);

/// <summary>A generated video.</summary>
/// <param name="Frames">The decoded frames as bytes.</param>
/// <param name="Latent">The final (normalized) latent x_N, [C, T, h, w].</param>
/// <param name="Plan">The sizes used.</param>
/// <param name="Seed">The noise seed.</param>
public sealed record GeneratedVideo(VideoFrames Frames, float[] Latent, GenerationPlan Plan, ulong Seed);

/// <summary>
/// Wan 2.2 A14B text-to-video and image-to-video generation, float32 CPU reference (spec 1.2, 3.1, 4.3, 4.4):
/// prompt and negative prompt → umT5 contexts; noise [16, (F−1)/4+1, H/8, W/8] from the seed; for I2V the conditioning
/// y = [mask; VAE(image, zeros)]; the solver loop with the per-step expert switch and CFG (<see cref="DenoisingLoop"/>);
/// VAE decode (clamped to [−1, 1]); bytes (<see cref="VideoFrames.FromVideo"/>). Deterministic for a given seed.
/// Not thread-safe (the DiTs reuse buffers).
/// </summary>
public sealed class VideoGenerator
{
    /// <summary>The denoising model(s).</summary>
    public GenerationExperts Experts { get; }
    /// <summary>The Wan 2.1 VAE (decode; encode for I2V).</summary>
    public WanVae Vae { get; }

    /// <summary>A generator over <paramref name="experts"/> and <paramref name="vae"/>.</summary>
    /// <exception cref="ArgumentException">The VAE's latent channels differ from the models', or an I2V model's
    /// conditioning is not mask (temporal factor) + latent channels.</exception>
    public VideoGenerator(GenerationExperts experts, WanVae vae)
    {
        ArgumentNullException.ThrowIfNull(experts); ArgumentNullException.ThrowIfNull(vae);
        if (vae.Config.ZDim != experts.LatentChannels)
            throw new ArgumentException($"the VAE has {vae.Config.ZDim} latent channels, the DiT {experts.LatentChannels}");
        if (experts.CondChannels != 0 && experts.CondChannels != vae.Config.TemporalFactor + vae.Config.ZDim)
            throw new ArgumentException($"the DiT takes {experts.CondChannels} conditioning channels; I2V needs {vae.Config.TemporalFactor} mask + {vae.Config.ZDim} latent");
        Experts = experts;
        Vae = vae;
    }

    /// <summary>Whether the models are image-to-video (take a conditioning y).</summary>
    public bool IsImageToVideo => Experts.CondChannels > 0;

    /// <summary>Resolves the output and latent sizes of <paramref name="request"/>.</summary>
    /// <exception cref="ArgumentException">Invalid request values; T2V size not a multiple of VAE stride × patch (16);
    /// an I2V model without an image or a T2V model with one.</exception>
    public GenerationPlan Plan(GenerationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        int sf = Vae.Config.SpatialFactor, tf = Vae.Config.TemporalFactor;
        var (ph, pw) = Experts.Any.SpatialPatch;
        if ((request.Frames - 1) % tf != 0) throw new ArgumentException($"frame count {request.Frames} is not {tf}n+1");
        int width, height;
        if (IsImageToVideo)
        {
            if (request.Image is not { } img) throw new ArgumentException("the image-to-video model needs a start image (--image)");
            (width, height) = ImageConditioning.OutputSize(img.Width, img.Height, (long)request.Width * request.Height, sf, Math.Max(ph, pw));
        }
        else
        {
            if (request.Image != null) throw new ArgumentException("a start image was given but the model is text-to-video (use an I2V model and --task i2v-A14B)");
            if (request.Width % (sf * pw) != 0 || request.Height % (sf * ph) != 0)
                throw new ArgumentException($"size {request.Width}x{request.Height} must be a multiple of {sf * pw}x{sf * ph} (VAE stride {sf} × patch)");
            (width, height) = (request.Width, request.Height);
        }
        var shape = new LatentShape(Experts.LatentChannels, (request.Frames - 1) / tf + 1, height / sf, width / sf);
        return new GenerationPlan(width, height, request.Frames, shape);
    }

    /// <summary>Generates with prompt embeddings from <paramref name="text"/> (the negative prompt only when some guidance ≠ 1).</summary>
    /// <exception cref="ArgumentException">See <see cref="Plan"/>; contexts the DiT refuses.</exception>
    public GeneratedVideo Generate(GenerationRequest request, PromptEncoder text, Action<DenoiseProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(request); ArgumentNullException.ThrowIfNull(text);
        var ctx = text.Encode(request.Prompt);
        var neg = NeedsNegative(request) ? text.Encode(request.EffectiveNegativePrompt) : null;
        return Generate(request, ctx, neg, progress, ct);
    }

    /// <summary>Whether any expert's guidance scale differs from 1 (so the negative prompt is needed).</summary>
    public static bool NeedsNegative(GenerationRequest request) =>
        request.Experts.LowNoiseGuidance != 1f || request.Experts.HighNoiseGuidance != 1f;

    /// <summary>Generates from precomputed contexts (rows × text_dim; <paramref name="negativeContext"/> may be null when
    /// every guidance scale is 1).</summary>
    /// <exception cref="ArgumentException">See <see cref="Plan"/>; a missing negative context; contexts the DiT refuses.</exception>
    public GeneratedVideo Generate(GenerationRequest request, float[] context, float[]? negativeContext,
        Action<DenoiseProgress>? progress = null, CancellationToken ct = default)
    {
        var latent = Denoise(request, context, negativeContext, out var plan, progress, ct);
        ct.ThrowIfCancellationRequested();
        var s = plan.Latent;
        var video = Vae.Decode(new VaeTensor(latent, s.Channels, s.Frames, s.Height, s.Width), clamp: true);
        return new GeneratedVideo(VideoFrames.FromVideo(video), latent, plan, request.Seed);
    }

    /// <summary>Everything up to the final latent (no VAE decode).</summary>
    public float[] Denoise(GenerationRequest request, float[] context, float[]? negativeContext, out GenerationPlan plan,
        Action<DenoiseProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        plan = Plan(request);
        CheckContext(context, "prompt");
        if (NeedsNegative(request))
        {
            if (negativeContext == null) throw new ArgumentException("guidance ≠ 1 needs the negative prompt's context", nameof(negativeContext));
            CheckContext(negativeContext, "negative prompt");
        }
        var noise = InitialNoise(plan.Latent, request.Seed);
        float[] cond = IsImageToVideo ? ImageConditioning.BuildCondition(Vae, request.Image!, plan.Width, plan.Height, plan.Frames) : [];
        var sampler = FlowSampler.Create(request.Solver, request.Steps, request.Shift);
        return DenoisingLoop.Run(noise, plan.Latent, sampler, Experts, request.Experts, context, negativeContext ?? [], cond, progress, ct);
    }

    void CheckContext(float[] ctx, string what)
    {
        int dim = Experts.Any.TextDim;
        if (ctx.Length == 0 || ctx.Length % dim != 0)
            throw new ArgumentException($"{what} context has {ctx.Length} floats, not a positive multiple of the DiT's text_dim {dim} (wrong T5?)");
        if (ctx.Length / dim > Experts.MaxTextRows)
            throw new ArgumentException($"{what} context has {ctx.Length / dim} rows, more than the DiT's text_len {Experts.MaxTextRows}");
    }

    /// <summary>The initial latent: N(0, 1) float32 from <c>new Prng(seed).FillGaussian</c>, in [C, T, h, w] order.</summary>
    public static float[] InitialNoise(LatentShape shape, ulong seed)
    {
        var x = new float[shape.Elements];
        new Prng(seed).FillGaussian(x);
        return x;
    }
}
