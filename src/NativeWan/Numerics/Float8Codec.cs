using System.Runtime.CompilerServices;

namespace NativeWan.Numerics;

/// <summary>
/// Shared float32 → FP8 rounding (OCP 8-bit Floating Point Specification v1.0, section 5 "conversion":
/// round to nearest, ties to even, with gradual underflow to subnormals) and the decode-table builder.
/// Codes returned are magnitudes in bits 0..6; the caller ORs in the sign (bit 7).
/// </summary>
internal static class Float8Codec
{
    /// <summary>
    /// Rounds |value| (float32 bits with the sign cleared, finite) to an FP8 magnitude code with
    /// <paramref name="mantBits"/> mantissa bits and exponent bias <paramref name="bias"/>.
    /// The result may exceed the format's largest finite code; the caller decides how to treat overflow.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint RoundMagnitude(uint abs, int mantBits, int bias)
    {
        int e = (int)(abs >> 23) - 127;      // unbiased float32 exponent (-127 for float32 zero/subnormals)
        int emin = 1 - bias;                 // smallest normal exponent of the FP8 format
        if (e >= emin)
        {
            // Normal: round the contiguous exponent|mantissa field at bit `shift`; a mantissa carry bumps the exponent.
            int shift = 23 - mantBits;
            uint r = (abs + (1u << (shift - 1)) - 1u + ((abs >> shift) & 1u)) >> shift;
            return r - ((uint)(127 - bias) << mantBits);
        }

        // Subnormal (or zero): count of units 2^(emin - mantBits), rounded RNE. Rounding up to 1 << mantBits yields the
        // smallest normal code, which is exactly the right encoding.
        int s = 23 - mantBits + (emin - e);
        if (s > 24) return 0; // |value| < 2^(emin-mantBits-1): strictly below half the smallest subnormal (no tie possible)
        uint sig = (abs & 0x007F_FFFFu) | 0x0080_0000u;
        return (sig + (1u << (s - 1)) - 1u + ((sig >> s) & 1u)) >> s;
    }

    /// <summary>Builds a 256-entry decode table for a format with the given field widths (NaN/Inf patterns decided by <paramref name="special"/>).</summary>
    internal static float[] BuildDecodeTable(int expBits, int mantBits, int bias, Func<int, int, float?> special)
    {
        var table = new float[256];
        for (int code = 0; code < 256; code++)
        {
            int exp = (code >> mantBits) & ((1 << expBits) - 1);
            int mant = code & ((1 << mantBits) - 1);
            float mag = special(exp, mant) ?? (exp == 0
                ? MathF.ScaleB(mant, 1 - bias - mantBits)
                : MathF.ScaleB((1 << mantBits) + mant, exp - bias - mantBits));
            // Sign applied on the bits so NaN signs are exact too (float.NaN itself has the sign bit set in .NET).
            uint bits = (BitConverter.SingleToUInt32Bits(mag) & 0x7FFF_FFFFu) | ((uint)(code & 0x80) << 24);
            table[code] = BitConverter.UInt32BitsToSingle(bits);
        }
        return table;
    }
}
