namespace NativeWan.Ops.Cpu;

/// <summary>
/// Geometry of a [Channels, Frames, Height, Width] latent cut into (Pt, Ph, Pw) patches (spec 2.2/2.7).
/// Tokens are ordered row-major over the grid: <c>n = (f·GridH + h)·GridW + w</c>.
/// </summary>
/// <exception cref="ArgumentException">Non-positive sizes or a latent size not divisible by its patch size.</exception>
public readonly record struct PatchGeometry
{
    public int Channels { get; }
    public int Frames { get; }
    public int Height { get; }
    public int Width { get; }
    public int Pt { get; }
    public int Ph { get; }
    public int Pw { get; }

    public PatchGeometry(int channels, int frames, int height, int width, int pt, int ph, int pw)
    {
        if (channels <= 0 || frames <= 0 || height <= 0 || width <= 0 || pt <= 0 || ph <= 0 || pw <= 0)
            throw new ArgumentException($"patch geometry needs positive sizes (latent [{channels}, {frames}, {height}, {width}], patch ({pt}, {ph}, {pw}))");
        if (frames % pt != 0 || height % ph != 0 || width % pw != 0)
            throw new ArgumentException($"latent [{channels}, {frames}, {height}, {width}] is not divisible by the patch size ({pt}, {ph}, {pw})");
        Channels = channels; Frames = frames; Height = height; Width = width; Pt = pt; Ph = ph; Pw = pw;
    }

    public int GridF => Frames / Pt;
    public int GridH => Height / Ph;
    public int GridW => Width / Pw;
    /// <summary>Number of tokens GridF·GridH·GridW.</summary>
    public int Tokens => GridF * GridH * GridW;
    /// <summary>Elements per patch and channel, Pt·Ph·Pw.</summary>
    public int PatchVolume => Pt * Ph * Pw;
    /// <summary>Token width Channels·Pt·Ph·Pw.</summary>
    public int TokenWidth => Channels * PatchVolume;
    /// <summary>Elements of the latent.</summary>
    public long LatentElements => (long)Channels * Frames * Height * Width;
}

public static unsafe partial class CpuOps
{
    /// <summary>
    /// Cuts a latent [C, F, H, W] into tokens [Tokens, C·Pt·Ph·Pw] (spec 2.2). With
    /// <paramref name="channelInnermost"/> = false (patch embedding, Conv3d weight order) the token vector is ordered
    /// (c, pt, ph, pw); with true (the head's layout, spec 2.7) it is (pt, ph, pw, c). A pure permutation.
    /// </summary>
    /// <param name="tokens">[Tokens, TokenWidth].</param>
    /// <param name="latent">[C, F, H, W].</param>
    /// <param name="g">Latent and patch geometry.</param>
    /// <param name="channelInnermost">Token vector order: false = (c, pt, ph, pw), true = (pt, ph, pw, c).</param>
    public static void PatchifyForward(Span<float> tokens, ReadOnlySpan<float> latent, PatchGeometry g, bool channelInnermost = false)
    {
        Need(tokens.Length, (long)g.Tokens * g.TokenWidth, nameof(tokens)); Need(latent.Length, g.LatentElements, nameof(latent));
        fixed (float* pt = tokens, pl = latent) Permute((nint)pt, (nint)pl, g, channelInnermost, toTokens: true);
    }

    /// <summary>Backward of <see cref="PatchifyForward"/>: the inverse permutation, tokens → latent.</summary>
    /// <param name="dlatent">[C, F, H, W], overwritten.</param>
    /// <param name="dtokens">[Tokens, TokenWidth].</param>
    /// <param name="g">Latent and patch geometry.</param>
    /// <param name="channelInnermost">Token vector order: false = (c, pt, ph, pw), true = (pt, ph, pw, c).</param>
    public static void PatchifyBackward(Span<float> dlatent, ReadOnlySpan<float> dtokens, PatchGeometry g, bool channelInnermost = false) =>
        UnpatchifyForward(dlatent, dtokens, g, channelInnermost);

    /// <summary>
    /// Reassembles tokens [Tokens, TokenWidth] into a latent [C, F, H, W] (spec 2.7: the head output uses
    /// <paramref name="channelInnermost"/> = true, <c>out[c, f·Pt+a, h·Ph+q, w·Pw+r] = tok[n, ((a·Ph+q)·Pw+r)·C + c]</c>).
    /// </summary>
    public static void UnpatchifyForward(Span<float> latent, ReadOnlySpan<float> tokens, PatchGeometry g, bool channelInnermost = true)
    {
        Need(tokens.Length, (long)g.Tokens * g.TokenWidth, nameof(tokens)); Need(latent.Length, g.LatentElements, nameof(latent));
        fixed (float* pt = tokens, pl = latent) Permute((nint)pt, (nint)pl, g, channelInnermost, toTokens: false);
    }

    /// <summary>Backward of <see cref="UnpatchifyForward"/>: latent gradient → token gradient (the inverse permutation).</summary>
    public static void UnpatchifyBackward(Span<float> dtokens, ReadOnlySpan<float> dlatent, PatchGeometry g, bool channelInnermost = true) =>
        PatchifyForward(dtokens, dlatent, g, channelInnermost);

    static void Permute(nint tok, nint lat, PatchGeometry g, bool channelInnermost, bool toTokens)
    {
        int C = g.Channels, H = g.Height, W = g.Width, pt = g.Pt, ph = g.Ph, pw = g.Pw;
        int gh = g.GridH, gw = g.GridW, pv = g.PatchVolume, tw = g.TokenWidth;
        CpuParallel.For(g.Tokens, tw, n =>
        {
            int f = n / (gh * gw), h = n / gw % gh, w = n % gw;
            float* t = (float*)tok + (long)n * tw;
            for (int c = 0; c < C; c++)
                for (int a = 0; a < pt; a++)
                    for (int q = 0; q < ph; q++)
                        for (int r = 0; r < pw; r++)
                        {
                            int p = (a * ph + q) * pw + r;
                            int ti = channelInnermost ? p * C + c : c * pv + p;
                            long li = (((long)c * g.Frames + f * pt + a) * H + h * ph + q) * W + w * pw + r;
                            if (toTokens) t[ti] = ((float*)lat)[li];
                            else ((float*)lat)[li] = t[ti];
                        }
        });
    }
}
