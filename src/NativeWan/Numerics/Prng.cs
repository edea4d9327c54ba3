namespace NativeWan.Numerics;

/// <summary>
/// xoshiro256** (Blackman and Vigna, 2018): a small, fast PRNG whose whole state is four <see cref="ulong"/>s, so
/// training can save it in a checkpoint and resume bit-identically. Seeded with SplitMix64 from one 64-bit seed.
/// Not thread-safe: give each stream of random numbers its own instance.
/// </summary>
public sealed class Prng
{
    ulong _s0, _s1, _s2, _s3;

    /// <summary>Creates a generator from <paramref name="seed"/> (any value, 0 included).</summary>
    public Prng(ulong seed)
    {
        ulong x = seed;
        _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x); _s3 = SplitMix(ref x);
    }

    /// <summary>Restores a generator from <see cref="State"/>.</summary>
    /// <exception cref="ArgumentException">Not four words, or all zero (an invalid xoshiro state).</exception>
    public static Prng FromState(ReadOnlySpan<ulong> state)
    {
        if (state.Length != 4 || (state[0] | state[1] | state[2] | state[3]) == 0)
            throw new ArgumentException("a Prng state is four 64-bit words, not all zero");
        var p = new Prng(0);
        p._s0 = state[0]; p._s1 = state[1]; p._s2 = state[2]; p._s3 = state[3];
        return p;
    }

    /// <summary>The four state words (save them to resume the exact sequence).</summary>
    public ulong[] State => [_s0, _s1, _s2, _s3];

    static ulong SplitMix(ref ulong x)
    {
        ulong z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0; _s3 ^= _s1; _s1 ^= _s2; _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>Uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n).</summary>
    public int NextInt(int n) => n <= 0 ? throw new ArgumentOutOfRangeException(nameof(n)) : (int)((NextUInt64() >> 33) * (ulong)n >> 31);

    /// <summary>Standard normal N(0, 1) by the Box–Muller transform (two uniforms per call; no cached spare, so the state stays four words).</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble(); // (0, 1]
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Fills <paramref name="dst"/> with N(0, 1) float32 samples (Box–Muller, both outputs used).</summary>
    public void FillGaussian(Span<float> dst)
    {
        int i = 0;
        for (; i + 1 < dst.Length; i += 2)
        {
            double u1 = 1.0 - NextDouble(), u2 = NextDouble();
            double r = Math.Sqrt(-2.0 * Math.Log(u1)), a = 2.0 * Math.PI * u2;
            dst[i] = (float)(r * Math.Cos(a));
            dst[i + 1] = (float)(r * Math.Sin(a));
        }
        if (i < dst.Length) dst[i] = (float)NextGaussian();
    }
}
