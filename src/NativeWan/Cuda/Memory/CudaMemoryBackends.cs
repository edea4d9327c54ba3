using NativeWan.Cuda.Driver;

namespace NativeWan.Cuda.Memory;

/// <summary>
/// Device memory from the CUDA driver: <c>cuMemAlloc_v2</c>/<c>cuMemFree_v2</c>, or with
/// <c>streamOrdered</c> = true <c>cuMemAllocAsync</c>/<c>cuMemFreeAsync</c> on the request's stream (needs
/// <see cref="CuDeviceAttribute.MemoryPoolsSupported"/>). The context must be current on the calling thread.
/// </summary>
public sealed class CudaDeviceMemoryBackend : IDeviceMemoryBackend
{
    readonly CudaContext _context;
    readonly bool _streamOrdered;

    /// <summary>Creates the backend for <paramref name="context"/>.</summary>
    public CudaDeviceMemoryBackend(CudaContext context, bool streamOrdered = false)
    {
        _context = context ?? throw new ArgumentNullException(nameof(context));
        _streamOrdered = streamOrdered;
    }

    /// <inheritdoc/>
    public bool TryAllocate(ulong bytes, nint stream, out ulong pointer)
    {
        var r = _streamOrdered ? CuDriver.cuMemAllocAsync(out pointer, (nuint)bytes, stream) : CuDriver.cuMemAlloc_v2(out pointer, (nuint)bytes);
        if (r == CuResult.OutOfMemory) return false;
        CuDriver.Check(r, _streamOrdered ? "cuMemAllocAsync" : "cuMemAlloc_v2", $"{bytes:N0} bytes");
        return true;
    }

    /// <inheritdoc/>
    public void Free(ulong pointer, ulong bytes, nint stream)
    {
        if (_streamOrdered) CuDriver.Check(CuDriver.cuMemFreeAsync(pointer, stream), "cuMemFreeAsync");
        else CuDriver.Check(CuDriver.cuMemFree_v2(pointer), "cuMemFree_v2");
    }

    /// <inheritdoc/>
    public void Synchronize() => _context.Synchronize();

    /// <inheritdoc/>
    public bool TryGetMemoryInfo(out ulong free, out ulong total)
    {
        if (CuDriver.cuMemGetInfo_v2(out nuint f, out nuint t) == CuResult.Success) { free = f; total = t; return true; }
        free = total = 0;
        return false;
    }
}

/// <summary>Page-locked host memory from <c>cuMemHostAlloc</c> (portable: usable from every context) and <c>cuMemFreeHost</c>.</summary>
public sealed class CudaPinnedHostBackend : IHostMemoryBackend
{
    const uint Portable = 1; // CU_MEMHOSTALLOC_PORTABLE

    /// <inheritdoc/>
    public bool TryAllocate(ulong bytes, out nint pointer)
    {
        var r = CuDriver.cuMemHostAlloc(out pointer, (nuint)bytes, Portable);
        if (r == CuResult.OutOfMemory) return false;
        CuDriver.Check(r, "cuMemHostAlloc", $"{bytes:N0} bytes");
        return true;
    }

    /// <inheritdoc/>
    public void Free(nint pointer, ulong bytes) => CuDriver.Check(CuDriver.cuMemFreeHost(pointer), "cuMemFreeHost");
}
