using System.Runtime.InteropServices;

namespace NativeWan.Cuda.Driver;

internal static unsafe partial class CuDriver
{
    /// <summary><c>cuMemGetInfo_v2(size_t* free, size_t* total)</c> for the current context's device, in bytes.</summary>
    [LibraryImport(Lib)] internal static partial CuResult cuMemGetInfo_v2(out nuint free, out nuint total);

    /// <summary><c>cuMemAlloc_v2(CUdeviceptr*, size_t)</c>: 256-byte aligned device memory.</summary>
    [LibraryImport(Lib)] internal static partial CuResult cuMemAlloc_v2(out ulong pointer, nuint bytes);

    [LibraryImport(Lib)] internal static partial CuResult cuMemFree_v2(ulong pointer);

    /// <summary><c>cuMemAllocAsync(CUdeviceptr*, size_t, CUstream)</c>: stream-ordered allocation from the device's default pool.</summary>
    [LibraryImport(Lib)] internal static partial CuResult cuMemAllocAsync(out ulong pointer, nuint bytes, nint stream);

    [LibraryImport(Lib)] internal static partial CuResult cuMemFreeAsync(ulong pointer, nint stream);

    /// <summary><c>cuMemHostAlloc(void**, size_t, unsigned int Flags)</c>: page-locked host memory (flags: 1 portable, 2 device-map, 4 write-combined).</summary>
    [LibraryImport(Lib)] internal static partial CuResult cuMemHostAlloc(out nint pointer, nuint bytes, uint flags);

    [LibraryImport(Lib)] internal static partial CuResult cuMemFreeHost(nint pointer);

    [LibraryImport(Lib)] internal static partial CuResult cuMemcpyHtoDAsync_v2(ulong dst, void* src, nuint bytes, nint stream);

    [LibraryImport(Lib)] internal static partial CuResult cuMemcpyDtoHAsync_v2(void* dst, ulong src, nuint bytes, nint stream);

    [LibraryImport(Lib)] internal static partial CuResult cuMemcpyDtoDAsync_v2(ulong dst, ulong src, nuint bytes, nint stream);

    /// <summary><c>cuMemsetD8Async(CUdeviceptr, unsigned char, size_t N, CUstream)</c>: N bytes.</summary>
    [LibraryImport(Lib)] internal static partial CuResult cuMemsetD8Async(ulong dst, byte value, nuint count, nint stream);
}
