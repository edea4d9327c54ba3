using System.Runtime.InteropServices;

namespace NativeWan.Cuda.Driver;

/// <summary>
/// Raw CUDA driver API bindings (libcuda.so.1 / nvcuda.dll through the logical name <c>"cuda"</c>, see
/// <see cref="NativeLibraries"/>). One partial file per area, TorchSharp-style. Signatures are blittable:
/// <c>nint</c> for opaque handles (CUcontext, CUmodule, CUfunction, CUstream, CUevent), <c>int</c> for CUdevice,
/// <c>ulong</c> for CUdeviceptr, <c>nuint</c> for size_t, <c>out</c> for returned values, <c>byte*</c> for C strings.
/// Versioned entry points (<c>_v2</c>) are bound by their exported names. Every function returns
/// <see cref="CuResult"/>; use <see cref="Check"/> to turn failures into <see cref="CudaException"/>.
/// </summary>
internal static unsafe partial class CuDriver
{
    internal const string Lib = NativeLibraries.Cuda;

    static CuDriver() => NativeLibraries.EnsureRegistered();

    /// <summary>Throws <see cref="CudaException"/> naming <paramref name="api"/> when <paramref name="r"/> is not success.</summary>
    /// <exception cref="CudaOutOfMemoryException">r is CUDA_ERROR_OUT_OF_MEMORY.</exception>
    /// <exception cref="CudaException">Any other failure.</exception>
    [System.Diagnostics.StackTraceHidden]
    internal static void Check(CuResult r, string api, string? detail = null)
    {
        if (r == CuResult.Success) return;
        if (r == CuResult.OutOfMemory) throw new CudaOutOfMemoryException(api, 0, detail ?? "out of device memory");
        throw new CudaException(CudaLibrary.Driver, (int)r, api, detail);
    }
}
