namespace NativeWan.Models.Vae;

/// <summary>
/// The official <c>CausalConv3d</c> (spec 5.1): kernel (Kt, Kh, Kw), zero padding (Kh−1)/2 on each side in space and
/// Kt−1 frames in front in time, nothing behind. Run chunk by chunk with a <see cref="CausalConvCache"/> it equals the
/// full-sequence causal conv (spec 5.3): the cache holds the last Kt−1 input frames seen, and missing history is zero.
/// </summary>
internal sealed class CausalConv3d
{
    public ConvWeights Weights { get; }

    public CausalConv3d(ConvWeights weights) => Weights = weights;

    /// <summary>Loads a 5-D <c>{name}.weight</c>/<c>.bias</c> with kernel (kt, k, k).</summary>
    public static CausalConv3d Load(VaeWeightReader r, string name, int kt, int k, int cin = -1) =>
        new(ConvWeights.Load(r, name, conv3d: true, kt, k, k, cin));

    public int Cout => Weights.Cout;
    public int Cin => Weights.Cin;

    /// <summary>
    /// Convolves chunk <paramref name="x"/> <c>[T, H, W, Cin]</c> → new <c>[T, H, W, Cout]</c>; <paramref name="x"/> is
    /// not freed. With a cache, the Kt−1 frames before the chunk come from it and it is then updated with x's frames;
    /// without one the chunk is treated as the start of the sequence.
    /// </summary>
    public VaeActivation Forward(VaeWorkspace ws, VaeActivation x, CausalConvCache? cache)
    {
        var w = Weights;
        if (x.C != w.Cin) throw new InvalidOperationException($"CausalConv3d expects {w.Cin} channels, got {x.C}");
        int ctx = w.Kt - 1;
        var frames = new FrameRef[ctx + x.T];
        int have = cache?.Count ?? 0;
        for (int i = 0; i < ctx; i++)
        {
            int back = ctx - i;                          // frames before the chunk start
            frames[i] = back <= have ? cache!.Frame(back) : default;
        }
        for (int t = 0; t < x.T; t++) frames[ctx + t] = x.Frame(t);
        int pad = (w.Kh - 1) / 2;
        var y = ws.NewActivation(x.T, x.H, x.W, w.Cout);
        VaeConv.Forward(ws, w, frames, x.H, x.W, false, 1, 1, pad, pad, pad, pad, y);
        cache?.Push(ws, x);
        return y;
    }
}

/// <summary>
/// Feature cache of one causal time convolution: the last <see cref="Capacity"/> input frames seen
/// (the official <c>feat_cache</c> entry, CACHE_T = 2). Frames are copied, so the chunk may be freed afterwards.
/// </summary>
internal sealed class CausalConvCache(int capacity)
{
    float[]? _buf;
    int _frameSize;

    public int Capacity { get; } = capacity;

    /// <summary>Frames held (0 .. Capacity).</summary>
    public int Count { get; private set; }

    /// <summary>The frame <paramref name="back"/> steps before the next chunk (1 = the latest), 1 ≤ back ≤ Count.</summary>
    public FrameRef Frame(int back) => new(_buf, (Capacity - back) * _frameSize, _pixelStride);

    int _pixelStride;

    /// <summary>Appends the frames of <paramref name="x"/>, keeping the last <see cref="Capacity"/>.</summary>
    public void Push(VaeWorkspace ws, VaeActivation x)
    {
        if (Capacity == 0) return;
        if (_buf is null)
        {
            _frameSize = x.FrameSize;
            _pixelStride = x.C;
            _buf = ws.AllocZeroed((long)Capacity * _frameSize);
        }
        else if (x.FrameSize != _frameSize || x.C != _pixelStride)
            throw new InvalidOperationException("VAE feature cache: frame size changed between chunks");
        int n = Math.Min(x.T, Capacity);
        int keep = Capacity - n;
        // Slots hold frames right-aligned: slot Capacity−1 is the latest. Shift the kept history left.
        if (keep > 0) _buf.AsSpan(n * _frameSize, keep * _frameSize).CopyTo(_buf.AsSpan(0, keep * _frameSize));
        for (int i = 0; i < n; i++) x.FrameSpan(x.T - n + i).CopyTo(_buf.AsSpan((keep + i) * _frameSize, _frameSize));
        Count = Math.Min(Count + x.T, Capacity);
    }

    /// <summary>Releases the buffer.</summary>
    public void Release(VaeWorkspace ws) { ws.Free(_buf); _buf = null; Count = 0; }
}
