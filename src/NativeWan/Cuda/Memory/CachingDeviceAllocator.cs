namespace NativeWan.Cuda.Memory;

/// <summary>
/// Stream-ordered caching allocator for device memory. Requests are rounded to a size class
/// (<see cref="SizeClasses"/>); a freed block goes back to the free list of its (stream, size class) and is handed out
/// again only to a request on the same stream. Work on one stream runs in issue order, so a block freed right after
/// enqueueing the last kernel that uses it can be reused by the next request on that stream without any
/// synchronization (for example a cuBLASLt workspace freed right after the matmul is enqueued).
/// </summary>
/// <remarks>
/// <para>Ownership: the allocator owns all device memory it reserved. Buffers are values; they are returned with
/// <see cref="Free"/>, never by a finalizer (the finalizer thread has no CUDA context). <see cref="Dispose"/>
/// synchronizes and frees everything, live buffers included.</para>
/// <para>Cross-stream use: if a buffer allocated on stream A is also used on stream B, make A wait for B's work
/// (an event recorded on B, <c>CudaStream.Wait</c>) before freeing it, or the block may be reused on A too early.</para>
/// <para>Out of memory: when the backend fails, the allocator releases all cached blocks (<see cref="Trim"/>) and
/// retries once; if that fails it throws <see cref="CudaOutOfMemoryException"/> describing the request and the pool.</para>
/// Thread-safe (one lock).
/// </remarks>
public sealed class CachingDeviceAllocator : IDisposable
{
    readonly IDeviceMemoryBackend _backend;
    readonly PoolBookkeeping _book = new();
    readonly object _gate = new();
    bool _disposed;

    /// <summary>Name used in messages ("device 0").</summary>
    public string Name { get; }

    /// <summary>Creates an allocator over <paramref name="backend"/>.</summary>
    public CachingDeviceAllocator(IDeviceMemoryBackend backend, string name = "device")
    {
        _backend = backend ?? throw new ArgumentNullException(nameof(backend));
        Name = name;
    }

    /// <summary>
    /// Allocates <paramref name="bytes"/> bytes ordered on <paramref name="stream"/> (raw CUstream, 0 = legacy default).
    /// A zero-byte request returns an empty buffer (pointer 0) without touching the pool.
    /// </summary>
    /// <param name="bytes">Bytes needed.</param>
    /// <param name="stream">The stream that will use the buffer.</param>
    /// <param name="what">What the memory is for (tensor name), used in the out-of-memory message.</param>
    /// <exception cref="CudaOutOfMemoryException">The backend failed even after the cache was released.</exception>
    /// <exception cref="ObjectDisposedException">The allocator was disposed.</exception>
    public DeviceBuffer Allocate(ulong bytes, nint stream = 0, string? what = null)
    {
        if (bytes == 0) return new DeviceBuffer(0, 0, 0, stream);
        ulong size = SizeClasses.RoundUp(bytes);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_book.TryTakeCached(stream, size, out ulong p))
            {
                if (!_backend.TryAllocate(size, stream, out p))
                {
                    _book.OnOutOfMemoryRetry();
                    TrimLocked();
                    if (!_backend.TryAllocate(size, stream, out p))
                        throw new CudaOutOfMemoryException("allocate", bytes, OutOfMemoryMessage(bytes, size, stream, what));
                }
                _book.OnBackendAllocated(size);
            }
            _book.MarkLive(p, size, bytes, stream);
            return new DeviceBuffer(p, bytes, size, stream);
        }
    }

    /// <summary>Returns a buffer to the cache of its stream. Freeing an empty buffer does nothing; after
    /// <see cref="Dispose"/> this does nothing either (the memory is already gone).</summary>
    /// <exception cref="InvalidOperationException">The buffer is not live in this allocator (double free or foreign buffer).</exception>
    public void Free(DeviceBuffer buffer)
    {
        if (buffer.IsEmpty) return;
        lock (_gate)
        {
            if (_disposed) return;
            if (!_book.TryRelease(buffer.Pointer, out ulong size, out nint stream))
                throw new InvalidOperationException($"{Name}: 0x{buffer.Pointer:X} ({buffer.Length} bytes) is not a live allocation of this allocator (double free or foreign buffer)");
            _book.PutCached(stream, size, buffer.Pointer);
        }
    }

    /// <summary>Synchronizes the device and returns every cached (free) block to the backend. Live buffers stay valid.</summary>
    public void Trim()
    {
        lock (_gate)
        {
            if (_disposed) return;
            TrimLocked();
        }
    }

    /// <summary>A snapshot of the counters.</summary>
    public AllocatorStatistics Statistics { get { lock (_gate) return _book.Snapshot(); } }

    /// <summary>Sets the peaks to the current values.</summary>
    public void ResetPeak() { lock (_gate) _book.ResetPeak(); }

    /// <summary>One line: the statistics plus the device's free/total memory when known.</summary>
    public string Describe()
    {
        lock (_gate) return DescribeLocked();
    }

    /// <summary>Synchronizes and frees all memory, live buffers included; later <see cref="Allocate"/> calls throw.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            var cached = _book.DrainCached();
            var live = _book.DrainLive();
            if (cached.Count + live.Count == 0) return;
            _backend.Synchronize();
            foreach (var (s, size, p) in cached.Concat(live)) { _backend.Free(p, size, s); _book.OnBackendFreed(size); }
        }
    }

    void TrimLocked()
    {
        var blocks = _book.DrainCached();
        if (blocks.Count == 0) return;
        _backend.Synchronize();
        foreach (var (s, size, p) in blocks) { _backend.Free(p, size, s); _book.OnBackendFreed(size); }
    }

    string DescribeLocked()
    {
        var s = $"{Name} pool: {_book.Snapshot()}";
        if (_backend.TryGetMemoryInfo(out ulong free, out ulong total))
            s += $"; device free {ByteSize.Format(free)} of {ByteSize.Format(total)}";
        return s;
    }

    string OutOfMemoryMessage(ulong bytes, ulong size, nint stream, string? what)
        => $"out of device memory allocating {what ?? "a buffer"}: {ByteSize.Format(bytes)} ({bytes:N0} bytes, size class {ByteSize.Format(size)}) " +
           $"on stream 0x{stream:X}, after releasing the cache; {DescribeLocked()}";
}
