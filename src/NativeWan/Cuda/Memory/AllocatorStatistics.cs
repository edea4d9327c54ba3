namespace NativeWan.Cuda.Memory;

/// <summary>
/// A snapshot of a caching allocator. All sizes are bytes.
/// </summary>
/// <param name="CurrentBytes">Size-class bytes of blocks handed out and not yet freed.</param>
/// <param name="RequestedBytes">Bytes the callers asked for, for the same live blocks (≤ CurrentBytes).</param>
/// <param name="PeakBytes">Largest <paramref name="CurrentBytes"/> since creation or <c>ResetPeak</c>.</param>
/// <param name="ReservedBytes">Bytes held from the backend: live plus cached blocks.</param>
/// <param name="PeakReservedBytes">Largest <paramref name="ReservedBytes"/>.</param>
/// <param name="CachedBytes">Bytes in free blocks kept for reuse (Reserved − Current, plus blocks awaiting a fence).</param>
/// <param name="LiveBlocks">Blocks handed out.</param>
/// <param name="CachedBlocks">Free blocks kept for reuse.</param>
/// <param name="AllocationCount">Non-empty allocation requests served.</param>
/// <param name="CacheHits">Requests served from a cached block without calling the backend.</param>
/// <param name="BackendAllocations">Backend allocations made.</param>
/// <param name="BackendFrees">Backend frees made (trim, out-of-memory retry, dispose).</param>
/// <param name="OutOfMemoryRetries">Times the cache was released to retry a failed backend allocation.</param>
public readonly record struct AllocatorStatistics(
    ulong CurrentBytes, ulong RequestedBytes, ulong PeakBytes,
    ulong ReservedBytes, ulong PeakReservedBytes, ulong CachedBytes,
    int LiveBlocks, int CachedBlocks,
    long AllocationCount, long CacheHits, long BackendAllocations, long BackendFrees, long OutOfMemoryRetries)
{
    /// <summary>
    /// Fraction of reserved memory that holds no requested byte: 1 − Requested / Reserved (0 when nothing is
    /// reserved). Counts both rounding waste inside live blocks and cached free blocks.
    /// </summary>
    public double Fragmentation => ReservedBytes == 0 ? 0 : 1.0 - (double)RequestedBytes / ReservedBytes;

    /// <summary>Fraction of requests served from the cache.</summary>
    public double HitRate => AllocationCount == 0 ? 0 : (double)CacheHits / AllocationCount;

    /// <inheritdoc/>
    public override string ToString() =>
        $"live {LiveBlocks} blocks {ByteSize.Format(CurrentBytes)} (requested {ByteSize.Format(RequestedBytes)}, peak {ByteSize.Format(PeakBytes)}), " +
        $"cached {CachedBlocks} blocks {ByteSize.Format(CachedBytes)}, reserved {ByteSize.Format(ReservedBytes)} (peak {ByteSize.Format(PeakReservedBytes)}), " +
        $"fragmentation {Fragmentation:P1}, {AllocationCount} allocations, {CacheHits} cache hits";
}
