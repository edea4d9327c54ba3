using NativeWan.Numerics;

namespace NativeWan.Tests.Numerics;

public class BFloat16Tests
{
    /// <summary>Independent reference: the nearer of the two bf16 neighbours of x (ties → even bit pattern), computed in double.
    /// The virtual neighbour above bf16 max is 2^128 (pattern 0x7F80 = Inf), as in IEEE RNE overflow.</summary>
    private static ushort ReferenceRound(float x)
    {
        uint b = BitConverter.SingleToUInt32Bits(x);
        ushort sign = (ushort)((b >> 16) & 0x8000);
        uint abs = b & 0x7FFFFFFF;
        ushort lo = (ushort)(abs >> 16), hi = (ushort)(lo + 1);
        double v = BitConverter.UInt32BitsToSingle(abs);
        double vLo = BitConverter.UInt32BitsToSingle((uint)lo << 16);
        double vHi = hi == 0x7F80 ? Math.Pow(2, 128) : BitConverter.UInt32BitsToSingle((uint)hi << 16);
        double dLo = v - vLo, dHi = vHi - v;
        ushort mag = dLo < dHi ? lo : dHi < dLo ? hi : ((lo & 1) == 0 ? lo : hi);
        return (ushort)(sign | mag);
    }

    [Fact]
    public void AllBitPatterns_RoundTripThroughSingleExactly()
    {
        int nanCount = 0;
        for (int i = 0; i < 65536; i++)
        {
            var h = BFloat16.FromBits((ushort)i);
            float f = h.ToSingle();
            Assert.Equal((uint)i << 16, BitConverter.SingleToUInt32Bits(f)); // decode is exact
            var back = BFloat16.FromSingle(f);
            if (float.IsNaN(f))
            {
                nanCount++;
                Assert.True(h.IsNaN);
                Assert.True(back.IsNaN, $"0x{i:X4} NaN must stay NaN, got 0x{back.Bits:X4}");
                Assert.Equal(i & 0x8000, back.Bits & 0x8000);
            }
            else
            {
                Assert.False(h.IsNaN);
                Assert.Equal((ushort)i, back.Bits);
            }
        }
        Assert.Equal(2 * 127, nanCount); // exponent 0xFF with 127 non-zero mantissas, both signs
    }

    [Theory]
    [InlineData(0x3F808000u, 0x3F80)] // 1 + 2^-8: halfway, lower neighbour even → down
    [InlineData(0x3F818000u, 0x3F82)] // halfway, lower neighbour 0x3F81 odd → up
    [InlineData(0x3F808001u, 0x3F81)] // just above halfway → up
    [InlineData(0x3F807FFFu, 0x3F80)] // just below halfway → down
    [InlineData(0xBF818000u, 0xBF82)] // negative tie, odd lower → away from zero to even
    [InlineData(0xBF808000u, 0xBF80)] // negative tie, even lower
    [InlineData(0x3FFF8000u, 0x4000)] // tie with mantissa carry into the exponent (1.9921875+ → 2)
    [InlineData(0x7F7E8000u, 0x7F7E)] // tie below max, even → stays finite
    [InlineData(0x7F7F7FFFu, 0x7F7F)] // just below the overflow threshold → max finite
    [InlineData(0x7F7F8000u, 0x7F80)] // halfway above max (odd) → +Inf per RNE
    [InlineData(0x7F7FFFFFu, 0x7F80)] // float.MaxValue 3.4028235e38 → +Inf
    [InlineData(0xFF7FFFFFu, 0xFF80)] // -float.MaxValue → -Inf
    [InlineData(0x7F800000u, 0x7F80)] // +Inf
    [InlineData(0xFF800000u, 0xFF80)] // -Inf
    [InlineData(0x00000000u, 0x0000)] // +0
    [InlineData(0x80000000u, 0x8000)] // -0 preserved
    [InlineData(0x00000001u, 0x0000)] // smallest float subnormal → +0
    [InlineData(0x00008000u, 0x0000)] // half the smallest bf16 subnormal: tie → even 0
    [InlineData(0x00008001u, 0x0001)] // just above → smallest bf16 subnormal
    [InlineData(0x00018000u, 0x0002)] // subnormal tie, odd lower → up
    [InlineData(0x80008000u, 0x8000)] // negative tiny → -0
    [InlineData(0x007FFFFFu, 0x0080)] // largest float subnormal rounds up to smallest normal bf16
    public void FromSingle_RoundsToNearestEven(uint singleBits, int expected)
    {
        float x = BitConverter.UInt32BitsToSingle(singleBits);
        Assert.Equal((ushort)expected, BFloat16.FromSingle(x).Bits);
        Assert.Equal((ushort)expected, ReferenceRound(x));
    }

    [Theory]
    [InlineData(0x7F800001u, 0x7FC0)]
    [InlineData(0x7F80FFFFu, 0x7FC0)] // payload only in the dropped bits: must not become Inf
    [InlineData(0x7FC00000u, 0x7FC0)]
    [InlineData(0x7FFFFFFFu, 0x7FFF)] // no carry into the sign
    [InlineData(0xFF800001u, 0xFFC0)]
    [InlineData(0xFFFFFFFFu, 0xFFFF)]
    public void FromSingle_NaNStaysQuietNaNWithSign(uint singleBits, int expected)
    {
        var r = BFloat16.FromSingle(BitConverter.UInt32BitsToSingle(singleBits));
        Assert.True(r.IsNaN);
        Assert.False(r.IsInfinity);
        Assert.Equal((ushort)expected, r.Bits);
    }

    [Fact]
    public void FromSingle_MatchesReferenceOnRandomAndHalfwayInputs()
    {
        var rng = new Random(20240601);
        for (int n = 0; n < 300_000; n++)
        {
            uint bits = (uint)rng.NextInt64(0, 1L << 32);
            if (n % 3 == 1) bits = (bits & 0xFFFF0000u) | 0x8000u;                  // exact tie
            else if (n % 3 == 2) bits = (bits & 0xFFFF0000u) | (0x8000u + (uint)rng.Next(-2, 3)); // near a tie
            float x = BitConverter.UInt32BitsToSingle(bits);
            if (float.IsNaN(x)) { Assert.True(BFloat16.FromSingle(x).IsNaN); continue; }
            if (float.IsInfinity(x)) continue;
            Assert.Equal(ReferenceRound(x), BFloat16.FromSingle(x).Bits);
        }
    }

    [Fact]
    public void ConversionsEqualityAndText()
    {
        Assert.Equal(3.3895314e38f, (float)BFloat16.MaxValue);
        Assert.Equal(-3.3895314e38f, (float)BFloat16.MinValue);
        Assert.Equal(MathF.ScaleB(1f, -133), (float)BFloat16.Epsilon);
        Assert.Equal(1.0078125, (double)(BFloat16)1.0078125);
        Assert.Equal((ushort)0x3F80, ((BFloat16)(Half)1f).Bits);
        Assert.Equal((Half)1.0078125f, (Half)BFloat16.FromBits(0x3F81));
        Assert.Equal("1", BFloat16.One.ToString());
        Assert.Equal("1.0078125", BFloat16.FromBits(0x3F81).ToString());
        Assert.Equal("-Infinity", BFloat16.NegativeInfinity.ToString());
        Assert.Equal("NaN", BFloat16.NaN.ToString());
        Assert.True(BFloat16.NaN.Equals(BFloat16.FromBits(0xFFC1)));
        Assert.False(BFloat16.NaN == BFloat16.NaN);
        Assert.True(BFloat16.Zero == BFloat16.FromBits(0x8000));
        Assert.True(BFloat16.Zero.Equals(BFloat16.FromBits(0x8000)));
        Assert.Equal(BFloat16.Zero.GetHashCode(), BFloat16.FromBits(0x8000).GetHashCode());
        Assert.True(BFloat16.One < BFloat16.FromBits(0x3F81));
        Assert.True(BFloat16.PositiveInfinity.IsInfinity && !BFloat16.PositiveInfinity.IsFinite);
        Assert.True(BFloat16.MaxValue.IsFinite && !BFloat16.MaxValue.IsNaN);
    }
}
