using NativeWan.IO;

namespace NativeWan.Models.Vae;

/// <summary>
/// Float32 CPU reference of the Wan 2.1 VAE (<c>WanVAE_</c> + the <c>Wan2_1_VAE</c> wrapper, spec 5.1–5.3), numerically
/// equal to the official chunked causal code. Encode runs the encoder on frame 0, then on chunks of
/// <see cref="WanVaeConfig.TemporalFactor"/> (4) frames; decode runs the decoder one latent frame at a time. Between
/// chunks only each causal conv's last two input frames (and the resamples' one-frame caches) are kept, so working
/// memory is bounded by one chunk, not by the clip length. Instances are immutable and thread-safe.
/// </summary>
public sealed class WanVae
{
    /// <summary>Per-channel latent mean of the Wan 2.1 VAE (spec 5.2; the wrapper's hard-coded constants).</summary>
    public static IReadOnlyList<float> Wan21LatentMean { get; } = Array.AsReadOnly(new[]
    {
        -0.7571f, -0.7089f, -0.9113f, 0.1075f, -0.1745f, 0.9653f, -0.1517f, 1.5508f,
        0.4134f, -0.0715f, 0.5517f, -0.3632f, -0.1922f, -0.9497f, 0.2503f, -0.2921f,
    });

    /// <summary>Per-channel latent standard deviation of the Wan 2.1 VAE (spec 5.2).</summary>
    public static IReadOnlyList<float> Wan21LatentStd { get; } = Array.AsReadOnly(new[]
    {
        2.8184f, 1.4541f, 2.3275f, 2.6558f, 1.2196f, 1.7708f, 2.6052f, 2.0743f,
        3.2687f, 2.1526f, 2.8652f, 1.5579f, 1.6382f, 1.1253f, 2.8251f, 1.9160f,
    });

    readonly VaeTrunk _encoder, _decoder;
    readonly ConvWeights _conv1, _conv2;
    readonly float[] _mean, _invStd;

    /// <summary>The configuration inferred from the weights.</summary>
    public WanVaeConfig Config { get; }

    /// <summary>Latent mean used by normalization (length <see cref="WanVaeConfig.ZDim"/>).</summary>
    public IReadOnlyList<float> LatentMean => _mean;

    /// <summary>float32(1/std) used by normalization, as the official wrapper computes it.</summary>
    public IReadOnlyList<float> LatentInvStd => _invStd;

    WanVae(VaeWeightReader r, float[] mean, float[] std)
    {
        Config = WanVaeConfig.FromReader(r);
        int z = Config.ZDim;
        if (mean.Length != z || std.Length != z)
            throw new ArgumentException($"latent mean/std have {mean.Length}/{std.Length} entries but the VAE in {r.SourcePath} has z_dim {z}");
        _mean = (float[])mean.Clone();
        _invStd = new float[z];
        for (int i = 0; i < z; i++)
        {
            if (!(std[i] > 0)) throw new ArgumentException($"latent std[{i}] = {std[i]} is not positive");
            _invStd[i] = 1f / std[i];
        }
        _encoder = new VaeTrunk(r, "encoder", -1);
        if (_encoder.OutChannels != 2 * z) throw r.Error("encoder.head.2.weight", $"expected {2 * z} output channels (mean and log-variance), got {_encoder.OutChannels}");
        _conv1 = ConvWeights.Load(r, "conv1", conv3d: true, 1, 1, 1, 2 * z);
        if (_conv1.Cout != 2 * z) throw r.Error("conv1.weight", $"expected {2 * z} output channels");
        _conv2 = ConvWeights.Load(r, "conv2", conv3d: true, 1, 1, 1, z);
        _decoder = new VaeTrunk(r, "decoder", z);
        if (_decoder.OutChannels != _encoder.InChannels)
            throw r.Error("decoder.head.2.weight", $"decoder emits {_decoder.OutChannels} channels but the encoder takes {_encoder.InChannels}");
    }

    /// <summary>
    /// Builds the VAE from a checkpoint with the official state-dict names (<c>encoder.*</c>, <c>conv1.*</c>,
    /// <c>conv2.*</c>, <c>decoder.*</c>; ComfyUI's <c>wan_2.1_vae.safetensors</c> uses the same names, spec 5.1).
    /// A container prefix such as <c>first_stage_model.</c> is detected and skipped. Any float dtype is converted to
    /// float32. Normalization uses the Wan 2.1 constants (<see cref="Wan21LatentMean"/>/<see cref="Wan21LatentStd"/>)
    /// unless <paramref name="latentMean"/>/<paramref name="latentStd"/> are given.
    /// </summary>
    /// <exception cref="ModelFileException">Missing tensor or inconsistent shapes (names the file and tensor).</exception>
    /// <exception cref="ArgumentException">Mean/std length differs from z_dim, or a std is not positive.</exception>
    public static WanVae Load(ITensorSource weights, IReadOnlyList<float>? latentMean = null, IReadOnlyList<float>? latentStd = null)
    {
        var r = new VaeWeightReader(weights);
        return new WanVae(r, [.. latentMean ?? Wan21LatentMean], [.. latentStd ?? Wan21LatentStd]);
    }

    /// <summary>
    /// Encodes a video <c>[3, F, H, W]</c> with values in [−1, 1] into the latent <c>[ZDim, 1 + (F−1)/4, H/8, W/8]</c>
    /// (factors from <see cref="Config"/>). With <paramref name="normalize"/> (default) the result is
    /// <c>(μ − mean) · (1/std)</c> as <c>Wan2_1_VAE.encode</c> returns it (spec 5.2); otherwise the raw posterior
    /// mean μ (ComfyUI's convention). The log-variance is discarded; no sampling.
    /// </summary>
    /// <exception cref="ArgumentException">Wrong channel count, F ≠ 1 + 4n, or H/W not divisible by 8.</exception>
    public VaeTensor Encode(VaeTensor video, bool normalize = true) => Encode(video, normalize, new VaeWorkspace(), null);

    /// <summary>
    /// Decodes a latent <c>[ZDim, T, h, w]</c> into a video <c>[3, 1 + 4(T−1), 8h, 8w]</c>. With
    /// <paramref name="normalized"/> (default) the latent is first mapped back by <c>z / (1/std) + mean</c>. With
    /// <paramref name="clamp"/> (default) the output is clamped to [−1, 1] as <c>Wan2_1_VAE.decode</c> does
    /// (golden <c>decoded</c>); without, it is the raw decoder output (golden <c>decoded_raw</c>).
    /// </summary>
    /// <exception cref="ArgumentException">Channel count differs from z_dim.</exception>
    public VaeTensor Decode(VaeTensor latent, bool clamp = true, bool normalized = true) =>
        Decode(latent, clamp, normalized, new VaeWorkspace(), null);

    /// <summary>Checks a video shape for <see cref="Encode(VaeTensor, bool)"/>; returns the latent frame count.</summary>
    /// <exception cref="ArgumentException">As documented on Encode.</exception>
    public int LatentFramesFor(int channels, int frames, int height, int width)
    {
        int tf = Config.TemporalFactor, sf = Config.SpatialFactor;
        if (channels != _encoder.InChannels)
            throw new ArgumentException($"VAE encode: video has {channels} channels, expected {_encoder.InChannels} (layout [C, F, H, W])");
        if (frames < 1 || (frames - 1) % tf != 0)
            throw new ArgumentException($"VAE encode: frame count {frames} is not {tf}n+1 (1, {1 + tf}, {1 + 2 * tf}, ...)");
        if (height % sf != 0 || width % sf != 0)
            throw new ArgumentException($"VAE encode: size {height}x{width} (HxW) is not divisible by {sf}");
        return 1 + (frames - 1) / tf;
    }

    internal VaeTensor Encode(VaeTensor video, bool normalize, VaeWorkspace ws, VaeTrace? trace)
    {
        ArgumentNullException.ThrowIfNull(video);
        int latFrames = LatentFramesFor(video.Channels, video.Frames, video.Height, video.Width);
        int z = Config.ZDim, tf = Config.TemporalFactor, sf = Config.SpatialFactor;
        int h = video.Height / sf, w = video.Width / sf;
        var result = VaeTensor.Zeros(z, latFrames, h, w);
        var state = _encoder.NewState();
        try
        {
            int lt = 0;
            for (int start = 0; start < video.Frames; start += start == 0 ? 1 : tf)
            {
                int count = start == 0 ? 1 : tf;
                var x = ws.NewActivation(count, video.Height, video.Width, video.Channels);
                Layout.ToChannelLast(video, start, x);
                var e = _encoder.Forward(ws, x, state);
                trace?.Record("encoder_out", e, lt, latFrames);
                var m = ws.NewActivation(e.T, e.H, e.W, _conv1.Cout);
                VaeConv.Forward(ws, _conv1, Frames(e), e.H, e.W, false, 1, 1, 0, 0, 0, 0, m);
                ws.Free(e);
                trace?.Record("moments", m, lt, latFrames);
                if (lt + m.T > latFrames || m.H != h || m.W != w)
                    throw new InvalidOperationException($"VAE encode produced an unexpected chunk [{m.T}, {m.H}, {m.W}]");
                Layout.WriteLatent(m, z, result, lt, normalize ? _mean : null, normalize ? _invStd : null);
                lt += m.T;
                ws.Free(m);
            }
            if (lt != latFrames) throw new InvalidOperationException($"VAE encode produced {lt} latent frames, expected {latFrames}");
        }
        finally { state.Release(ws); }
        return result;
    }

    internal VaeTensor Decode(VaeTensor latent, bool clamp, bool normalized, VaeWorkspace ws, VaeTrace? trace)
    {
        ArgumentNullException.ThrowIfNull(latent);
        int z = Config.ZDim, tf = Config.TemporalFactor, sf = Config.SpatialFactor;
        if (latent.Channels != z)
            throw new ArgumentException($"VAE decode: latent has {latent.Channels} channels, expected {z} (layout [C, T, h, w])");
        int frames = 1 + tf * (latent.Frames - 1);
        var video = VaeTensor.Zeros(_decoder.OutChannels, frames, latent.Height * sf, latent.Width * sf);
        var state = _decoder.NewState();
        try
        {
            int ft = 0;
            for (int i = 0; i < latent.Frames; i++)
            {
                var x = ws.NewActivation(1, latent.Height, latent.Width, z);
                Layout.ReadLatent(latent, i, x, normalized ? _mean : null, normalized ? _invStd : null);
                var c = ws.NewActivation(1, x.H, x.W, _conv2.Cout);
                VaeConv.Forward(ws, _conv2, Frames(x), x.H, x.W, false, 1, 1, 0, 0, 0, 0, c);
                ws.Free(x);
                trace?.Record("conv2_out", c, i, latent.Frames);
                var y = _decoder.Forward(ws, c, state);
                if (ft + y.T > frames || y.H != video.Height || y.W != video.Width)
                    throw new InvalidOperationException($"VAE decode produced an unexpected chunk [{y.T}, {y.H}, {y.W}]");
                Layout.ToChannelFirst(y, video, ft, clamp);
                ft += y.T;
                ws.Free(y);
            }
            if (ft != frames) throw new InvalidOperationException($"VAE decode produced {ft} frames, expected {frames}");
        }
        finally { state.Release(ws); }
        return video;
    }

    static FrameRef[] Frames(VaeActivation a)
    {
        var f = new FrameRef[a.T];
        for (int t = 0; t < a.T; t++) f[t] = a.Frame(t);
        return f;
    }
}
