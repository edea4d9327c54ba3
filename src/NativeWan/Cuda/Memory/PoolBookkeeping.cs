namespace NativeWan.Cuda.Memory;

/// <summary>
/// The bookkeeping shared by <see cref="CachingDeviceAllocator"/> and <see cref="PinnedHostPool"/>: live blocks by
/// address, free blocks per (stream, size class), and the counters behind <see cref="AllocatorStatistics"/>.
/// Not thread-safe; the owners lock around every call. Addresses are carried as <see cref="ulong"/>.
/// </summary>
internal sealed class PoolBookkeeping
{
    readonly record struct Live(ulong Size, ulong Requested, nint Stream);

    readonly Dictionary<(nint Stream, ulong Size), Stack<ulong>> _free = new();
    readonly Dictionary<ulong, Live> _live = new();

    ulong _current, _requested, _peak, _reserved, _peakReserved, _cachedBytes;
    int _cachedBlocks;
    long _allocations, _hits, _backendAllocations, _backendFrees, _oomRetries;

    public ulong ReservedBytes => _reserved;
    public int LiveCount => _live.Count;

    /// <summary>Pops a cached block of exactly this class on this stream.</summary>
    public bool TryTakeCached(nint stream, ulong size, out ulong pointer)
    {
        if (_free.TryGetValue((stream, size), out var stack) && stack.Count > 0)
        {
            pointer = stack.Pop();
            _cachedBytes -= size; _cachedBlocks--; _hits++;
            return true;
        }
        pointer = 0;
        return false;
    }

    /// <summary>Counts a block just obtained from the backend.</summary>
    public void OnBackendAllocated(ulong size)
    {
        _reserved += size; _backendAllocations++;
        if (_reserved > _peakReserved) _peakReserved = _reserved;
    }

    /// <summary>Counts a block returned to the backend (it must not be live or cached any more).</summary>
    public void OnBackendFreed(ulong size) { _reserved -= size; _backendFrees++; }

    public void OnOutOfMemoryRetry() => _oomRetries++;

    /// <summary>Registers a block as handed out.</summary>
    /// <exception cref="InvalidOperationException">The address is already live (backend returned a duplicate).</exception>
    public void MarkLive(ulong pointer, ulong size, ulong requested, nint stream)
    {
        if (!_live.TryAdd(pointer, new Live(size, requested, stream)))
            throw new InvalidOperationException($"address 0x{pointer:X} handed out twice (backend bug)");
        _allocations++;
        _current += size; _requested += requested;
        if (_current > _peak) _peak = _current;
    }

    /// <summary>Removes a live block; false when the address is not live (double free or foreign pointer).</summary>
    public bool TryRelease(ulong pointer, out ulong size, out nint stream)
    {
        if (!_live.Remove(pointer, out var b)) { size = 0; stream = 0; return false; }
        _current -= b.Size; _requested -= b.Requested;
        size = b.Size; stream = b.Stream;
        return true;
    }

    /// <summary>Keeps a released block for reuse on <paramref name="stream"/>.</summary>
    public void PutCached(nint stream, ulong size, ulong pointer)
    {
        var key = (stream, size);
        if (!_free.TryGetValue(key, out var stack)) _free[key] = stack = new Stack<ulong>();
        stack.Push(pointer);
        _cachedBytes += size; _cachedBlocks++;
    }

    /// <summary>Removes every cached block and returns them (the caller frees them and calls <see cref="OnBackendFreed"/>).</summary>
    public List<(nint Stream, ulong Size, ulong Pointer)> DrainCached()
    {
        var list = new List<(nint, ulong, ulong)>(_cachedBlocks);
        foreach (var ((stream, size), stack) in _free)
            while (stack.Count > 0) list.Add((stream, size, stack.Pop()));
        _free.Clear();
        _cachedBytes = 0; _cachedBlocks = 0;
        return list;
    }

    /// <summary>Removes every live block (dispose) and returns them.</summary>
    public List<(nint Stream, ulong Size, ulong Pointer)> DrainLive()
    {
        var list = _live.Select(kv => (kv.Value.Stream, kv.Value.Size, kv.Key)).ToList();
        _live.Clear();
        _current = 0; _requested = 0;
        return list;
    }

    public void ResetPeak() { _peak = _current; _peakReserved = _reserved; }

    /// <summary>Current counters; <paramref name="pendingBytes"/>/<paramref name="pendingBlocks"/> are blocks awaiting a fence (host pool).</summary>
    public AllocatorStatistics Snapshot(ulong pendingBytes = 0, int pendingBlocks = 0) => new(
        _current, _requested, _peak, _reserved, _peakReserved, _cachedBytes + pendingBytes,
        _live.Count, _cachedBlocks + pendingBlocks,
        _allocations, _hits, _backendAllocations, _backendFrees, _oomRetries);
}
