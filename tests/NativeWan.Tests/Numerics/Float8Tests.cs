using NativeWan.Numerics;

namespace NativeWan.Tests.Numerics;

public class Float8Tests
{
    private sealed record Format(string Name, Func<float, bool, byte> Encode, Func<byte, float> Decode,
        int MaxFiniteCode, double VirtualAboveMax, byte OverflowNonSat, byte InfNonSat);

    private static readonly Format E4M3 = new("E4M3", Float8E4M3.EncodeBits, b => Float8E4M3.FromBits(b).ToSingle(),
        0x7E, 480, 0x7F, 0x7F);
    private static readonly Format E5M2 = new("E5M2", Float8E5M2.EncodeBits, b => Float8E5M2.FromBits(b).ToSingle(),
        0x7B, 65536, 0x7C, 0x7C);

    public static TheoryData<string> Formats => new() { "E4M3", "E5M2" };
    private static Format Get(string name) => name == "E4M3" ? E4M3 : E5M2;

    /// <summary>Brute-force reference encoder: nearest of all finite magnitude codes (plus the virtual code one past max,
    /// worth max + ulp), ties → even code; landing on the virtual code is overflow, handled by the documented policy.</summary>
    private static byte ReferenceEncode(Format f, float x, bool saturate)
    {
        byte sign = (byte)(BitConverter.SingleToUInt32Bits(x) >> 24 & 0x80);
        if (float.IsNaN(x)) return (byte)(sign | 0x7F);
        if (float.IsInfinity(x)) return (byte)(sign | (saturate ? f.MaxFiniteCode : f.InfNonSat));
        double a = Math.Abs((double)x);
        if (a >= f.VirtualAboveMax) return (byte)(sign | (saturate ? f.MaxFiniteCode : f.OverflowNonSat)); // distances would tie in double
        int best = 0; double bestD = double.PositiveInfinity;
        for (int c = 0; c <= f.MaxFiniteCode + 1; c++)
        {
            double v = c == f.MaxFiniteCode + 1 ? f.VirtualAboveMax : f.Decode((byte)c);
            double d = Math.Abs(a - v);
            if (d < bestD || (d == bestD && (c & 1) == 0)) { best = c; bestD = d; }
        }
        if (best > f.MaxFiniteCode) best = saturate ? f.MaxFiniteCode : f.OverflowNonSat;
        return (byte)(sign | best);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void AllCodes_RoundTripExactly(string name)
    {
        var f = Get(name);
        int nan = 0;
        for (int c = 0; c < 256; c++)
        {
            float v = f.Decode((byte)c);
            foreach (bool sat in new[] { true, false })
            {
                byte back = f.Encode(v, sat);
                if (float.IsNaN(v))
                {
                    Assert.True(float.IsNaN(f.Decode(back)), $"{name} 0x{c:X2} NaN → 0x{back:X2}");
                    Assert.Equal(c & 0x80, back & 0x80);
                }
                else if (float.IsInfinity(v))
                    Assert.Equal(sat ? (c & 0x80) | f.MaxFiniteCode : c, back); // Inf only exists in E5M2
                else
                    Assert.Equal(c, back);
            }
            if (float.IsNaN(v)) nan++;
        }
        Assert.Equal(name == "E4M3" ? 2 : 6, nan);
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Decode_IsStrictlyIncreasingOverPositiveCodes(string name)
    {
        var f = Get(name);
        for (int c = 1; c <= f.MaxFiniteCode; c++)
            Assert.True(f.Decode((byte)c) > f.Decode((byte)(c - 1)), $"{name} 0x{c:X2}");
        for (int c = 0; c <= f.MaxFiniteCode; c++)
            Assert.Equal(-f.Decode((byte)c), f.Decode((byte)(c | 0x80)));
        Assert.True(float.IsNegative(f.Decode(0x80)) && f.Decode(0x80) == 0f);
    }

    [Theory]
    [InlineData(0x00, 0f)]
    [InlineData(0x01, 0.001953125f)]  // 2^-9 smallest subnormal
    [InlineData(0x07, 0.013671875f)]  // 7 * 2^-9 largest subnormal
    [InlineData(0x08, 0.015625f)]     // 2^-6 smallest normal
    [InlineData(0x38, 1f)]
    [InlineData(0x3F, 1.875f)]
    [InlineData(0x40, 2f)]
    [InlineData(0x77, 240f)]
    [InlineData(0x78, 256f)]
    [InlineData(0x7E, 448f)]
    [InlineData(0xFE, -448f)]
    [InlineData(0xB8, -1f)]
    public void E4M3_DecodesKnownValues(int code, float expected)
    {
        Assert.Equal(expected, Float8E4M3.FromBits((byte)code).ToSingle());
        Assert.Equal(expected, Float8E4M3.DecodeLookup[code]);
    }

    [Fact]
    public void E5M2_DecodeEqualsUpperByteOfHalf()
    {
        for (int c = 0; c < 256; c++)
        {
            float expected = (float)BitConverter.UInt16BitsToHalf((ushort)(c << 8));
            float got = Float8E5M2.FromBits((byte)c).ToSingle();
            if (float.IsNaN(expected)) Assert.True(float.IsNaN(got));
            else Assert.Equal(BitConverter.SingleToUInt32Bits(expected), BitConverter.SingleToUInt32Bits(got));
        }
        Assert.Equal(57344f, (float)Float8E5M2.MaxValue);
        Assert.Equal(MathF.ScaleB(1f, -16), (float)Float8E5M2.Epsilon);
        Assert.Equal(float.PositiveInfinity, (float)Float8E5M2.PositiveInfinity);
        Assert.Equal(float.NegativeInfinity, (float)Float8E5M2.NegativeInfinity);
    }

    // E4M3: max 448 (ulp 32): 464 is the tie 448|480 → even 448; above → overflow (sat 448, else NaN).
    [Theory]
    [InlineData(448f, 0x7E, 0x7E)]
    [InlineData(464f, 0x7E, 0x7E)]
    [InlineData(464.00003f, 0x7E, 0x7F)]
    [InlineData(480f, 0x7E, 0x7F)]
    [InlineData(1e30f, 0x7E, 0x7F)]
    [InlineData(float.MaxValue, 0x7E, 0x7F)]
    [InlineData(float.PositiveInfinity, 0x7E, 0x7F)]
    [InlineData(float.NegativeInfinity, 0xFE, 0xFF)]
    [InlineData(-500f, 0xFE, 0xFF)]
    [InlineData(432f, 0x7E, 0x7E)]       // tie 416|448 → even 448 (0x7E)
    [InlineData(416f, 0x7D, 0x7D)]
    [InlineData(0.001953125f, 0x01, 0x01)]   // 2^-9 smallest subnormal
    [InlineData(0.0009765625f, 0x00, 0x00)]  // 2^-10 half of it: tie → 0
    [InlineData(0.00097656256f, 0x01, 0x01)] // just above half → smallest subnormal
    [InlineData(-0.0009765625f, 0x80, 0x80)] // → -0
    [InlineData(1e-30f, 0x00, 0x00)]
    [InlineData(-1e-45f, 0x80, 0x80)]        // negative float subnormal → -0
    [InlineData(-0f, 0x80, 0x80)]
    [InlineData(0.0029296875f, 0x02, 0x02)]  // 1.5 * 2^-9: tie 1|2 → even 2
    [InlineData(0.0048828125f, 0x02, 0x02)]  // 2.5 * 2^-9: tie 2|3 → even 2
    [InlineData(0.0146484375f, 0x08, 0x08)]  // 7.5 * 2^-9: tie largest subnormal|smallest normal → 0x08
    [InlineData(1.0625f, 0x38, 0x38)]        // tie 1|1.125 → even 1
    [InlineData(1.1875f, 0x3A, 0x3A)]        // tie 1.125|1.25 → 1.25
    [InlineData(1.9375f, 0x40, 0x40)]        // tie 1.875|2 → 2 (mantissa carry)
    public void E4M3_EncodeBoundaries(float x, int saturating, int nonSaturating)
    {
        Assert.Equal((byte)saturating, Float8E4M3.EncodeBits(x, saturate: true));
        Assert.Equal((byte)nonSaturating, Float8E4M3.EncodeBits(x, saturate: false));
        Assert.Equal((byte)saturating, ((Float8E4M3)x).Bits); // explicit cast saturates
        if (!float.IsNaN(x))
        {
            Assert.Equal((byte)saturating, ReferenceEncode(E4M3, x, true));
            Assert.Equal((byte)nonSaturating, ReferenceEncode(E4M3, x, false));
        }
    }

    // E5M2: max 57344 (ulp 8192): 61440 is the tie 57344(odd)|65536 → overflow; below it → max.
    [Theory]
    [InlineData(57344f, 0x7B, 0x7B)]
    [InlineData(61439.996f, 0x7B, 0x7B)]
    [InlineData(61440f, 0x7B, 0x7C)]
    [InlineData(65536f, 0x7B, 0x7C)]
    [InlineData(float.MaxValue, 0x7B, 0x7C)]
    [InlineData(float.PositiveInfinity, 0x7B, 0x7C)]
    [InlineData(float.NegativeInfinity, 0xFB, 0xFC)]
    [InlineData(-61440f, 0xFB, 0xFC)]
    [InlineData(53248f, 0x7A, 0x7A)]         // tie 49152(0x7A)|57344(0x7B) → even 0x7A
    [InlineData(1.52587890625e-05f, 0x01, 0x01)]  // 2^-16 smallest subnormal
    [InlineData(7.62939453125e-06f, 0x00, 0x00)]  // 2^-17: tie → 0
    [InlineData(7.629395e-06f, 0x01, 0x01)]       // just above 2^-17
    [InlineData(-7.62939453125e-06f, 0x80, 0x80)] // → -0
    [InlineData(-0f, 0x80, 0x80)]
    [InlineData(5.340576171875e-05f, 0x04, 0x04)] // 3.5 * 2^-16: tie 3|4 → 4 (smallest normal 2^-14)
    [InlineData(1.125f, 0x3C, 0x3C)]              // tie 1|1.25 → 1
    [InlineData(1.375f, 0x3E, 0x3E)]              // tie 1.25|1.5 → 1.5
    [InlineData(1.875f, 0x40, 0x40)]              // tie 1.75|2 → 2
    public void E5M2_EncodeBoundaries(float x, int saturating, int nonSaturating)
    {
        Assert.Equal((byte)saturating, Float8E5M2.EncodeBits(x, saturate: true));
        Assert.Equal((byte)nonSaturating, Float8E5M2.EncodeBits(x, saturate: false));
        Assert.Equal((byte)saturating, ((Float8E5M2)x).Bits);
        if (!float.IsNaN(x))
        {
            Assert.Equal((byte)saturating, ReferenceEncode(E5M2, x, true));
            Assert.Equal((byte)nonSaturating, ReferenceEncode(E5M2, x, false));
        }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Encode_NaNPayloadsGiveNaNWithSign(string name)
    {
        var f = Get(name);
        foreach (uint bits in new[] { 0x7F800001u, 0x7FC00000u, 0x7FFFFFFFu, 0xFF800001u, 0xFFC00000u })
            foreach (bool sat in new[] { true, false })
            {
                byte c = f.Encode(BitConverter.UInt32BitsToSingle(bits), sat);
                Assert.Equal((byte)((bits >> 24 & 0x80) | 0x7F), c);
                Assert.True(float.IsNaN(f.Decode(c)));
            }
    }

    [Theory]
    [MemberData(nameof(Formats))]
    public void Encode_MatchesBruteForceNearestEvenReference(string name)
    {
        var f = Get(name);
        var inputs = new List<float>();
        // Every midpoint between consecutive magnitudes (incl. max|max+ulp) and its float neighbours.
        for (int c = 0; c <= f.MaxFiniteCode; c++)
        {
            double lo = f.Decode((byte)c), hi = c == f.MaxFiniteCode ? f.VirtualAboveMax : f.Decode((byte)(c + 1));
            float mid = (float)((lo + hi) / 2);
            inputs.AddRange(new[] { mid, MathF.BitIncrement(mid), MathF.BitDecrement(mid), (float)lo, MathF.BitIncrement((float)lo) });
        }
        var rng = new Random(7);
        for (int i = 0; i < 20_000; i++)
            inputs.Add(MathF.ScaleB(1f + rng.NextSingle(), rng.Next(-22, 18)));
        foreach (float v in inputs)
            foreach (float x in new[] { v, -v })
                foreach (bool sat in new[] { true, false })
                    Assert.True(ReferenceEncode(f, x, sat) == f.Encode(x, sat),
                        $"{name} encode({x:R}, sat={sat}) = 0x{f.Encode(x, sat):X2}, reference 0x{ReferenceEncode(f, x, sat):X2}");
    }

    [Fact]
    public void StructApi()
    {
        Assert.Equal(448f, (float)Float8E4M3.MaxValue);
        Assert.Equal(-448f, (float)Float8E4M3.MinValue);
        Assert.Equal(0.001953125f, (float)Float8E4M3.Epsilon);
        Assert.True(Float8E4M3.NaN.IsNaN && Float8E4M3.FromBits(0xFF).IsNaN && !Float8E4M3.MaxValue.IsNaN);
        Assert.True(Float8E5M2.NaN.IsNaN && Float8E5M2.FromBits(0x7D).IsNaN && !Float8E5M2.PositiveInfinity.IsNaN);
        Assert.True(Float8E5M2.NegativeInfinity.IsInfinity);
        Assert.Equal(1f, (float)Float8E4M3.One);
        Assert.Equal(1f, (float)Float8E5M2.One);
        Assert.Equal("448", Float8E4M3.MaxValue.ToString());
        Assert.Equal("57344", Float8E5M2.MaxValue.ToString());
        Assert.True(Float8E4M3.Zero == Float8E4M3.FromBits(0x80));
        Assert.True(Float8E4M3.NaN.Equals(Float8E4M3.FromBits(0xFF)));
        Assert.False(Float8E5M2.NaN == Float8E5M2.NaN);
        Assert.Equal(Float8E5M2.FromSingle(1.3f), Float8E5M2.FromBits(0x3D)); // 1.3 → 1.25
    }
}
