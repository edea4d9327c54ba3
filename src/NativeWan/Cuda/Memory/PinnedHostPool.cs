namespace NativeWan.Cuda.Memory;

/// <summary>
/// Caching pool of page-locked host memory for asynchronous copies (block swap, uploads). Same size classes as
/// <see cref="CachingDeviceAllocator"/>, one free list per class. A buffer freed while a copy may still read or write
/// it is passed with a fence (an event recorded after the copy); it is reused only once the fence reports completion.
/// </summary>
/// <remarks>
/// Pinning is slow (cuMemHostAlloc maps pages for DMA), which is why blocks are cached. Out of memory: the cache
/// (completed blocks only) is released and the allocation retried once, then <see cref="CudaOutOfMemoryException"/>.
/// Thread-safe. <see cref="Dispose"/> frees everything, including live and pending blocks: synchronize first.
/// </remarks>
public sealed class PinnedHostPool : IDisposable
{
    readonly IHostMemoryBackend _backend;
    readonly PoolBookkeeping _book = new();
    readonly List<(ulong Pointer, ulong Size, IUsageFence Fence)> _pending = new();
    readonly object _gate = new();
    bool _disposed;

    /// <summary>Creates a pool over <paramref name="backend"/>.</summary>
    public PinnedHostPool(IHostMemoryBackend backend) => _backend = backend ?? throw new ArgumentNullException(nameof(backend));

    /// <summary>Allocates <paramref name="bytes"/> bytes of pinned memory (empty buffer for 0).</summary>
    /// <param name="bytes">Bytes needed.</param>
    /// <param name="what">What it is for, used in the out-of-memory message.</param>
    /// <exception cref="CudaOutOfMemoryException">Pinning failed even after the cache was released.</exception>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    public PinnedBuffer Allocate(ulong bytes, string? what = null)
    {
        if (bytes == 0) return new PinnedBuffer(0, 0, 0);
        ulong size = SizeClasses.RoundUp(bytes);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            CollectCompletedLocked();
            if (!_book.TryTakeCached(0, size, out ulong p))
            {
                if (!TryBackend(size, out p))
                {
                    _book.OnOutOfMemoryRetry();
                    TrimLocked();
                    if (!TryBackend(size, out p))
                        throw new CudaOutOfMemoryException("cuMemHostAlloc", bytes,
                            $"out of pinned host memory allocating {what ?? "a buffer"}: {ByteSize.Format(bytes)} ({bytes:N0} bytes, size class {ByteSize.Format(size)}) after releasing the cache; pinned pool: {SnapshotLocked()}");
                }
                _book.OnBackendAllocated(size);
            }
            _book.MarkLive(p, size, bytes, 0);
            return new PinnedBuffer((nint)p, bytes, size);
        }
    }

    /// <summary>
    /// Returns a buffer. With a <paramref name="pendingUse"/> fence that is not complete yet, the block waits until it
    /// is (checked at the next <see cref="Allocate"/> or <see cref="Trim"/>); otherwise it is reusable at once.
    /// </summary>
    /// <exception cref="InvalidOperationException">Not a live buffer of this pool (double free or foreign buffer).</exception>
    public void Free(PinnedBuffer buffer, IUsageFence? pendingUse = null)
    {
        if (buffer.IsEmpty) return;
        lock (_gate)
        {
            if (_disposed) return;
            ulong p = (ulong)buffer.Pointer;
            if (!_book.TryRelease(p, out ulong size, out _))
                throw new InvalidOperationException($"pinned pool: 0x{p:X} ({buffer.Length} bytes) is not a live allocation of this pool (double free or foreign buffer)");
            if (pendingUse is null || pendingUse.IsComplete) _book.PutCached(0, size, p);
            else _pending.Add((p, size, pendingUse));
        }
    }

    /// <summary>Returns every cached block whose fence has completed to the backend; blocks still in use stay.</summary>
    public void Trim()
    {
        lock (_gate)
        {
            if (_disposed) return;
            TrimLocked();
        }
    }

    /// <summary>Counters; blocks waiting for a fence count as cached.</summary>
    public AllocatorStatistics Statistics { get { lock (_gate) return SnapshotLocked(); } }

    /// <summary>Blocks freed with a fence that has not completed yet.</summary>
    public int PendingBlocks { get { lock (_gate) return _pending.Count; } }

    /// <summary>Frees all pinned memory, including live and pending blocks.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            foreach (var (_, size, p) in _book.DrainCached().Concat(_book.DrainLive())) { _backend.Free((nint)p, size); _book.OnBackendFreed(size); }
            foreach (var (p, size, _) in _pending) { _backend.Free((nint)p, size); _book.OnBackendFreed(size); }
            _pending.Clear();
        }
    }

    bool TryBackend(ulong size, out ulong pointer)
    {
        bool ok = _backend.TryAllocate(size, out nint p);
        pointer = (ulong)p;
        return ok && p != 0;
    }

    void CollectCompletedLocked()
    {
        for (int i = _pending.Count - 1; i >= 0; i--)
        {
            var (p, size, fence) = _pending[i];
            if (!fence.IsComplete) continue;
            _pending.RemoveAt(i);
            _book.PutCached(0, size, p);
        }
    }

    void TrimLocked()
    {
        CollectCompletedLocked();
        foreach (var (_, size, p) in _book.DrainCached()) { _backend.Free((nint)p, size); _book.OnBackendFreed(size); }
    }

    AllocatorStatistics SnapshotLocked()
    {
        ulong pendingBytes = 0;
        foreach (var x in _pending) pendingBytes += x.Size;
        return _book.Snapshot(pendingBytes, _pending.Count);
    }
}
