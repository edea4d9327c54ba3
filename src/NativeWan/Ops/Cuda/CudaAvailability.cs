using NativeWan.Cuda;
using NativeWan.Cuda.Driver;

namespace NativeWan.Ops.Cuda;

/// <summary>
/// "Is there a usable CUDA device?" for commands that need one, built from the same pieces and with the same messages
/// as <c>nativewan doctor</c>'s driver section (<see cref="CudaDriver"/>, <see cref="NativeLibraries.MissingReason"/>):
/// driver library, cuInit, device count, ordinal.
/// </summary>
public static class CudaAvailability
{
    /// <summary>
    /// True when the driver loads, initializes and has a device <paramref name="ordinal"/>; otherwise false with a one-line
    /// <paramref name="problem"/> ("no CUDA driver (libcuda.so.1) was found: tried …; install the NVIDIA driver …").
    /// </summary>
    public static bool TryFindDevice(int ordinal, out string problem)
    {
        if (!CudaDriver.IsLibraryAvailable)
        {
            problem = NativeLibraries.MissingReason(NativeLibraries.Cuda) + "; install the NVIDIA driver (it provides libcuda.so.1)";
            return false;
        }
        if (!CudaDriver.TryInitialize(out var initError))
        {
            problem = $"the CUDA driver failed to initialize: {initError}";
            return false;
        }
        int count;
        try { count = CudaDriver.DeviceCount; }
        catch (CudaException e) { problem = $"the CUDA driver could not count devices: {e.Message}"; return false; }
        if (count == 0) { problem = "the CUDA driver reports no GPU"; return false; }
        if (ordinal < 0 || ordinal >= count) { problem = $"device {ordinal} does not exist ({count} GPU(s))"; return false; }
        problem = "";
        return true;
    }
}
