using System.Buffers.Binary;
using NativeWan.Numerics;

namespace NativeWan.Tests.Numerics;

public class NumericConvertTests
{
    // Odd lengths and lengths around the vector widths (8/16/32 lanes) exercise the scalar tails.
    public static TheoryData<int> Lengths => new() { 0, 1, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 65, 127, 129, 1001 };

    private static float[] RandomFloats(Random rng, int n)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++)
            a[i] = (i % 4) switch
            {
                0 => BitConverter.UInt32BitsToSingle((uint)rng.NextInt64(0, 1L << 32)), // any pattern: NaN, Inf, subnormal
                1 => (rng.NextSingle() - 0.5f) * 1000f,
                2 => BitConverter.UInt32BitsToSingle(((uint)rng.NextInt64(0, 1L << 32) & 0xFFFF0000u) | 0x8000u), // bf16 ties
                _ => MathF.ScaleB(rng.NextSingle() - 0.5f, rng.Next(-20, 20)),
            };
        return a;
    }

    private static void AssertSameBits(float expected, float actual, string what)
    {
        if (float.IsNaN(expected) && float.IsNaN(actual)) return;
        Assert.True(BitConverter.SingleToUInt32Bits(expected) == BitConverter.SingleToUInt32Bits(actual),
            $"{what}: expected {expected:R} (0x{BitConverter.SingleToUInt32Bits(expected):X8}), got {actual:R} (0x{BitConverter.SingleToUInt32Bits(actual):X8})");
    }

    [Fact]
    public void Bulk_AllBf16AndF16Patterns_RoundTripExactly()
    {
        var bf = new BFloat16[65536];
        var hf = new Half[65536];
        for (int i = 0; i < 65536; i++) { bf[i] = BFloat16.FromBits((ushort)i); hf[i] = BitConverter.UInt16BitsToHalf((ushort)i); }
        var f = new float[65536];
        var bfBack = new BFloat16[65536];
        var hfBack = new Half[65536];

        NumericConvert.BFloat16ToSingle(bf, f);
        for (int i = 0; i < 65536; i++) Assert.Equal((uint)i << 16, BitConverter.SingleToUInt32Bits(f[i]));
        NumericConvert.SingleToBFloat16(f, bfBack);
        for (int i = 0; i < 65536; i++)
            if (bf[i].IsNaN) Assert.True(bfBack[i].IsNaN && (bfBack[i].Bits & 0x8000) == (i & 0x8000));
            else Assert.Equal((ushort)i, bfBack[i].Bits);

        int hfNaN = 0;
        NumericConvert.HalfToSingle(hf, f);
        for (int i = 0; i < 65536; i++) AssertSameBits((float)hf[i], f[i], $"f16 0x{i:X4}");
        NumericConvert.SingleToHalf(f, hfBack);
        for (int i = 0; i < 65536; i++)
        {
            ushort back = BitConverter.HalfToUInt16Bits(hfBack[i]);
            Assert.Equal(back, BitConverter.HalfToUInt16Bits((Half)f[i])); // bulk == scalar
            if (Half.IsNaN(hf[i])) { hfNaN++; Assert.True(Half.IsNaN(hfBack[i])); }
            else Assert.Equal((ushort)i, back);
        }
        Assert.Equal(2 * 1023, hfNaN);
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void Bulk_EqualsScalar_OnRandomData(int n)
    {
        var rng = new Random(1000 + n);
        float[] src = RandomFloats(rng, n);

        var bf = new BFloat16[n];
        NumericConvert.SingleToBFloat16(src, bf);
        for (int i = 0; i < n; i++) Assert.Equal(BFloat16.FromSingle(src[i]).Bits, bf[i].Bits);
        var bfSrc = new BFloat16[n];
        for (int i = 0; i < n; i++) bfSrc[i] = BFloat16.FromBits((ushort)rng.Next(65536));
        var f = new float[n];
        NumericConvert.BFloat16ToSingle(bfSrc, f);
        for (int i = 0; i < n; i++) AssertSameBits(bfSrc[i].ToSingle(), f[i], "bf16→f32");

        var h = new Half[n];
        NumericConvert.SingleToHalf(src, h);
        for (int i = 0; i < n; i++) Assert.Equal(BitConverter.HalfToUInt16Bits((Half)src[i]), BitConverter.HalfToUInt16Bits(h[i]));
        NumericConvert.HalfToSingle(h, f);
        for (int i = 0; i < n; i++) AssertSameBits((float)h[i], f[i], "f16→f32");

        foreach (bool sat in new[] { true, false })
        {
            var e4 = new Float8E4M3[n];
            var e5 = new Float8E5M2[n];
            NumericConvert.SingleToFloat8E4M3(src, e4, sat);
            NumericConvert.SingleToFloat8E5M2(src, e5, sat);
            for (int i = 0; i < n; i++)
            {
                Assert.Equal(Float8E4M3.EncodeBits(src[i], sat), e4[i].Bits);
                Assert.Equal(Float8E5M2.EncodeBits(src[i], sat), e5[i].Bits);
            }
        }

        var e4s = new Float8E4M3[n];
        var e5s = new Float8E5M2[n];
        for (int i = 0; i < n; i++) { e4s[i] = Float8E4M3.FromBits((byte)rng.Next(256)); e5s[i] = Float8E5M2.FromBits((byte)rng.Next(256)); }
        foreach (float scale in new[] { 1f, 0.0123f, -3.5f })
        {
            NumericConvert.Float8E4M3ToSingle(e4s, f, scale);
            for (int i = 0; i < n; i++) AssertSameBits(e4s[i].ToSingle() * scale, f[i], $"e4m3 0x{e4s[i].Bits:X2} * {scale}");
            NumericConvert.Float8E5M2ToSingle(e5s, f, scale);
            for (int i = 0; i < n; i++) AssertSameBits(e5s[i].ToSingle() * scale, f[i], $"e5m2 0x{e5s[i].Bits:X2} * {scale}");
        }

        var d = new double[n];
        for (int i = 0; i < n; i++) d[i] = i % 5 == 0 ? BitConverter.Int64BitsToDouble(rng.NextInt64()) : (rng.NextDouble() - 0.5) * Math.Pow(2, rng.Next(-160, 160));
        NumericConvert.DoubleToSingle(d, f);
        for (int i = 0; i < n; i++) AssertSameBits((float)d[i], f[i], "f64→f32");
    }

    [Fact]
    public void Bulk_LengthMismatchThrows()
    {
        var ex = Assert.Throws<ArgumentException>(() => NumericConvert.BFloat16ToSingle(new BFloat16[3], new float[4]));
        Assert.Contains("4 elements", ex.Message);
        Assert.Throws<ArgumentException>(() => NumericConvert.SingleToBFloat16(new float[3], new BFloat16[2]));
        Assert.Throws<ArgumentException>(() => NumericConvert.Float8E4M3ToSingle(new Float8E4M3[3], new float[2], 2f));
    }

    [Theory]
    [InlineData(DType.F64)] [InlineData(DType.F32)] [InlineData(DType.F16)] [InlineData(DType.BF16)]
    [InlineData(DType.F8_E4M3)] [InlineData(DType.F8_E5M2)] [InlineData(DType.I64)] [InlineData(DType.I32)]
    [InlineData(DType.I16)] [InlineData(DType.I8)] [InlineData(DType.U8)] [InlineData(DType.BOOL)]
    public void ToFloat32_DecodesLittleEndianRawBytes_Unaligned(DType dtype)
    {
        const int n = 37;
        var rng = new Random((int)dtype + 1);
        int size = dtype.Size();
        var buffer = new byte[n * size + 1];
        Span<byte> raw = buffer.AsSpan(1); // odd offset: raw data need not be aligned
        var expected = new float[n];
        for (int i = 0; i < n; i++)
        {
            Span<byte> e = raw.Slice(i * size, size);
            switch (dtype)
            {
                case DType.F64: { double v = (rng.NextDouble() - 0.5) * 1e6; BinaryPrimitives.WriteDoubleLittleEndian(e, v); expected[i] = (float)v; break; }
                case DType.F32: { float v = rng.NextSingle() - 0.5f; BinaryPrimitives.WriteSingleLittleEndian(e, v); expected[i] = v; break; }
                case DType.F16: { ushort b = (ushort)rng.Next(65536); BinaryPrimitives.WriteUInt16LittleEndian(e, b); expected[i] = (float)BitConverter.UInt16BitsToHalf(b); break; }
                case DType.BF16: { ushort b = (ushort)rng.Next(65536); BinaryPrimitives.WriteUInt16LittleEndian(e, b); expected[i] = BitConverter.UInt32BitsToSingle((uint)b << 16); break; }
                case DType.F8_E4M3: { byte b = (byte)rng.Next(256); e[0] = b; expected[i] = Float8E4M3.FromBits(b).ToSingle(); break; }
                case DType.F8_E5M2: { byte b = (byte)rng.Next(256); e[0] = b; expected[i] = Float8E5M2.FromBits(b).ToSingle(); break; }
                case DType.I64: { long v = i == 0 ? long.MinValue : i == 1 ? (1L << 53) + 1 : rng.NextInt64(long.MinValue, long.MaxValue); BinaryPrimitives.WriteInt64LittleEndian(e, v); expected[i] = v; break; }
                case DType.I32: { int v = i == 0 ? int.MinValue : i == 1 ? int.MaxValue : rng.Next(int.MinValue, int.MaxValue); BinaryPrimitives.WriteInt32LittleEndian(e, v); expected[i] = v; break; }
                case DType.I16: { short v = (short)rng.Next(short.MinValue, short.MaxValue + 1); BinaryPrimitives.WriteInt16LittleEndian(e, v); expected[i] = v; break; }
                case DType.I8: { sbyte v = (sbyte)rng.Next(-128, 128); e[0] = (byte)v; expected[i] = v; break; }
                case DType.U8: { byte v = (byte)rng.Next(256); e[0] = v; expected[i] = v; break; }
                case DType.BOOL: { byte v = (byte)(i % 3 == 0 ? 0 : i % 3 == 1 ? 1 : rng.Next(2, 256)); e[0] = v; expected[i] = v != 0 ? 1f : 0f; break; }
            }
        }
        var dst = new float[n];
        NumericConvert.ToFloat32(dtype, raw, dst);
        for (int i = 0; i < n; i++) AssertSameBits(expected[i], dst[i], $"{dtype}[{i}]");

        var ex = Assert.Throws<ArgumentException>(() => NumericConvert.ToFloat32(dtype, buffer, new float[n]));
        Assert.Contains(dtype.Name(), ex.Message);
    }

    [Theory]
    [InlineData(DType.F64)] [InlineData(DType.F32)] [InlineData(DType.F16)] [InlineData(DType.BF16)]
    [InlineData(DType.F8_E4M3)] [InlineData(DType.F8_E5M2)]
    public void FromFloat32_EqualsScalarEncode(DType dtype)
    {
        var rng = new Random(99);
        float[] src = RandomFloats(rng, 41);
        int size = dtype.Size();
        foreach (bool sat in new[] { true, false })
        {
            var raw = new byte[src.Length * size];
            NumericConvert.FromFloat32(dtype, src, raw, sat);
            for (int i = 0; i < src.Length; i++)
            {
                ReadOnlySpan<byte> e = raw.AsSpan(i * size, size);
                float x = src[i];
                switch (dtype)
                {
                    case DType.F64: Assert.Equal(BitConverter.DoubleToInt64Bits(x), BinaryPrimitives.ReadInt64LittleEndian(e)); break;
                    case DType.F32: Assert.Equal(BitConverter.SingleToUInt32Bits(x), BinaryPrimitives.ReadUInt32LittleEndian(e)); break;
                    case DType.F16: Assert.Equal(BitConverter.HalfToUInt16Bits((Half)x), BinaryPrimitives.ReadUInt16LittleEndian(e)); break;
                    case DType.BF16: Assert.Equal(BFloat16.FromSingle(x).Bits, BinaryPrimitives.ReadUInt16LittleEndian(e)); break;
                    case DType.F8_E4M3: Assert.Equal(Float8E4M3.EncodeBits(x, sat), e[0]); break;
                    case DType.F8_E5M2: Assert.Equal(Float8E5M2.EncodeBits(x, sat), e[0]); break;
                }
            }
        }
        Assert.Throws<ArgumentException>(() => NumericConvert.FromFloat32(dtype, src, new byte[src.Length * size + 1]));
    }

    [Fact]
    public void FromFloat32_RejectsIntegerDTypes()
    {
        var ex = Assert.Throws<ArgumentException>(() => NumericConvert.FromFloat32(DType.I32, new float[2], new byte[8]));
        Assert.Contains("I32", ex.Message);
    }
}
