namespace NativeWan.Cuda.Memory;

/// <summary>
/// Size classes of the caching allocators: requests up to 1 MiB round up to a multiple of 512 bytes, larger requests
/// to a multiple of 2 MiB. A free block is reused only for a request of exactly the same class (and stream), so the
/// waste per block is below 512 B for small and below 2 MiB for large requests.
/// </summary>
public static class SizeClasses
{
    /// <summary>Granularity of small classes (bytes).</summary>
    public const ulong SmallGranularity = 512;
    /// <summary>Largest request served from small classes (bytes, inclusive): 1 MiB.</summary>
    public const ulong SmallLimit = 1UL << 20;
    /// <summary>Granularity of large classes (bytes): 2 MiB.</summary>
    public const ulong LargeGranularity = 2UL << 20;

    /// <summary>The size class (bytes actually reserved) for a request of <paramref name="bytes"/> &gt; 0 bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">bytes is 0 or so large that rounding overflows.</exception>
    public static ulong RoundUp(ulong bytes)
    {
        if (bytes == 0) throw new ArgumentOutOfRangeException(nameof(bytes), "a size class needs at least 1 byte");
        ulong g = bytes <= SmallLimit ? SmallGranularity : LargeGranularity;
        if (bytes > ulong.MaxValue - (g - 1)) throw new ArgumentOutOfRangeException(nameof(bytes), bytes, "request too large");
        return (bytes + g - 1) / g * g;
    }
}

/// <summary>Formats byte counts for messages ("1.50 MiB").</summary>
public static class ByteSize
{
    /// <summary>B, KiB, MiB, GiB or TiB with two decimals (bytes below 1 KiB as an integer).</summary>
    public static string Format(ulong bytes)
    {
        if (bytes < 1024) return $"{bytes} B";
        string[] units = { "KiB", "MiB", "GiB", "TiB" };
        double v = bytes; int u = -1;
        while (v >= 1024 && u < units.Length - 1) { v /= 1024; u++; }
        return $"{v:F2} {units[u]}";
    }
}
