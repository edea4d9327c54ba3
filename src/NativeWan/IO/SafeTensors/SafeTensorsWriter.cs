using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using NativeWan.Numerics;

namespace NativeWan.IO.SafeTensors;

/// <summary>
/// Builds a safetensors file: tensors are added in memory, then <see cref="Save"/> writes the header (JSON padded
/// with spaces to a multiple of 8), orders data by descending element size so every tensor is naturally aligned
/// (8-byte types first), and writes to <c>path.tmp-*</c> before renaming over the target path, so a crash
/// never leaves a half-written file under the final name.
/// </summary>
public sealed class SafeTensorsWriter
{
    readonly List<(string Name, DType DType, long[] Shape, ReadOnlyMemory<byte> Data)> _tensors = new();
    readonly HashSet<string> _names = new(StringComparer.Ordinal);

    /// <summary>String metadata written as <c>__metadata__</c>.</summary>
    public Dictionary<string, string> Metadata { get; } = new();

    /// <summary>Adds a tensor from raw little-endian bytes.</summary>
    /// <exception cref="ArgumentException">Duplicate name, reserved name, or byte count ≠ dtype size × element count.</exception>
    public SafeTensorsWriter Add(string name, DType dtype, long[] shape, ReadOnlyMemory<byte> data)
    {
        if (name == "__metadata__") throw new ArgumentException("'__metadata__' is reserved", nameof(name));
        long count = 1;
        foreach (var d in shape) { if (d < 0) throw new ArgumentException($"tensor '{name}': negative dimension"); count = checked(count * d); }
        if (data.Length != count * dtype.Size())
            throw new ArgumentException($"tensor '{name}': {data.Length} bytes given, {dtype} [{string.Join(", ", shape)}] needs {count * dtype.Size()}");
        if (!_names.Add(name)) throw new ArgumentException($"tensor '{name}' added twice");
        _tensors.Add((name, dtype, (long[])shape.Clone(), data));
        return this;
    }

    /// <summary>Adds a float32 tensor (copied) of the given shape.</summary>
    public SafeTensorsWriter AddF32(string name, float[] data, params long[] shape) =>
        Add(name, DType.F32, shape, MemoryMarshal.AsBytes(data.AsSpan()).ToArray());

    /// <summary>Number of tensors added.</summary>
    public int Count => _tensors.Count;

    /// <summary>Serializes the header (exposed for tests): JSON object, then spaces up to a multiple of 8.</summary>
    internal byte[] BuildHeader(out List<(string Name, DType DType, long[] Shape, ReadOnlyMemory<byte> Data)> order)
    {
        order = _tensors.OrderByDescending(t => t.DType.Size()).ThenBy(t => t.Name, StringComparer.Ordinal).ToList();
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            if (Metadata.Count > 0)
            {
                w.WriteStartObject("__metadata__");
                foreach (var (k, v) in Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal)) w.WriteString(k, v);
                w.WriteEndObject();
            }
            long off = 0;
            foreach (var t in order)
            {
                w.WriteStartObject(t.Name);
                w.WriteString("dtype", t.DType.Name());
                w.WriteStartArray("shape");
                foreach (var d in t.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(off);
                w.WriteNumberValue(off + t.Data.Length);
                w.WriteEndArray();
                w.WriteEndObject();
                off += t.Data.Length;
            }
            w.WriteEndObject();
        }
        int len = (int)ms.Length;
        int padded = (len + 7) / 8 * 8;
        var header = new byte[padded];
        ms.GetBuffer().AsSpan(0, len).CopyTo(header);
        header.AsSpan(len).Fill((byte)' ');
        return header;
    }

    /// <summary>Writes the file atomically (temp file in the same folder, then rename).</summary>
    public void Save(string path)
    {
        var header = BuildHeader(out var order);
        AtomicFile.Write(path, stream =>
        {
            Span<byte> len = stackalloc byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Length);
            stream.Write(len);
            stream.Write(header);
            foreach (var t in order) stream.Write(t.Data.Span);
        });
    }
}
