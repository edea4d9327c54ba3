using System.Globalization;
using System.Runtime.CompilerServices;

namespace NativeWan.Numerics;

/// <summary>
/// OCP FP8 E4M3 ("E4M3FN", safetensors "F8_E4M3", torch.float8_e4m3fn): 1 sign bit, 4 exponent bits (bias 7),
/// 3 mantissa bits. No infinities; NaN is S.1111.111 (0x7F / 0xFF); largest finite magnitude S.1111.110 = 448;
/// smallest normal 2^-6; smallest subnormal 2^-9. Storage is the raw byte.
/// </summary>
/// <remarks>
/// Encode policy (float32 → E4M3, <see cref="FromSingle"/>), per the OCP 8-bit Floating Point Specification v1.0:
/// <list type="bullet">
/// <item>Finite values round to nearest, ties to even, with subnormals; magnitudes ≤ 2^-10 (half the smallest
/// subnormal; the tie goes to even = 0) become ±0 with the sign kept (so -0 → 0x80).</item>
/// <item>Finite overflow: a value overflows when it rounds past 448, i.e. |x| &gt; 464 (464 itself is the tie
/// between 448 = S.1111.110 and S.1111.111, and goes to even 448). Saturating mode (the default): → ±448.
/// Non-saturating mode: → NaN (sign kept), like torch's <c>.to(torch.float8_e4m3fn)</c>.</item>
/// <item>±Infinity: saturating → ±448; non-saturating → NaN (sign kept).</item>
/// <item>NaN (any payload) → S.1111.111 with the input's sign, in both modes.</item>
/// </list>
/// Decode (<see cref="ToSingle"/>) is exact, via a 256-entry table. Equality follows <see cref="float.Equals(float)"/>
/// (NaN equals NaN, +0 equals -0).
/// </remarks>
public readonly struct Float8E4M3 : IEquatable<Float8E4M3>, IFormattable
{
    private const int MantBits = 3, Bias = 7;
    private const uint MaxFiniteCode = 0x7E, NaNCode = 0x7F;

    private static readonly float[] DecodeTable = Float8Codec.BuildDecodeTable(4, MantBits, Bias,
        (exp, mant) => exp == 15 && mant == 7 ? float.NaN : null);

    private readonly byte _bits;

    private Float8E4M3(byte bits) => _bits = bits;

    /// <summary>The raw 8-bit pattern.</summary>
    public byte Bits => _bits;

    /// <summary>Wraps a raw 8-bit pattern (no conversion).</summary>
    public static Float8E4M3 FromBits(byte bits) => new(bits);

    /// <summary>Largest finite value, 0x7E = 448.</summary>
    public static Float8E4M3 MaxValue => new(0x7E);
    /// <summary>Most negative finite value, 0xFE = -448.</summary>
    public static Float8E4M3 MinValue => new(0xFE);
    /// <summary>Smallest positive subnormal, 0x01 = 2^-9 = 0.001953125.</summary>
    public static Float8E4M3 Epsilon => new(0x01);
    /// <summary>The positive NaN pattern 0x7F.</summary>
    public static Float8E4M3 NaN => new(0x7F);
    /// <summary>+0 (0x00).</summary>
    public static Float8E4M3 Zero => new(0x00);
    /// <summary>1.0 (0x38).</summary>
    public static Float8E4M3 One => new(0x38);

    /// <summary>True for the two NaN patterns 0x7F and 0xFF.</summary>
    public bool IsNaN => (_bits & 0x7F) == 0x7F;

    /// <summary>The 256 decoded values indexed by bit pattern (NaN for 0x7F/0xFF). Read-only view of the decode table.</summary>
    public static ReadOnlySpan<float> DecodeLookup => DecodeTable;

    /// <summary>Encodes float32 → E4M3 bits (RNE; see type remarks for the saturating / non-saturating policy).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte EncodeBits(float value, bool saturate = true)
    {
        uint b = BitConverter.SingleToUInt32Bits(value);
        uint sign = (b >> 24) & 0x80u;
        uint abs = b & 0x7FFF_FFFFu;
        uint code;
        if (abs >= 0x7F80_0000u)
            code = abs == 0x7F80_0000u && saturate ? MaxFiniteCode : NaNCode;
        else
        {
            code = Float8Codec.RoundMagnitude(abs, MantBits, Bias);
            if (code > MaxFiniteCode) code = saturate ? MaxFiniteCode : NaNCode;
        }
        return (byte)(sign | code);
    }

    /// <summary>Converts float32 → E4M3 (RNE). <paramref name="saturate"/> = true (default): finite overflow and ±Inf
    /// clamp to ±448; false: they become NaN. NaN → NaN always. See type remarks.</summary>
    public static Float8E4M3 FromSingle(float value, bool saturate = true) => new(EncodeBits(value, saturate));

    /// <summary>Exact conversion E4M3 → float32 (table lookup).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float ToSingle() => DecodeTable[_bits];

    /// <summary>Saturating float32 → E4M3 (same as <c>FromSingle(value, saturate: true)</c>).</summary>
    public static explicit operator Float8E4M3(float value) => FromSingle(value);
    /// <summary>Exact widening E4M3 → float32.</summary>
    public static implicit operator float(Float8E4M3 value) => value.ToSingle();

    /// <summary>IEEE equality on the decoded values (NaN != NaN, +0 == -0).</summary>
    public static bool operator ==(Float8E4M3 a, Float8E4M3 b) => a.ToSingle() == b.ToSingle();
    /// <summary>IEEE inequality on the decoded values.</summary>
    public static bool operator !=(Float8E4M3 a, Float8E4M3 b) => a.ToSingle() != b.ToSingle();

    /// <summary>Value equality with <see cref="float.Equals(float)"/> semantics (NaN equals NaN, +0 equals -0).</summary>
    public bool Equals(Float8E4M3 other) => ToSingle().Equals(other.ToSingle());
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Float8E4M3 other && Equals(other);
    /// <inheritdoc/>
    public override int GetHashCode() => ToSingle().GetHashCode();
    /// <summary>Decimal text of the exact value (invariant culture), e.g. "448".</summary>
    public override string ToString() => ToSingle().ToString(CultureInfo.InvariantCulture);
    /// <summary>Formats the float32 value with the given format and provider.</summary>
    public string ToString(string? format, IFormatProvider? formatProvider) => ToSingle().ToString(format, formatProvider);
}
