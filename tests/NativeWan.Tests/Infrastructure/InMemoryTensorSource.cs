using NativeWan.IO;
using NativeWan.Numerics;

namespace NativeWan.Tests;

/// <summary>A test <see cref="ITensorSource"/> holding raw tensors in memory (renamed or re-encoded copies of golden data).</summary>
internal sealed class InMemoryTensorSource : ITensorSource
{
    readonly Dictionary<string, (TensorInfo info, byte[] data)> _byName = new(StringComparer.Ordinal);
    readonly List<TensorInfo> _tensors = new();

    public InMemoryTensorSource(string path = "memory") => SourcePath = path;

    public string SourcePath { get; }
    public IReadOnlyList<TensorInfo> Tensors => _tensors;
    public IReadOnlyDictionary<string, string> Metadata { get; } = new Dictionary<string, string>();

    public void Add(string name, DType dtype, long[] shape, byte[] data)
    {
        var info = new TensorInfo(name, dtype, shape, SourcePath, 0, data.Length);
        Assert.Equal(info.ElementCount * dtype.Size(), data.Length);
        _byName.Add(name, (info, data));
        _tensors.Add(info);
    }

    public void AddF32(string name, long[] shape, float[] values) =>
        Add(name, DType.F32, shape, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray());

    /// <summary>Copies every tensor of <paramref name="src"/> (raw bytes, same dtype) under the name <paramref name="rename"/> gives; null drops it.</summary>
    public static InMemoryTensorSource CopyOf(ITensorSource src, Func<string, string?> rename)
    {
        var m = new InMemoryTensorSource(src.SourcePath + " (renamed)");
        foreach (var t in src.Tensors)
        {
            var n = rename(t.Name);
            if (n != null) m.Add(n, t.DType, t.Shape, src.ReadBytes(t));
        }
        return m;
    }

    public bool TryGet(string name, out TensorInfo info)
    {
        if (_byName.TryGetValue(name, out var e)) { info = e.info; return true; }
        info = null!;
        return false;
    }

    public void ReadBytes(TensorInfo tensor, Span<byte> destination)
    {
        var data = _byName[tensor.Name].data;
        if (destination.Length != data.Length) throw new ArgumentException("wrong destination length");
        data.CopyTo(destination);
    }

    public void ReadBytes(TensorInfo tensor, long start, Span<byte> destination) =>
        _byName[tensor.Name].data.AsSpan(checked((int)start), destination.Length).CopyTo(destination);

    public void Dispose() { }
}
