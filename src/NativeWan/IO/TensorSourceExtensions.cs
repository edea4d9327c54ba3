using System.Runtime.InteropServices;
using NativeWan.Numerics;

namespace NativeWan.IO;

/// <summary>Convenience reads over any <see cref="ITensorSource"/>.</summary>
public static class TensorSourceExtensions
{
    /// <summary>The tensor named <paramref name="name"/>.</summary>
    /// <exception cref="ModelFileException">No tensor of that name.</exception>
    public static TensorInfo Get(this ITensorSource src, string name) =>
        src.TryGet(name, out var t) ? t : throw new ModelFileException(src.SourcePath, name, "tensor not found");

    /// <summary>True when a tensor of that name exists.</summary>
    public static bool Contains(this ITensorSource src, string name) => src.TryGet(name, out _);

    /// <summary>Raw bytes of a tensor in a new array (tensors up to 2 GiB).</summary>
    public static byte[] ReadBytes(this ITensorSource src, TensorInfo t)
    {
        if (t.ByteLength > Array.MaxLength) throw new ModelFileException(src.SourcePath, t.Name, $"tensor of {t.ByteLength} bytes is too large for one array");
        var buf = GC.AllocateUninitializedArray<byte>((int)t.ByteLength);
        src.ReadBytes(t, buf);
        return buf;
    }

    /// <summary>
    /// The tensor converted to float32, row-major, length <see cref="TensorInfo.ElementCount"/>. Any float or integer
    /// dtype is accepted (bf16/f16/fp8 decoded exactly; f64 and i64 rounded to nearest float).
    /// </summary>
    /// <param name="expectedShape">If given, the tensor's shape must equal it.</param>
    /// <exception cref="ModelFileException">Missing tensor or wrong shape.</exception>
    public static float[] ReadFloat32(this ITensorSource src, string name, ReadOnlySpan<long> expectedShape = default)
    {
        var t = src.Get(name);
        if (!expectedShape.IsEmpty && !expectedShape.SequenceEqual(t.Shape))
            throw new ModelFileException(src.SourcePath, name, $"shape {t.ShapeText} but [{string.Join(", ", expectedShape.ToArray())}] was expected");
        if (t.ElementCount > Array.MaxLength) throw new ModelFileException(src.SourcePath, name, $"{t.ElementCount} elements are too many for one array");
        var dst = GC.AllocateUninitializedArray<float>((int)t.ElementCount);
        // Convert in pieces so tensors over 2 GiB of storage (e.g. an fp32 umT5-XXL embedding) need no byte[] of that size.
        int size = t.DType.Size();
        int chunk = Math.Max(1, (1 << 26) / size);
        var buf = new byte[Math.Min(t.ByteLength, (long)chunk * size)];
        for (long e = 0; e < t.ElementCount; e += chunk)
        {
            int n = (int)Math.Min(chunk, t.ElementCount - e);
            var bytes = buf.AsSpan(0, n * size);
            src.ReadBytes(t, e * size, bytes);
            NumericConvert.ToFloat32(t.DType, bytes, dst.AsSpan((int)e, n));
        }
        return dst;
    }

    /// <summary>An integer tensor (I64/I32/I16/I8/U8/BOOL) widened to long.</summary>
    public static long[] ReadInt64(this ITensorSource src, string name)
    {
        var t = src.Get(name);
        var raw = src.ReadBytes(t);
        var dst = new long[t.ElementCount];
        switch (t.DType)
        {
            case DType.I64: MemoryMarshal.Cast<byte, long>(raw).CopyTo(dst); break;
            case DType.I32: { var s = MemoryMarshal.Cast<byte, int>(raw); for (int i = 0; i < dst.Length; i++) dst[i] = s[i]; break; }
            case DType.I16: { var s = MemoryMarshal.Cast<byte, short>(raw); for (int i = 0; i < dst.Length; i++) dst[i] = s[i]; break; }
            case DType.I8: for (int i = 0; i < dst.Length; i++) dst[i] = (sbyte)raw[i]; break;
            case DType.U8: case DType.BOOL: for (int i = 0; i < dst.Length; i++) dst[i] = raw[i]; break;
            default: throw new ModelFileException(src.SourcePath, name, $"dtype {t.DType} is not an integer type");
        }
        return dst;
    }
}
