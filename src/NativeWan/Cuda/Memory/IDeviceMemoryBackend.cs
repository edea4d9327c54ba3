namespace NativeWan.Cuda.Memory;

/// <summary>
/// Where a <see cref="CachingDeviceAllocator"/> gets its memory: the CUDA driver (<see cref="CudaDeviceMemoryBackend"/>)
/// or a fake in tests. Implementations need not be thread-safe; the allocator serializes calls.
/// </summary>
public interface IDeviceMemoryBackend
{
    /// <summary>Allocates exactly <paramref name="bytes"/> bytes for use on <paramref name="stream"/>.</summary>
    /// <returns>False when the device is out of memory (the allocator then releases its cache and retries once).</returns>
    /// <exception cref="CudaException">Any failure other than out-of-memory.</exception>
    bool TryAllocate(ulong bytes, nint stream, out ulong pointer);

    /// <summary>Returns a block obtained from <see cref="TryAllocate"/> (same size and stream).</summary>
    void Free(ulong pointer, ulong bytes, nint stream);

    /// <summary>Waits for all device work, before cached blocks are returned to the driver.</summary>
    void Synchronize();

    /// <summary>Free and total device memory in bytes, for out-of-memory messages; false when unknown.</summary>
    bool TryGetMemoryInfo(out ulong free, out ulong total);
}

/// <summary>Where a <see cref="PinnedHostPool"/> gets page-locked host memory (cuMemHostAlloc, or a fake in tests).</summary>
public interface IHostMemoryBackend
{
    /// <summary>Allocates <paramref name="bytes"/> bytes; false when the system cannot pin more memory.</summary>
    /// <exception cref="CudaException">Any failure other than out-of-memory.</exception>
    bool TryAllocate(ulong bytes, out nint pointer);

    /// <summary>Returns a block obtained from <see cref="TryAllocate"/>.</summary>
    void Free(nint pointer, ulong bytes);
}

/// <summary>
/// Tells whether asynchronous work that used a buffer has finished (a CUDA event recorded after the last use, see
/// <see cref="Driver.CudaEvent"/>). A pinned host buffer freed with a pending fence is reused only after it completes.
/// </summary>
public interface IUsageFence
{
    /// <summary>True when all work before the fence is done.</summary>
    bool IsComplete { get; }
}
