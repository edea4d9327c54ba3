using System.Runtime.InteropServices;
using NativeWan.IO;
using NativeWan.Models.Vae;
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
        foreach (var (name, shape) in WanVaeRandomInit.Layout(dim, zDim, dimMult, numRes, temporalDown))
        {
            var t = new TensorInfo(name, DType.F32, shape, "synthetic", 0, shape.Aggregate(1L, (a, b) => a * b) * 4);
            _map[name] = t; _list.Add(t);
        }
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

    public void ReadBytes(TensorInfo tensor, long start, Span<byte> destination)
    {
        var all = new byte[tensor.ByteLength];
        ReadBytes(tensor, all);
        all.AsSpan(checked((int)start), destination.Length).CopyTo(destination);
    }

    public void Dispose() { }
}
