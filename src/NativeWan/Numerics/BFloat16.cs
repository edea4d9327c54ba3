using System.Globalization;
using System.Runtime.CompilerServices;

namespace NativeWan.Numerics;

/// <summary>
/// Brain floating point (bfloat16): 1 sign bit, 8 exponent bits (bias 127), 7 mantissa bits, i.e. the upper
/// 16 bits of an IEEE-754 binary32. Storage is the raw <see cref="ushort"/> bit pattern (layout-compatible with
/// safetensors "BF16" little-endian data).
/// </summary>
/// <remarks>
/// Conversion policy (float32 → bf16, <see cref="FromSingle"/>): round to nearest, ties to even, applied to the
/// bit pattern; finite values whose magnitude reaches the halfway point above <see cref="MaxValue"/>
/// (0x7F7F8000 = 3.3961775e38) round to ±Infinity, as IEEE-754 RNE requires (so <c>float.MaxValue</c> → +Inf).
/// ±Infinity stays ±Infinity; any NaN becomes a quiet NaN with the same sign and the top 7 payload bits
/// (bit 6 of the result forced to 1), so a NaN never turns into Infinity. Float32 subnormals round like any other
/// value (bf16 has the same exponent range). bf16 → float32 is exact (shift left by 16).
/// Equality follows <see cref="float.Equals(float)"/>: NaN equals NaN and +0 equals -0 for <see cref="Equals(BFloat16)"/>;
/// the <c>==</c> operator is IEEE (NaN != NaN, +0 == -0).
/// </remarks>
public readonly struct BFloat16 : IEquatable<BFloat16>, IComparable<BFloat16>, IFormattable
{
    private readonly ushort _bits;

    private BFloat16(ushort bits) => _bits = bits;

    /// <summary>The raw 16-bit pattern.</summary>
    public ushort Bits => _bits;

    /// <summary>Wraps a raw 16-bit pattern (no conversion).</summary>
    public static BFloat16 FromBits(ushort bits) => new(bits);

    /// <summary>+0 (0x0000).</summary>
    public static BFloat16 Zero => new(0x0000);
    /// <summary>1.0 (0x3F80).</summary>
    public static BFloat16 One => new(0x3F80);
    /// <summary>+Infinity (0x7F80).</summary>
    public static BFloat16 PositiveInfinity => new(0x7F80);
    /// <summary>-Infinity (0xFF80).</summary>
    public static BFloat16 NegativeInfinity => new(0xFF80);
    /// <summary>Canonical quiet NaN (0x7FC0).</summary>
    public static BFloat16 NaN => new(0x7FC0);
    /// <summary>Largest finite value, 0x7F7F = 3.3895314e38.</summary>
    public static BFloat16 MaxValue => new(0x7F7F);
    /// <summary>Most negative finite value, 0xFF7F = -3.3895314e38.</summary>
    public static BFloat16 MinValue => new(0xFF7F);
    /// <summary>Smallest positive subnormal, 0x0001 = 2^-133 ≈ 9.18355e-41.</summary>
    public static BFloat16 Epsilon => new(0x0001);

    /// <summary>True for any NaN pattern (exponent all ones, mantissa non-zero).</summary>
    public bool IsNaN => (_bits & 0x7FFF) > 0x7F80;
    /// <summary>True for ±Infinity.</summary>
    public bool IsInfinity => (_bits & 0x7FFF) == 0x7F80;
    /// <summary>True for finite values (not NaN, not Infinity).</summary>
    public bool IsFinite => (_bits & 0x7F80) != 0x7F80;

    /// <summary>Rounds a float32 bit pattern to a bf16 bit pattern (RNE, NaN kept quiet; see type remarks).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort RoundToBits(uint singleBits)
    {
        if ((singleBits & 0x7FFF_FFFFu) > 0x7F80_0000u)
            return (ushort)((singleBits >> 16) | 0x0040u);
        return (ushort)((singleBits + 0x7FFFu + ((singleBits >> 16) & 1u)) >> 16);
    }

    /// <summary>Converts float32 → bf16 with round-to-nearest-even (see type remarks for NaN/overflow policy).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static BFloat16 FromSingle(float value) => new(RoundToBits(BitConverter.SingleToUInt32Bits(value)));

    /// <summary>Exact conversion bf16 → float32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public float ToSingle() => BitConverter.UInt32BitsToSingle((uint)_bits << 16);

    /// <summary>Narrowing float32 → bf16 (round to nearest even).</summary>
    public static explicit operator BFloat16(float value) => FromSingle(value);
    /// <summary>Narrowing float64 → bf16: rounds to float32 first (RNE), then to bf16 (RNE). Double rounding can differ
    /// from direct rounding in rare halfway cases.</summary>
    public static explicit operator BFloat16(double value) => FromSingle((float)value);
    /// <summary>Narrowing fp16 → bf16 (via exact float32, then RNE to 8 significant bits; the fp16 range fits, so no overflow).</summary>
    public static explicit operator BFloat16(Half value) => FromSingle((float)value);
    /// <summary>Exact widening bf16 → float32.</summary>
    public static implicit operator float(BFloat16 value) => value.ToSingle();
    /// <summary>Exact widening bf16 → float64.</summary>
    public static implicit operator double(BFloat16 value) => value.ToSingle();
    /// <summary>bf16 → fp16 (via float32; rounds RNE, overflows to ±Inf above 65520).</summary>
    public static explicit operator Half(BFloat16 value) => (Half)value.ToSingle();

    /// <summary>IEEE equality (NaN != NaN, +0 == -0).</summary>
    public static bool operator ==(BFloat16 a, BFloat16 b) => a.ToSingle() == b.ToSingle();
    /// <summary>IEEE inequality.</summary>
    public static bool operator !=(BFloat16 a, BFloat16 b) => a.ToSingle() != b.ToSingle();
    /// <summary>IEEE less-than.</summary>
    public static bool operator <(BFloat16 a, BFloat16 b) => a.ToSingle() < b.ToSingle();
    /// <summary>IEEE greater-than.</summary>
    public static bool operator >(BFloat16 a, BFloat16 b) => a.ToSingle() > b.ToSingle();
    /// <summary>IEEE less-or-equal.</summary>
    public static bool operator <=(BFloat16 a, BFloat16 b) => a.ToSingle() <= b.ToSingle();
    /// <summary>IEEE greater-or-equal.</summary>
    public static bool operator >=(BFloat16 a, BFloat16 b) => a.ToSingle() >= b.ToSingle();

    /// <summary>Value equality with <see cref="float.Equals(float)"/> semantics (NaN equals NaN, +0 equals -0).</summary>
    public bool Equals(BFloat16 other) => ToSingle().Equals(other.ToSingle());
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is BFloat16 other && Equals(other);
    /// <inheritdoc/>
    public override int GetHashCode() => ToSingle().GetHashCode();
    /// <summary>Total order of <see cref="float.CompareTo(float)"/> (NaN sorts first).</summary>
    public int CompareTo(BFloat16 other) => ToSingle().CompareTo(other.ToSingle());

    /// <summary>Shortest round-trippable decimal text of the value (invariant culture), e.g. "1.0078125".</summary>
    public override string ToString() => ToSingle().ToString(CultureInfo.InvariantCulture);
    /// <summary>Formats the float32 value with the given format and provider.</summary>
    public string ToString(string? format, IFormatProvider? formatProvider) => ToSingle().ToString(format, formatProvider);
}
