using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using NativeWan.Numerics;

namespace NativeWan.Lora;

/// <summary>Float32 → storage dtype conversion for LoRA saves.</summary>
internal static class LoraTensorCodec
{
    /// <summary>True for the dtypes a LoRA may be saved in: F32, BF16, F16.</summary>
    public static bool IsSaveDType(DType t) => t is DType.F32 or DType.BF16 or DType.F16;

    /// <summary>
    /// Little-endian bytes of <paramref name="src"/> in <paramref name="dtype"/>: F32 copied bit-exactly; BF16 rounded
    /// to nearest, ties to even (NaN stays NaN); F16 by the IEEE conversion (round to nearest even, overflow → ±inf).
    /// </summary>
    public static byte[] Encode(ReadOnlySpan<float> src, DType dtype)
    {
        switch (dtype)
        {
            case DType.F32:
                return MemoryMarshal.AsBytes(src).ToArray();
            case DType.F16:
            {
                var bytes = new byte[src.Length * 2];
                TensorPrimitives.ConvertToHalf(src, MemoryMarshal.Cast<byte, Half>(bytes.AsSpan()));
                return bytes;
            }
            case DType.BF16:
            {
                var bytes = new byte[src.Length * 2];
                var dst = MemoryMarshal.Cast<byte, ushort>(bytes.AsSpan());
                for (int i = 0; i < src.Length; i++) dst[i] = ToBFloat16(src[i]);
                return bytes;
            }
            default:
                throw new ArgumentException($"LoRA tensors can be saved as F32, BF16 or F16, not {dtype}", nameof(dtype));
        }
    }

    /// <summary>float32 → bfloat16 bits, round to nearest even.</summary>
    public static ushort ToBFloat16(float f)
    {
        uint bits = BitConverter.SingleToUInt32Bits(f);
        if (float.IsNaN(f)) return (ushort)((bits >> 16) | 0x0040);
        bits += 0x7FFFu + ((bits >> 16) & 1u);
        return (ushort)(bits >> 16);
    }
}
