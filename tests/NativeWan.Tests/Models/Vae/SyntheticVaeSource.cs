using System.Runtime.InteropServices;
using NativeWan.IO;
using NativeWan.Numerics;

namespace NativeWan.Tests.Models.Vae;

/// <summary>
/// An in-memory checkpoint with the official <c>WanVAE_</c> key names and shapes for any configuration (written from
/// the <c>Encoder3d</c>/<c>Decoder3d</c> constructors, spec 5.1), filled with deterministic random values
/// (conv weights uniform with variance 1/fan_in, biases ±0.05, gammas 1 ± 0.1). No data is stored until read.
/// </summary>
internal sealed class SyntheticVaeSource : ITensorSource
{
    readonly Dictionary<string, TensorInfo> _map = new();
    readonly List<TensorInfo> _list = new();

    public SyntheticVaeSource(int dim, int zDim, int[] dimMult, int numRes, bool[] temporalDown)
    {
        int[] enc = [dim, .. dimMult.Select(m => dim * m)];
        Add("encoder.conv1.weight", enc[0], 3, 3, 3, 3); Add("encoder.conv1.bias", enc[0]);
        int idx = 0, cout = enc[0];
        for (int i = 0; i < dimMult.Length; i++)
        {
            int cin = enc[i]; cout = enc[i + 1];
            for (int r = 0; r < numRes; r++) { Res($"encoder.downsamples.{idx++}", cin, cout); cin = cout; }
            if (i != dimMult.Length - 1)
            {
                string n = $"encoder.downsamples.{idx++}";
                Add(n + ".resample.1.weight", cout, cout, 3, 3); Add(n + ".resample.1.bias", cout);
                if (temporalDown[i]) { Add(n + ".time_conv.weight", cout, cout, 3, 1, 1); Add(n + ".time_conv.bias", cout); }
            }
        }
        Middle("encoder", cout);
        Add("encoder.head.0.gamma", cout, 1, 1, 1);
        Add("encoder.head.2.weight", 2 * zDim, cout, 3, 3, 3); Add("encoder.head.2.bias", 2 * zDim);
        Add("conv1.weight", 2 * zDim, 2 * zDim, 1, 1, 1); Add("conv1.bias", 2 * zDim);
        Add("conv2.weight", zDim, zDim, 1, 1, 1); Add("conv2.bias", zDim);

        int[] dec = [dim * dimMult[^1], .. dimMult.Reverse().Select(m => dim * m)];
        var temporalUp = temporalDown.Reverse().ToArray();
        Add("decoder.conv1.weight", dec[0], zDim, 3, 3, 3); Add("decoder.conv1.bias", dec[0]);
        Middle("decoder", dec[0]);
        idx = 0;
        for (int i = 0; i < dimMult.Length; i++)
        {
            int cin = i == 0 ? dec[0] : dec[i] / 2; cout = dec[i + 1];
            for (int r = 0; r < numRes + 1; r++) { Res($"decoder.upsamples.{idx++}", cin, cout); cin = cout; }
            if (i != dimMult.Length - 1)
            {
                string n = $"decoder.upsamples.{idx++}";
                Add(n + ".resample.1.weight", cout / 2, cout, 3, 3); Add(n + ".resample.1.bias", cout / 2);
                if (temporalUp[i]) { Add(n + ".time_conv.weight", 2 * cout, cout, 3, 1, 1); Add(n + ".time_conv.bias", 2 * cout); }
            }
        }
        Add("decoder.head.0.gamma", cout, 1, 1, 1);
        Add("decoder.head.2.weight", 3, cout, 3, 3, 3); Add("decoder.head.2.bias", 3);
    }

    void Res(string n, int cin, int cout)
    {
        Add(n + ".residual.0.gamma", cin, 1, 1, 1);
        Add(n + ".residual.2.weight", cout, cin, 3, 3, 3); Add(n + ".residual.2.bias", cout);
        Add(n + ".residual.3.gamma", cout, 1, 1, 1);
        Add(n + ".residual.6.weight", cout, cout, 3, 3, 3); Add(n + ".residual.6.bias", cout);
        if (cin != cout) { Add(n + ".shortcut.weight", cout, cin, 1, 1, 1); Add(n + ".shortcut.bias", cout); }
    }

    void Middle(string p, int c)
    {
        Res(p + ".middle.0", c, c);
        Add(p + ".middle.1.norm.gamma", c, 1, 1);
        Add(p + ".middle.1.to_qkv.weight", 3 * c, c, 1, 1); Add(p + ".middle.1.to_qkv.bias", 3 * c);
        Add(p + ".middle.1.proj.weight", c, c, 1, 1); Add(p + ".middle.1.proj.bias", c);
        Res(p + ".middle.2", c, c);
    }

    void Add(string name, params long[] shape)
    {
        long n = shape.Aggregate(1L, (a, b) => a * b);
        var t = new TensorInfo(name, DType.F32, shape, "synthetic", 0, n * 4);
        _map[name] = t; _list.Add(t);
    }

    public string SourcePath => "synthetic-wan-vae";
    public IReadOnlyList<TensorInfo> Tensors => _list;
    public IReadOnlyDictionary<string, string> Metadata { get; } = new Dictionary<string, string>();
    public bool TryGet(string name, out TensorInfo info) => _map.TryGetValue(name, out info!);

    public void ReadBytes(TensorInfo tensor, Span<byte> destination)
    {
        var f = MemoryMarshal.Cast<byte, float>(destination);
        uint h = 2166136261; // FNV-1a: a seed that is stable across runs
        foreach (char ch in tensor.Name) h = (h ^ ch) * 16777619;
        var rng = new Random((int)(h & 0x7fffffff));
        if (tensor.Name.EndsWith(".gamma")) for (int i = 0; i < f.Length; i++) f[i] = 1 + 0.2f * ((float)rng.NextDouble() - 0.5f);
        else if (tensor.Name.EndsWith(".bias")) for (int i = 0; i < f.Length; i++) f[i] = 0.1f * ((float)rng.NextDouble() - 0.5f);
        else
        {
            long fanIn = tensor.Shape.Skip(1).Aggregate(1L, (a, b) => a * b);
            float a = MathF.Sqrt(3f / fanIn);
            for (int i = 0; i < f.Length; i++) f[i] = a * (2 * (float)rng.NextDouble() - 1);
        }
    }

    public void Dispose() { }
}
