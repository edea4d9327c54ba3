using System.Runtime.InteropServices;

namespace NativeWan.Cuda.Driver;

internal static unsafe partial class CuDriver
{
    /// <summary>CU_STREAM_NON_BLOCKING: no implicit synchronization with the legacy default stream.</summary>
    internal const uint StreamNonBlocking = 1;
    /// <summary>CU_EVENT_DISABLE_TIMING.</summary>
    internal const uint EventDisableTiming = 2;
    /// <summary>CU_EVENT_BLOCKING_SYNC.</summary>
    internal const uint EventBlockingSync = 1;

    [LibraryImport(Lib)] internal static partial CuResult cuStreamCreate(out nint stream, uint flags);
    [LibraryImport(Lib)] internal static partial CuResult cuStreamDestroy_v2(nint stream);
    [LibraryImport(Lib)] internal static partial CuResult cuStreamSynchronize(nint stream);
    /// <summary>Success when all work is done, CUDA_ERROR_NOT_READY otherwise.</summary>
    [LibraryImport(Lib)] internal static partial CuResult cuStreamQuery(nint stream);
    /// <summary>Makes future work on <paramref name="stream"/> wait for <paramref name="ev"/> (flags 0).</summary>
    [LibraryImport(Lib)] internal static partial CuResult cuStreamWaitEvent(nint stream, nint ev, uint flags);

    [LibraryImport(Lib)] internal static partial CuResult cuEventCreate(out nint ev, uint flags);
    [LibraryImport(Lib)] internal static partial CuResult cuEventRecord(nint ev, nint stream);
    [LibraryImport(Lib)] internal static partial CuResult cuEventSynchronize(nint ev);
    [LibraryImport(Lib)] internal static partial CuResult cuEventQuery(nint ev);
    /// <summary>Milliseconds between two recorded, completed events (resolution about 0.5 µs).</summary>
    [LibraryImport(Lib)] internal static partial CuResult cuEventElapsedTime(out float milliseconds, nint start, nint end);
    [LibraryImport(Lib)] internal static partial CuResult cuEventDestroy_v2(nint ev);
}
