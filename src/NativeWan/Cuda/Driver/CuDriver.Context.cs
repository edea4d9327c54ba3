using System.Runtime.InteropServices;

namespace NativeWan.Cuda.Driver;

internal static unsafe partial class CuDriver
{
    /// <summary><c>cuDevicePrimaryCtxRetain(CUcontext*, CUdevice)</c>: reference-counted primary context.</summary>
    [LibraryImport(Lib)] internal static partial CuResult cuDevicePrimaryCtxRetain(out nint context, int device);

    /// <summary><c>cuDevicePrimaryCtxRelease_v2(CUdevice)</c>: drops one reference taken by Retain.</summary>
    [LibraryImport(Lib)] internal static partial CuResult cuDevicePrimaryCtxRelease_v2(int device);

    /// <summary><c>cuCtxSetCurrent(CUcontext)</c>: binds the context to the calling thread (0 unbinds).</summary>
    [LibraryImport(Lib)] internal static partial CuResult cuCtxSetCurrent(nint context);

    [LibraryImport(Lib)] internal static partial CuResult cuCtxGetCurrent(out nint context);

    /// <summary>Blocks until all work of the current context is done.</summary>
    [LibraryImport(Lib)] internal static partial CuResult cuCtxSynchronize();
}
