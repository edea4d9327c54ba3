namespace NativeWan.Models.Vae;

/// <summary>Conversions between the public channel-first <see cref="VaeTensor"/> and internal channel-last chunks.</summary>
internal static class Layout
{
    /// <summary>x[t, y, x, c] = video[c, start + t, y, x] for t &lt; x.T.</summary>
    public static void ToChannelLast(VaeTensor video, int start, VaeActivation x)
    {
        int c = x.C, hw = x.Pixels;
        Par(x.T * c, (long)x.T * c * hw, tc =>
        {
            int t = tc / c, ch = tc % c;
            var src = video.Data.AsSpan((int)(((long)ch * video.Frames + start + t) * hw), hw);
            var dst = x.Data;
            int o = t * x.FrameSize + ch;
            for (int p = 0; p < hw; p++) dst[o + p * c] = src[p];
        });
    }

    /// <summary>video[c, start + t, y, x] = y[t, y, x, c], optionally clamped to [−1, 1].</summary>
    public static void ToChannelFirst(VaeActivation y, VaeTensor video, int start, bool clamp)
    {
        int c = y.C, hw = y.Pixels;
        Par(y.T * c, (long)y.T * c * hw, tc =>
        {
            int t = tc / c, ch = tc % c;
            var dst = video.Data.AsSpan((int)(((long)ch * video.Frames + start + t) * hw), hw);
            var src = y.Data;
            int o = t * y.FrameSize + ch;
            if (clamp) for (int p = 0; p < hw; p++) dst[p] = Math.Clamp(src[o + p * c], -1f, 1f);
            else for (int p = 0; p < hw; p++) dst[p] = src[o + p * c];
        });
    }

    static void Par(int n, long work, Action<int> body)
    {
        if (work < 1 << 16) { for (int i = 0; i < n; i++) body(i); }
        else Parallel.For(0, n, body);
    }

    /// <summary>
    /// latent[ch, start + t, ·] = (m[t, ·, ch] − mean[ch]) · invStd[ch] for ch &lt; z (raw when mean is null); channels
    /// ≥ z of <paramref name="m"/> (the log-variance) are ignored.
    /// </summary>
    public static void WriteLatent(VaeActivation m, int z, VaeTensor latent, int start, float[]? mean, float[]? invStd)
    {
        int c = m.C, hw = m.Pixels;
        for (int t = 0; t < m.T; t++)
            for (int ch = 0; ch < z; ch++)
            {
                var dst = latent.Data.AsSpan((int)(((long)ch * latent.Frames + start + t) * hw), hw);
                int o = t * m.FrameSize + ch;
                for (int p = 0; p < hw; p++)
                {
                    float v = m.Data[o + p * c];
                    dst[p] = mean is null ? v : (v - mean[ch]) * invStd![ch];
                }
            }
    }

    /// <summary>x[0, ·, ch] = latent[ch, frame, ·] / invStd[ch] + mean[ch] (raw when mean is null).</summary>
    public static void ReadLatent(VaeTensor latent, int frame, VaeActivation x, float[]? mean, float[]? invStd)
    {
        int c = x.C, hw = x.Pixels;
        for (int ch = 0; ch < c; ch++)
        {
            var src = latent.Data.AsSpan((int)(((long)ch * latent.Frames + frame) * hw), hw);
            for (int p = 0; p < hw; p++)
                x.Data[p * c + ch] = mean is null ? src[p] : src[p] / invStd![ch] + mean[ch];
        }
    }
}

/// <summary>Collects whole-clip copies of named intermediates (channel-first) for tests against golden <c>dbg.*</c> tensors.</summary>
internal sealed class VaeTrace
{
    readonly Dictionary<string, VaeTensor> _tensors = new();

    public IReadOnlyDictionary<string, VaeTensor> Tensors => _tensors;

    public void Record(string name, VaeActivation a, int start, int totalFrames)
    {
        if (!_tensors.TryGetValue(name, out var t))
            _tensors[name] = t = VaeTensor.Zeros(a.C, totalFrames, a.H, a.W);
        Layout.ToChannelFirst(a, t, start, clamp: false);
    }
}
