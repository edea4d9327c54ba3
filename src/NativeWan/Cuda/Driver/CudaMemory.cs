using System.Runtime.InteropServices;

namespace NativeWan.Cuda.Driver;

/// <summary>
/// Copies and fills on a stream (raw CUstream, 0 = legacy default). Device addresses are <c>CUdeviceptr</c> values
/// (<see cref="ulong"/>), sizes are bytes unless a method says elements.
/// </summary>
/// <remarks>
/// Host memory from a managed span is pageable: host→device copies from it return once the data is staged (the span
/// may be reused right away) and device→host copies into it return only when complete. Spans over pinned memory
/// (<see cref="Memory.PinnedHostPool"/>) make both truly asynchronous: keep the memory alive and untouched until the
/// stream is synchronized or an event recorded after the copy has completed.
/// </remarks>
public static unsafe class CudaMemory
{
    /// <summary>Copies <paramref name="src"/> to device address <paramref name="dst"/> (<c>cuMemcpyHtoDAsync_v2</c>).</summary>
    /// <exception cref="CudaException">The copy was rejected (e.g. invalid address).</exception>
    public static void CopyToDevice<T>(ulong dst, ReadOnlySpan<T> src, nint stream = 0) where T : unmanaged
    {
        if (src.IsEmpty) return;
        fixed (T* p = src)
            CuDriver.Check(CuDriver.cuMemcpyHtoDAsync_v2(dst, p, (nuint)((ulong)src.Length * (ulong)sizeof(T)), stream), "cuMemcpyHtoDAsync_v2");
    }

    /// <summary>Copies from device address <paramref name="src"/> into <paramref name="dst"/> (<c>cuMemcpyDtoHAsync_v2</c>).</summary>
    /// <exception cref="CudaException">The copy was rejected.</exception>
    public static void CopyToHost<T>(Span<T> dst, ulong src, nint stream = 0) where T : unmanaged
    {
        if (dst.IsEmpty) return;
        fixed (T* p = dst)
            CuDriver.Check(CuDriver.cuMemcpyDtoHAsync_v2(p, src, (nuint)((ulong)dst.Length * (ulong)sizeof(T)), stream), "cuMemcpyDtoHAsync_v2");
    }

    /// <summary>Device-to-device copy of <paramref name="bytes"/> bytes.</summary>
    public static void CopyDeviceToDevice(ulong dst, ulong src, ulong bytes, nint stream = 0)
    {
        if (bytes == 0) return;
        CuDriver.Check(CuDriver.cuMemcpyDtoDAsync_v2(dst, src, (nuint)bytes, stream), "cuMemcpyDtoDAsync_v2");
    }

    /// <summary>Sets <paramref name="bytes"/> bytes at <paramref name="dst"/> to <paramref name="value"/> (<c>cuMemsetD8Async</c>).</summary>
    public static void Fill(ulong dst, byte value, ulong bytes, nint stream = 0)
    {
        if (bytes == 0) return;
        CuDriver.Check(CuDriver.cuMemsetD8Async(dst, value, (nuint)bytes, stream), "cuMemsetD8Async");
    }
}
