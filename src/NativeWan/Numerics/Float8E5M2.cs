using System.Globalization;
using System.Runtime.CompilerServices;

namespace NativeWan.Numerics;

/// <summary>
/// OCP FP8 E5M2 (safetensors "F8_E5M2", torch.float8_e5m2): 1 sign bit, 5 exponent bits (bias 15), 2 mantissa bits;
/// IEEE-like: S.11111.00 = ±Infinity, S.11111.{01,10,11} = NaN; largest finite magnitude S.11110.11 = 57344;
/// smallest normal 2^-14; smallest subnormal 2^-16. The bit pattern equals the upper byte of the fp16 encoding.
/// Storage is the raw byte.
/// </summary>
/// <remarks>
/// Encode policy (float32 → E5M2, <see cref="FromSingle"/>), per the OCP 8-bit Floating Point Specification v1.0:
/// <list type="bullet">
/// <item>Finite values round to nearest, ties to even, with subnormals; magnitudes ≤ 2^-17 (half the smallest
/// subnormal; the tie goes to even = 0) become ±0 with the sign kept (so -0 → 0x80).</item>
/// <item>Finite overflow: a value overflows when it rounds past 57344, i.e. |x| ≥ 61440 (61440 is the tie between
/// 57344 = S.11110.11, odd, and 65536, and goes to even = overflow). Saturating mode (the default): → ±57344.
/// Non-saturating mode: → ±Infinity (IEEE behaviour, like torch's <c>.to(torch.float8_e5m2)</c>).</item>
/// <item>±Infinity: saturating → ±57344; non-saturating → ±Infinity.</item>
/// <item>NaN (any payload) → S.11111.11 (0x7F / 0xFF) with the input's sign, in both modes.</item>
/// </list>
/// Decode (<see cref="ToSingle"/>) is exact, via a 256-entry table. Equality follows <see cref="float.Equals(float)"/>
/// (NaN equals NaN, +0 equals -0).
/// </remarks>
public readonly struct Float8E5M2 : IEquatable<Float8E5M2>, IFormattable
{
    private const int MantBits = 2, Bias = 15;
    private const uint MaxFiniteCode = 0x7B, InfCode = 0x7C, NaNCode = 0x7F;

    private static readonly float[] DecodeTable = Float8Codec.BuildDecodeTable(5, MantBits, Bias,
        (exp, mant) => exp == 31 ? (mant == 0 ? float.PositiveInfinity : float.NaN) : null);

    private readonly byte _bits;

    private Float8E5M2(byte bits) => _bits = bits;

    /// <summary>The raw 8-bit pattern.</summary>
    public byte Bits => _bits;

    /// <summary>Wraps a raw 8-bit pattern (no conversion).</summary>
    public static Float8E5M2 FromBits(byte bits) => new(bits);

    /// <summary>Largest finite value, 0x7B = 57344.</summary>
    public static Float8E5M2 MaxValue => new(0x7B);
    /// <summary>Most negative finite value, 0xFB = -57344.</summary>
    public static Float8E5M2 MinValue => new(0xFB);
    /// <summary>Smallest positive subnormal, 0x01 = 2^-16 ≈ 1.5258789e-5.</summary>
    public static Float8E5M2 Epsilon => new(0x01);
    /// <summary>+Infinity (0x7C).</summary>
    public static Float8E5M2 PositiveInfinity => new(0x7C);
    /// <summary>-Infinity (0xFC).</summary>
    public static Float8E5M2 NegativeInfinity => new(0xFC);
    /// <summary>The NaN pattern produced by encoding (0x7F).</summary>
    public static Float8E5M2 NaN => new(0x7F);
    /// <summary>+0 (0x00).</summary>
    public static Float8E5M2 Zero => new(0x00);
    /// <summary>1.0 (0x3C).</summary>
    public static Float8E5M2 One => new(0x3C);

    /// <summary>True for NaN patterns (exponent all ones, mantissa non-zero).</summary>
    public bool IsNaN => (_bits & 0x7F) > 0x7C;
    /// <summary>True for ±Infinity.</summary>
    public bool IsInfinity => (_bits & 0x7F) == 0x7C;

    /// <summary>The 256 decoded values indexed by bit pattern. Read-only view of the decode table.</summary>
    public static ReadOnlySpan<float> DecodeLookup => DecodeTable;

    /// <summary>Encodes float32 → E5M2 bits (RNE; see type remarks for the saturating / non-saturating policy).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte EncodeBits(float value, bool saturate = true)
    {
        uint b = BitConverter.SingleToUInt32Bits(value);
        uint sign = (b >> 24) & 0x80u;
        uint abs = b & 0x7FFF_FFFFu;
        uint code;
        if (abs >= 0x7F80_0000u)
            code = abs == 0x7F80_0000u ? (saturate ? MaxFiniteCode : InfCode) : NaNCode;
        else
        {
            code = Float8Codec.RoundMagnitude(abs, MantBits, Bias);
            if (code > MaxFiniteCode) code = saturate ? MaxFiniteCode : InfCode;
        }
        return (byte)(sign | code);
    }

    /// <summary>Converts float32 → E5M2 (RNE). <paramref name="saturate"/> = true (default): finite overflow and ±Inf
    /// clamp to ±57344; false: they become ±Inf. NaN → NaN always. See type remarks.</summary>
    public static Float8E5M2 FromSingle(float value, bool saturate = true) => new(EncodeBits(value, saturate));

    /// <summary>Exact conversion E5M2 → float32 (table lookup).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float ToSingle() => DecodeTable[_bits];

    /// <summary>Saturating float32 → E5M2 (same as <c>FromSingle(value, saturate: true)</c>).</summary>
    public static explicit operator Float8E5M2(float value) => FromSingle(value);
    /// <summary>Exact widening E5M2 → float32.</summary>
    public static implicit operator float(Float8E5M2 value) => value.ToSingle();

    /// <summary>IEEE equality on the decoded values (NaN != NaN, +0 == -0).</summary>
    public static bool operator ==(Float8E5M2 a, Float8E5M2 b) => a.ToSingle() == b.ToSingle();
    /// <summary>IEEE inequality on the decoded values.</summary>
    public static bool operator !=(Float8E5M2 a, Float8E5M2 b) => a.ToSingle() != b.ToSingle();

    /// <summary>Value equality with <see cref="float.Equals(float)"/> semantics (NaN equals NaN, +0 equals -0).</summary>
    public bool Equals(Float8E5M2 other) => ToSingle().Equals(other.ToSingle());
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Float8E5M2 other && Equals(other);
    /// <inheritdoc/>
    public override int GetHashCode() => ToSingle().GetHashCode();
    /// <summary>Decimal text of the exact value (invariant culture), e.g. "57344".</summary>
    public override string ToString() => ToSingle().ToString(CultureInfo.InvariantCulture);
    /// <summary>Formats the float32 value with the given format and provider.</summary>
    public string ToString(string? format, IFormatProvider? formatProvider) => ToSingle().ToString(format, formatProvider);
}
