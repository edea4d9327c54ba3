namespace NativeWan.Models.Vae;

/// <summary>The four official <c>Resample</c> modes.</summary>
internal enum VaeResampleMode { Downsample2d, Downsample3d, Upsample2d, Upsample3d }

/// <summary>
/// Official <c>Resample</c> (spec 5.1, temporal rules 5.3). Keys: <c>resample.1.*</c> (the Conv2d) and, for the 3-D
/// modes, <c>time_conv.*</c>.
/// <list type="bullet">
/// <item>downsample2d: per frame ZeroPad2d(left 0, right 1, top 0, bottom 1) then Conv2d(C, C, 3, stride 2).</item>
/// <item>downsample3d: the same, then on every chunk but the first the time conv (3,1,1) stride 2 over
/// [last frame of the previous chunk] ++ chunk; the first chunk passes through.</item>
/// <item>upsample2d: nearest ×2 then Conv2d(C, C/2, 3, pad 1).</item>
/// <item>upsample3d: on every chunk but the first, a causal time conv (C → 2C) over the sub-sequence that starts
/// with the second chunk, its channels [0, C) and [C, 2C) becoming two consecutive frames; then as upsample2d.</item>
/// </list>
/// </summary>
internal sealed class VaeResample : IVaeLayer
{
    readonly ConvWeights _spatial;
    readonly CausalConv3d? _time;
    readonly int _slot = -1;

    public VaeResampleMode Mode { get; }
    public int InChannels => _spatial.Cin;
    public int OutChannels => _spatial.Cout;

    public VaeResample(VaeWeightReader r, string name, bool decoder, VaeSlotCounter slots, int channels)
    {
        bool temporal = r.Has(name + ".time_conv.weight");
        Mode = decoder
            ? temporal ? VaeResampleMode.Upsample3d : VaeResampleMode.Upsample2d
            : temporal ? VaeResampleMode.Downsample3d : VaeResampleMode.Downsample2d;
        if (temporal)
        {
            _time = CausalConv3d.Load(r, name + ".time_conv", 3, 1, channels);
            int expect = decoder ? 2 * channels : channels;
            if (_time.Cout != expect) throw r.Error(name + ".time_conv.weight", $"expected {expect} output channels, got {_time.Cout}");
            _slot = slots.Next();
        }
        _spatial = ConvWeights.Load(r, name + ".resample.1", conv3d: false, 1, 3, 3, channels);
        int outC = decoder ? channels / 2 : channels;
        if (_spatial.Cout != outC) throw r.Error(name + ".resample.1.weight", $"expected {outC} output channels, got {_spatial.Cout}");
    }

    public VaeActivation Forward(VaeWorkspace ws, VaeActivation x, VaeStreamState state) => Mode switch
    {
        VaeResampleMode.Downsample2d or VaeResampleMode.Downsample3d => Down(ws, x, state),
        _ => Up(ws, x, state),
    };

    VaeActivation Down(VaeWorkspace ws, VaeActivation x, VaeStreamState state)
    {
        var frames = new FrameRef[x.T];
        for (int t = 0; t < x.T; t++) frames[t] = x.Frame(t);
        var y = ws.NewActivation(x.T, (x.H + 1 - 3) / 2 + 1, (x.W + 1 - 3) / 2 + 1, _spatial.Cout);
        VaeConv.Forward(ws, _spatial, frames, x.H, x.W, false, 1, 2, 0, 1, 0, 1, y);
        ws.Free(x);
        if (_time is null) return y;

        var cache = state.Cache(_slot, 1);
        if (cache.Count == 0)
        {
            // First chunk: no time conv; remember its last frame.
            cache.Push(ws, y);
            return y;
        }
        var tf = new FrameRef[1 + y.T];
        tf[0] = cache.Frame(1);
        for (int t = 0; t < y.T; t++) tf[1 + t] = y.Frame(t);
        var z = ws.NewActivation((tf.Length - 3) / 2 + 1, y.H, y.W, _time.Cout);
        VaeConv.Forward(ws, _time.Weights, tf, y.H, y.W, false, 2, 1, 0, 0, 0, 0, z);
        cache.Push(ws, y);
        ws.Free(y);
        return z;
    }

    VaeActivation Up(VaeWorkspace ws, VaeActivation x, VaeStreamState state)
    {
        FrameRef[] frames;
        VaeActivation? doubled = null;
        if (_time is not null && !state.FirstVisit(_slot))
        {
            doubled = _time.Forward(ws, x, state.Cache(_slot, 2));
            ws.Free(x);
            int c2 = doubled.C, half = c2 / 2;
            frames = new FrameRef[2 * doubled.T];
            for (int t = 0; t < doubled.T; t++)
            {
                frames[2 * t] = new FrameRef(doubled.Data, t * doubled.FrameSize, c2);
                frames[2 * t + 1] = new FrameRef(doubled.Data, t * doubled.FrameSize + half, c2);
            }
        }
        else
        {
            frames = new FrameRef[x.T];
            for (int t = 0; t < x.T; t++) frames[t] = x.Frame(t);
        }
        var src = doubled ?? x;
        var y = ws.NewActivation(frames.Length, 2 * src.H, 2 * src.W, _spatial.Cout);
        VaeConv.Forward(ws, _spatial, frames, src.H, src.W, true, 1, 1, 1, 1, 1, 1, y);
        if (doubled != null) ws.Free(doubled); else ws.Free(x);
        return y;
    }
}
