using System.Runtime.InteropServices;

namespace NativeWan.Numerics;

/// <summary>Bulk conversions between element types (placeholder until the full numerics land).</summary>
public static class NumericConvert
{
    /// <summary>Converts little-endian raw elements of <paramref name="type"/> to float32.</summary>
    public static void ToFloat32(DType type, ReadOnlySpan<byte> raw, Span<float> dst)
    {
        switch (type)
        {
            case DType.F32: MemoryMarshal.Cast<byte, float>(raw).CopyTo(dst); break;
            case DType.F64: { var s = MemoryMarshal.Cast<byte, double>(raw); for (int i = 0; i < dst.Length; i++) dst[i] = (float)s[i]; break; }
            case DType.F16: System.Numerics.Tensors.TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(raw), dst); break;
            case DType.BF16: { var s = MemoryMarshal.Cast<byte, ushort>(raw); for (int i = 0; i < dst.Length; i++) dst[i] = BitConverter.Int32BitsToSingle(s[i] << 16); break; }
            case DType.I64: { var s = MemoryMarshal.Cast<byte, long>(raw); for (int i = 0; i < dst.Length; i++) dst[i] = s[i]; break; }
            case DType.I32: { var s = MemoryMarshal.Cast<byte, int>(raw); for (int i = 0; i < dst.Length; i++) dst[i] = s[i]; break; }
            case DType.U8: case DType.BOOL: for (int i = 0; i < dst.Length; i++) dst[i] = raw[i]; break;
            default: throw new NotSupportedException($"conversion from {type} to float32");
        }
    }
}
