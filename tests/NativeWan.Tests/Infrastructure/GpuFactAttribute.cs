namespace NativeWan.Tests;

/// <summary>A fact that needs a CUDA device: reported as skipped (not passed) where no driver is found.</summary>
public sealed class GpuFactAttribute : FactAttribute
{
    public GpuFactAttribute()
    {
        if (!HasCudaDriver()) Skip = "no CUDA driver/device on this machine";
    }

    internal static bool HasCudaDriver()
    {
        foreach (var name in new[] { "libcuda.so.1", "libcuda.so", "nvcuda.dll" })
            if (System.Runtime.InteropServices.NativeLibrary.TryLoad(name, out var h)) { System.Runtime.InteropServices.NativeLibrary.Free(h); return true; }
        return false;
    }
}
