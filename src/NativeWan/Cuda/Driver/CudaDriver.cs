namespace NativeWan.Cuda.Driver;

/// <summary>
/// Process-wide CUDA driver state: loading libcuda, <c>cuInit</c> (once), the driver version and the device count.
/// </summary>
public static class CudaDriver
{
    static readonly object Gate = new();
    static bool _initialized;

    /// <summary>True when the driver library (libcuda.so.1 / nvcuda.dll) can be loaded.</summary>
    public static bool IsLibraryAvailable => NativeLibraries.IsAvailable(NativeLibraries.Cuda);

    /// <summary>Loads the driver and calls <c>cuInit(0)</c> once per process.</summary>
    /// <exception cref="DllNotFoundException">No driver library was found (the message lists the names tried).</exception>
    /// <exception cref="CudaException"><c>cuInit</c> failed, e.g. CUDA_ERROR_NO_DEVICE or CUDA_ERROR_SYSTEM_DRIVER_MISMATCH.</exception>
    public static void Initialize()
    {
        if (Volatile.Read(ref _initialized)) return;
        lock (Gate)
        {
            if (_initialized) return;
            if (!IsLibraryAvailable) throw new DllNotFoundException(NativeLibraries.MissingReason(NativeLibraries.Cuda));
            CuDriver.Check(CuDriver.cuInit(0), "cuInit");
            Volatile.Write(ref _initialized, true);
        }
    }

    /// <summary>Like <see cref="Initialize"/> but returns false with a one-line reason instead of throwing.</summary>
    public static bool TryInitialize(out string? reason)
    {
        try { Initialize(); reason = null; return true; }
        catch (DllNotFoundException e) { reason = e.Message; return false; }
        catch (CudaException e) { reason = e.Message; return false; }
    }

    /// <summary>
    /// Newest CUDA version the installed driver supports, encoded 1000·major + 10·minor (12040 = CUDA 12.4).
    /// Needs only the library, not <c>cuInit</c>.
    /// </summary>
    /// <exception cref="DllNotFoundException">No driver library.</exception>
    public static int Version
    {
        get
        {
            if (!IsLibraryAvailable) throw new DllNotFoundException(NativeLibraries.MissingReason(NativeLibraries.Cuda));
            CuDriver.Check(CuDriver.cuDriverGetVersion(out int v), "cuDriverGetVersion");
            return v;
        }
    }

    /// <summary>Formats an encoded CUDA version (12040 → "12.4").</summary>
    public static string FormatVersion(int encoded) => $"{encoded / 1000}.{encoded % 1000 / 10}";

    /// <summary>Number of CUDA devices visible to this process (after <see cref="Initialize"/>).</summary>
    /// <exception cref="CudaException">The query failed.</exception>
    public static int DeviceCount
    {
        get
        {
            Initialize();
            CuDriver.Check(CuDriver.cuDeviceGetCount(out int n), "cuDeviceGetCount");
            return n;
        }
    }
}
