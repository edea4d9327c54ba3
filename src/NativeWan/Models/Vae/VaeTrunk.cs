namespace NativeWan.Models.Vae;

/// <summary>
/// The official <c>Encoder3d</c> / <c>Decoder3d</c> (spec 5.1) built from the layer list found in the weights.
/// Encoder: <c>conv1</c> (CausalConv3d 3×3×3) → <c>downsamples.*</c> (residual blocks, resamples and any attention
/// blocks, in index order) → <c>middle.0/1/2</c> (Res, Attn, Res) → head. Decoder: <c>conv1</c> → middle →
/// <c>upsamples.*</c> → head. Head: <c>head.0</c> RMS_norm, SiLU, <c>head.2</c> CausalConv3d 3×3×3. Processes one temporal chunk per call with its streaming state.
/// </summary>
internal sealed class VaeTrunk
{
    readonly CausalConv3d _conv1, _head;
    readonly ChannelRmsNorm _headNorm;
    readonly IVaeLayer[] _layers;
    readonly int _conv1Slot, _headSlot;

    public int InChannels => _conv1.Cin;
    public int OutChannels => _head.Cout;
    public int StateSlots { get; }
    public IReadOnlyList<IVaeLayer> Layers => _layers;

    /// <param name="r">Weights.</param>
    /// <param name="prefix"><c>encoder</c> or <c>decoder</c>.</param>
    /// <param name="inChannels">Expected input channels of <c>conv1</c>, or −1 to take them from the weights.</param>
    public VaeTrunk(VaeWeightReader r, string prefix, int inChannels)
    {
        bool decoder = prefix == "decoder";
        var slots = new VaeSlotCounter();
        _conv1 = CausalConv3d.Load(r, prefix + ".conv1", 3, 3, inChannels);
        _conv1Slot = slots.Next();
        int c = _conv1.Cout;
        var layers = new List<IVaeLayer>();
        if (decoder) c = AddMiddle(r, prefix, slots, layers, c);
        string list = prefix + (decoder ? ".upsamples." : ".downsamples.");
        int n = r.CountIndexed(list);
        if (n == 0) throw r.Error(list + "0", "no resolution stages found");
        for (int i = 0; i < n; i++)
        {
            string name = list + i;
            if (r.Has(name + ".residual.0.gamma"))
            {
                var b = new VaeResidualBlock(r, name, slots, c);
                c = b.OutChannels;
                layers.Add(b);
            }
            else if (r.Has(name + ".resample.1.weight"))
            {
                var s = new VaeResample(r, name, decoder, slots, c);
                c = s.OutChannels;
                layers.Add(s);
            }
            else if (r.Has(name + ".to_qkv.weight")) layers.Add(new VaeAttentionBlock(r, name, c));
            else throw r.Error(name, "unrecognised layer (expected a residual block, resample or attention block)");
        }
        if (!decoder) c = AddMiddle(r, prefix, slots, layers, c);
        _layers = [.. layers];
        _headNorm = ChannelRmsNorm.Load(r, prefix + ".head.0", c);
        _head = CausalConv3d.Load(r, prefix + ".head.2", 3, 3, c);
        _headSlot = slots.Next();
        StateSlots = slots.Count;
    }

    /// <summary><c>middle.0/1/2</c>: Res, Attn, Res at the bottleneck width; returns the output channels.</summary>
    static int AddMiddle(VaeWeightReader r, string prefix, VaeSlotCounter slots, List<IVaeLayer> layers, int c)
    {
        var m0 = new VaeResidualBlock(r, prefix + ".middle.0", slots, c);
        layers.Add(m0);
        layers.Add(new VaeAttentionBlock(r, prefix + ".middle.1", m0.OutChannels));
        var m2 = new VaeResidualBlock(r, prefix + ".middle.2", slots, m0.OutChannels);
        layers.Add(m2);
        return m2.OutChannels;
    }

    /// <summary>A fresh streaming state (empty caches) for a new clip.</summary>
    public VaeStreamState NewState() => new(StateSlots);

    /// <summary>Runs one chunk; consumes (frees) <paramref name="x"/>.</summary>
    public VaeActivation Forward(VaeWorkspace ws, VaeActivation x, VaeStreamState state)
    {
        var h = _conv1.Forward(ws, x, state.Cache(_conv1Slot, 2));
        ws.Free(x);
        foreach (var layer in _layers) h = layer.Forward(ws, h, state);
        _headNorm.Apply(h.Data, h.Data, (long)h.T * h.Pixels, silu: true);
        var y = _head.Forward(ws, h, state.Cache(_headSlot, 2));
        ws.Free(h);
        return y;
    }
}
