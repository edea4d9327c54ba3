namespace NativeWan.Tests;

/// <summary>
/// A fact about behaviour without a CUDA driver (e.g. error messages when libcuda is missing): skipped on machines
/// where a driver is found, the twin of <see cref="GpuFactAttribute"/>.
/// </summary>
public sealed class NoGpuFactAttribute : FactAttribute
{
    public NoGpuFactAttribute()
    {
        if (GpuFactAttribute.HasCudaDriver()) Skip = "a CUDA driver is present on this machine";
    }
}
