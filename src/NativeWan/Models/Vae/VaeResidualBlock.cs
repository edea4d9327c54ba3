using System.Numerics.Tensors;

namespace NativeWan.Models.Vae;

/// <summary>
/// Official <c>ResidualBlock(in, out)</c> (spec 5.1): RMS_norm → SiLU → CausalConv3d(in, out, 3) → RMS_norm → SiLU →
/// CausalConv3d(out, out, 3), plus the shortcut (1×1×1 conv when in ≠ out, else identity). Keys
/// <c>residual.0.gamma</c>, <c>residual.2.*</c>, <c>residual.3.gamma</c>, <c>residual.6.*</c>, <c>shortcut.*</c>.
/// </summary>
internal sealed class VaeResidualBlock : IVaeLayer
{
    readonly ChannelRmsNorm _norm1, _norm2;
    readonly CausalConv3d _conv1, _conv2;
    readonly CausalConv3d? _shortcut;
    readonly int _slot1, _slot2;

    public int InChannels => _conv1.Cin;
    public int OutChannels => _conv2.Cout;

    public VaeResidualBlock(VaeWeightReader r, string name, VaeSlotCounter slots, int cin = -1)
    {
        _norm1 = ChannelRmsNorm.Load(r, name + ".residual.0", cin);
        _conv1 = CausalConv3d.Load(r, name + ".residual.2", 3, 3, _norm1.Channels);
        _norm2 = ChannelRmsNorm.Load(r, name + ".residual.3", _conv1.Cout);
        _conv2 = CausalConv3d.Load(r, name + ".residual.6", 3, 3, _conv1.Cout);
        if (_conv2.Cout != _conv1.Cout) throw r.Error(name + ".residual.6.weight", $"expected {_conv1.Cout} output channels, got {_conv2.Cout}");
        if (r.Has(name + ".shortcut.weight")) _shortcut = CausalConv3d.Load(r, name + ".shortcut", 1, 1, _norm1.Channels);
        else if (_conv1.Cin != _conv2.Cout) throw r.Error(name + ".shortcut.weight", $"missing: block maps {_conv1.Cin} → {_conv2.Cout} channels");
        if (_shortcut != null && _shortcut.Cout != _conv2.Cout) throw r.Error(name + ".shortcut.weight", $"expected {_conv2.Cout} output channels");
        _slot1 = slots.Next();
        _slot2 = slots.Next();
    }

    public VaeActivation Forward(VaeWorkspace ws, VaeActivation x, VaeStreamState state)
    {
        var h = _shortcut?.Forward(ws, x, null) ?? x;
        var a = ws.NewActivation(x.T, x.H, x.W, x.C);
        _norm1.Apply(x.Data, a.Data, (long)x.T * x.Pixels, silu: true);
        if (_shortcut != null) ws.Free(x);
        var b = _conv1.Forward(ws, a, state.Cache(_slot1, 2));
        ws.Free(a);
        _norm2.Apply(b.Data, b.Data, (long)b.T * b.Pixels, silu: true);
        var y = _conv2.Forward(ws, b, state.Cache(_slot2, 2));
        ws.Free(b);
        AddInPlace(y.Data, h.Data, y.Length);
        ws.Free(h);
        return y;
    }

    internal static void AddInPlace(float[] y, float[] h, long n)
    {
        const int block = 1 << 16;
        long blocks = (n + block - 1) / block;
        void Run(long b)
        {
            int s = (int)(b * block), len = (int)Math.Min(block, n - s);
            TensorPrimitives.Add(y.AsSpan(s, len), h.AsSpan(s, len), y.AsSpan(s, len));
        }
        if (blocks <= 1) Run(0);
        else Parallel.For(0L, blocks, Run);
    }
}
