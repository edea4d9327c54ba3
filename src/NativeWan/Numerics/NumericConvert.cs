using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace NativeWan.Numerics;

/// <summary>
/// Bulk element-type conversions over spans (1-D, element i of the source → element i of the destination).
/// Every method requires the destination to have exactly as many elements as the source and throws
/// <see cref="ArgumentException"/> otherwise. Rounding policies are those of the scalar types
/// (<see cref="BFloat16"/>, <see cref="Float8E4M3"/>, <see cref="Float8E5M2"/>, <see cref="Half"/>); the bulk results
/// are bit-identical to the scalar conversions.
/// </summary>
public static class NumericConvert
{
    /// <summary>bf16 → float32, exact (bits shifted left by 16); vectorized.</summary>
    /// <exception cref="ArgumentException">Lengths differ.</exception>
    public static void BFloat16ToSingle(ReadOnlySpan<BFloat16> src, Span<float> dst)
    {
        CheckLengths(src.Length, dst.Length);
        ReadOnlySpan<ushort> s = MemoryMarshal.Cast<BFloat16, ushort>(src);
        Span<uint> d = MemoryMarshal.Cast<float, uint>(dst);
        int i = 0;
        if (Vector.IsHardwareAccelerated && s.Length >= Vector<ushort>.Count)
        {
            ref ushort sr = ref MemoryMarshal.GetReference(s);
            ref uint dr = ref MemoryMarshal.GetReference(d);
            int step = Vector<ushort>.Count, half = Vector<uint>.Count;
            for (; i <= s.Length - step; i += step)
            {
                Vector.Widen(Vector.LoadUnsafe(ref sr, (nuint)i), out Vector<uint> lo, out Vector<uint> hi);
                Vector.ShiftLeft(lo, 16).StoreUnsafe(ref dr, (nuint)i);
                Vector.ShiftLeft(hi, 16).StoreUnsafe(ref dr, (nuint)(i + half));
            }
        }
        for (; i < s.Length; i++) d[i] = (uint)s[i] << 16;
    }

    /// <summary>float32 → bf16 with round-to-nearest-even; NaN stays a quiet NaN, ±Inf stays ±Inf, finite values at or
    /// beyond the halfway point above bf16 max round to ±Inf (see <see cref="BFloat16"/>). Vectorized.</summary>
    /// <exception cref="ArgumentException">Lengths differ.</exception>
    public static void SingleToBFloat16(ReadOnlySpan<float> src, Span<BFloat16> dst)
    {
        CheckLengths(src.Length, dst.Length);
        ReadOnlySpan<uint> s = MemoryMarshal.Cast<float, uint>(src);
        Span<ushort> d = MemoryMarshal.Cast<BFloat16, ushort>(dst);
        int i = 0;
        if (Vector.IsHardwareAccelerated && s.Length >= Vector<ushort>.Count)
        {
            ref uint sr = ref MemoryMarshal.GetReference(s);
            ref ushort dr = ref MemoryMarshal.GetReference(d);
            int step = Vector<ushort>.Count, half = Vector<uint>.Count;
            for (; i <= s.Length - step; i += step)
            {
                Vector<uint> a = RoundToBf16Lanes(Vector.LoadUnsafe(ref sr, (nuint)i));
                Vector<uint> b = RoundToBf16Lanes(Vector.LoadUnsafe(ref sr, (nuint)(i + half)));
                Vector.Narrow(a, b).StoreUnsafe(ref dr, (nuint)i);
            }
        }
        for (; i < s.Length; i++) d[i] = BFloat16.RoundToBits(s[i]);
    }

    /// <summary>Per lane: the bf16 bits (in the low 16 bits) of float32 bits, same rule as <see cref="BFloat16.RoundToBits"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<uint> RoundToBf16Lanes(Vector<uint> x)
    {
        Vector<uint> isNaN = Vector.GreaterThan(x & new Vector<uint>(0x7FFF_FFFFu), new Vector<uint>(0x7F80_0000u));
        Vector<uint> rounded = x + new Vector<uint>(0x7FFFu) + (Vector.ShiftRightLogical(x, 16) & Vector<uint>.One);
        Vector<uint> quiet = x | new Vector<uint>(0x0040_0000u);
        return Vector.ShiftRightLogical(Vector.ConditionalSelect(isNaN, quiet, rounded), 16);
    }

    /// <summary>fp16 → float32, exact (<see cref="TensorPrimitives.ConvertToSingle(ReadOnlySpan{Half}, Span{float})"/>).</summary>
    /// <exception cref="ArgumentException">Lengths differ.</exception>
    public static void HalfToSingle(ReadOnlySpan<Half> src, Span<float> dst)
    {
        CheckLengths(src.Length, dst.Length);
        TensorPrimitives.ConvertToSingle(src, dst);
    }

    /// <summary>float32 → fp16, IEEE round-to-nearest-even, overflow to ±Inf
    /// (<see cref="TensorPrimitives.ConvertToHalf(ReadOnlySpan{float}, Span{Half})"/>).</summary>
    /// <exception cref="ArgumentException">Lengths differ.</exception>
    public static void SingleToHalf(ReadOnlySpan<float> src, Span<Half> dst)
    {
        CheckLengths(src.Length, dst.Length);
        TensorPrimitives.ConvertToHalf(src, dst);
    }

    /// <summary>float64 → float32, IEEE round-to-nearest-even (same as a C# cast), overflow to ±Inf.</summary>
    /// <exception cref="ArgumentException">Lengths differ.</exception>
    public static void DoubleToSingle(ReadOnlySpan<double> src, Span<float> dst)
    {
        CheckLengths(src.Length, dst.Length);
        for (int i = 0; i < src.Length; i++) dst[i] = (float)src[i];
    }

    /// <summary>FP8 E4M3 → float32: <c>dst[i] = decode(src[i]) * scale</c> (per-tensor dequantization scale; 1 = exact
    /// decode). Multiplication is in float32, so the result equals the scalar <c>(float)x * scale</c> bit for bit.</summary>
    /// <exception cref="ArgumentException">Lengths differ.</exception>
    public static void Float8E4M3ToSingle(ReadOnlySpan<Float8E4M3> src, Span<float> dst, float scale = 1f)
    {
        CheckLengths(src.Length, dst.Length);
        DecodeFloat8(MemoryMarshal.AsBytes(src), dst, Float8E4M3.DecodeLookup, scale);
    }

    /// <summary>FP8 E5M2 → float32: <c>dst[i] = decode(src[i]) * scale</c> (per-tensor dequantization scale; 1 = exact
    /// decode). Multiplication is in float32, so the result equals the scalar <c>(float)x * scale</c> bit for bit.</summary>
    /// <exception cref="ArgumentException">Lengths differ.</exception>
    public static void Float8E5M2ToSingle(ReadOnlySpan<Float8E5M2> src, Span<float> dst, float scale = 1f)
    {
        CheckLengths(src.Length, dst.Length);
        DecodeFloat8(MemoryMarshal.AsBytes(src), dst, Float8E5M2.DecodeLookup, scale);
    }

    /// <summary>float32 → FP8 E4M3 per <see cref="Float8E4M3.FromSingle"/> (RNE; saturating by default).</summary>
    /// <exception cref="ArgumentException">Lengths differ.</exception>
    public static void SingleToFloat8E4M3(ReadOnlySpan<float> src, Span<Float8E4M3> dst, bool saturate = true)
    {
        CheckLengths(src.Length, dst.Length);
        Span<byte> d = MemoryMarshal.AsBytes(dst);
        for (int i = 0; i < src.Length; i++) d[i] = Float8E4M3.EncodeBits(src[i], saturate);
    }

    /// <summary>float32 → FP8 E5M2 per <see cref="Float8E5M2.FromSingle"/> (RNE; saturating by default).</summary>
    /// <exception cref="ArgumentException">Lengths differ.</exception>
    public static void SingleToFloat8E5M2(ReadOnlySpan<float> src, Span<Float8E5M2> dst, bool saturate = true)
    {
        CheckLengths(src.Length, dst.Length);
        Span<byte> d = MemoryMarshal.AsBytes(dst);
        for (int i = 0; i < src.Length; i++) d[i] = Float8E5M2.EncodeBits(src[i], saturate);
    }

    /// <summary>
    /// Converts little-endian raw tensor bytes of element type <paramref name="dtype"/> to float32.
    /// Float types use the conversions above (F32 is copied, F64 rounds RNE, F16/BF16/F8 are exact). Integer types convert
    /// like a C# cast (I64 and large I32 values round to nearest float32). BOOL: 0 → 0, any other byte → 1.
    /// </summary>
    /// <param name="dtype">Element type of <paramref name="raw"/>.</param>
    /// <param name="raw">Packed little-endian elements, <c>dst.Length * dtype.Size()</c> bytes; any alignment.</param>
    /// <param name="dst">Destination, one float per element.</param>
    /// <exception cref="ArgumentException"><paramref name="raw"/> length is not <c>dst.Length * dtype.Size()</c>, or unknown dtype.</exception>
    /// <exception cref="PlatformNotSupportedException">Big-endian host.</exception>
    public static void ToFloat32(DType dtype, ReadOnlySpan<byte> raw, Span<float> dst)
    {
        int size = dtype.Size();
        if ((long)dst.Length * size != raw.Length)
            throw new ArgumentException(
                $"{dtype.Name()} data is {raw.Length} bytes but {dst.Length} elements need {(long)dst.Length * size} bytes.", nameof(raw));
        CheckLittleEndian(size);
        switch (dtype)
        {
            case DType.F32: MemoryMarshal.Cast<byte, float>(raw).CopyTo(dst); break;
            case DType.F64: DoubleToSingle(MemoryMarshal.Cast<byte, double>(raw), dst); break;
            case DType.F16: HalfToSingle(MemoryMarshal.Cast<byte, Half>(raw), dst); break;
            case DType.BF16: BFloat16ToSingle(MemoryMarshal.Cast<byte, BFloat16>(raw), dst); break;
            case DType.F8_E4M3: DecodeFloat8(raw, dst, Float8E4M3.DecodeLookup, 1f); break;
            case DType.F8_E5M2: DecodeFloat8(raw, dst, Float8E5M2.DecodeLookup, 1f); break;
            case DType.I64:
                {
                    var s = MemoryMarshal.Cast<byte, long>(raw);
                    for (int i = 0; i < s.Length; i++) dst[i] = s[i];
                    break;
                }
            case DType.I32: TensorPrimitives.ConvertTruncating<int, float>(MemoryMarshal.Cast<byte, int>(raw), dst); break;
            case DType.I16:
                {
                    var s = MemoryMarshal.Cast<byte, short>(raw);
                    for (int i = 0; i < s.Length; i++) dst[i] = s[i];
                    break;
                }
            case DType.I8:
                for (int i = 0; i < raw.Length; i++) dst[i] = (sbyte)raw[i];
                break;
            case DType.U8:
                for (int i = 0; i < raw.Length; i++) dst[i] = raw[i];
                break;
            case DType.BOOL:
                for (int i = 0; i < raw.Length; i++) dst[i] = raw[i] != 0 ? 1f : 0f;
                break;
            default:
                throw new ArgumentException($"Unknown dtype {dtype}.", nameof(dtype));
        }
    }

    /// <summary>
    /// Converts float32 to little-endian raw bytes of float element type <paramref name="dtype"/> (for writing checkpoints):
    /// F32 copy, F64 exact widening, F16/BF16 RNE, F8_* RNE with the saturating or non-saturating policy of
    /// <see cref="Float8E4M3"/> / <see cref="Float8E5M2"/>.
    /// </summary>
    /// <param name="dtype">A floating-point element type.</param>
    /// <param name="src">Source values.</param>
    /// <param name="raw">Destination, exactly <c>src.Length * dtype.Size()</c> bytes; any alignment.</param>
    /// <param name="saturateFloat8">FP8 only: clamp overflow to ±max (default) instead of NaN (E4M3) / ±Inf (E5M2).</param>
    /// <exception cref="ArgumentException">Integer/bool dtype, or wrong <paramref name="raw"/> length.</exception>
    /// <exception cref="PlatformNotSupportedException">Big-endian host.</exception>
    public static void FromFloat32(DType dtype, ReadOnlySpan<float> src, Span<byte> raw, bool saturateFloat8 = true)
    {
        if (!dtype.IsFloat())
            throw new ArgumentException($"Cannot write float32 data as {dtype.Name()}: only floating-point dtypes are supported.", nameof(dtype));
        int size = dtype.Size();
        if ((long)src.Length * size != raw.Length)
            throw new ArgumentException(
                $"{dtype.Name()} buffer is {raw.Length} bytes but {src.Length} elements need {(long)src.Length * size} bytes.", nameof(raw));
        CheckLittleEndian(size);
        switch (dtype)
        {
            case DType.F32: src.CopyTo(MemoryMarshal.Cast<byte, float>(raw)); break;
            case DType.F64:
                {
                    var d = MemoryMarshal.Cast<byte, double>(raw);
                    for (int i = 0; i < src.Length; i++) d[i] = src[i];
                    break;
                }
            case DType.F16: SingleToHalf(src, MemoryMarshal.Cast<byte, Half>(raw)); break;
            case DType.BF16: SingleToBFloat16(src, MemoryMarshal.Cast<byte, BFloat16>(raw)); break;
            case DType.F8_E4M3: SingleToFloat8E4M3(src, MemoryMarshal.Cast<byte, Float8E4M3>(raw), saturateFloat8); break;
            case DType.F8_E5M2: SingleToFloat8E5M2(src, MemoryMarshal.Cast<byte, Float8E5M2>(raw), saturateFloat8); break;
        }
    }

    private static void DecodeFloat8(ReadOnlySpan<byte> src, Span<float> dst, ReadOnlySpan<float> table, float scale)
    {
        if (scale != 1f)
        {
            Span<float> scaled = stackalloc float[256];
            TensorPrimitives.Multiply(table, scale, scaled);
            Lookup(src, dst, scaled);
        }
        else Lookup(src, dst, table);

        static void Lookup(ReadOnlySpan<byte> src, Span<float> dst, ReadOnlySpan<float> table)
        {
            ref float t = ref MemoryMarshal.GetReference(table); // table has 256 entries: any byte index is in range
            for (int i = 0; i < src.Length; i++) dst[i] = Unsafe.Add(ref t, src[i]);
        }
    }

    private static void CheckLengths(int srcLength, int dstLength)
    {
        if (srcLength != dstLength)
            throw new ArgumentException($"Destination has {dstLength} elements but the source has {srcLength}.", "dst");
    }

    private static void CheckLittleEndian(int size)
    {
        if (size > 1 && !BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Raw tensor data is little-endian; big-endian hosts are not supported.");
    }
}
