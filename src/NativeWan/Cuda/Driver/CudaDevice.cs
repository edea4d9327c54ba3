namespace NativeWan.Cuda.Driver;

/// <summary>Static properties of one CUDA device (queried once at <see cref="Get"/>).</summary>
public sealed unsafe class CudaDevice
{
    /// <summary>Device ordinal (0-based, as enumerated by the driver after CUDA_VISIBLE_DEVICES).</summary>
    public int Ordinal { get; }
    /// <summary>The driver's CUdevice handle.</summary>
    internal int Handle { get; }
    /// <summary>Marketing name, e.g. "NVIDIA GeForce RTX 4070".</summary>
    public string Name { get; }
    /// <summary>Compute capability major version (8 for Ampere, 9 for Hopper).</summary>
    public int Major { get; }
    /// <summary>Compute capability minor version.</summary>
    public int Minor { get; }
    /// <summary>Number of streaming multiprocessors.</summary>
    public int MultiprocessorCount { get; }
    /// <summary>Total device memory in bytes.</summary>
    public ulong TotalMemoryBytes { get; }

    /// <summary>10·major + minor, e.g. 89 for sm_89.</summary>
    public int ComputeCapability => Major * 10 + Minor;
    /// <summary>The real architecture name NVRTC and nvcc use, e.g. "sm_89".</summary>
    public string Arch => $"sm_{ComputeCapability}";

    CudaDevice(int ordinal, int handle)
    {
        Ordinal = ordinal; Handle = handle;
        byte* buf = stackalloc byte[256];
        CuDriver.Check(CuDriver.cuDeviceGetName(buf, 256, handle), "cuDeviceGetName");
        buf[255] = 0;
        Name = new string((sbyte*)buf);
        Major = GetAttribute(CuDeviceAttribute.ComputeCapabilityMajor);
        Minor = GetAttribute(CuDeviceAttribute.ComputeCapabilityMinor);
        MultiprocessorCount = GetAttribute(CuDeviceAttribute.MultiprocessorCount);
        CuDriver.Check(CuDriver.cuDeviceTotalMem_v2(out nuint total, handle), "cuDeviceTotalMem_v2");
        TotalMemoryBytes = total;
    }

    /// <summary>Initializes the driver and describes device <paramref name="ordinal"/>.</summary>
    /// <exception cref="DllNotFoundException">No driver library.</exception>
    /// <exception cref="CudaException">Initialization failed or the ordinal is invalid (CUDA_ERROR_INVALID_DEVICE).</exception>
    public static CudaDevice Get(int ordinal)
    {
        CudaDriver.Initialize();
        CuDriver.Check(CuDriver.cuDeviceGet(out int h, ordinal), "cuDeviceGet", $"device ordinal {ordinal}");
        return new CudaDevice(ordinal, h);
    }

    /// <summary>Any <c>CUdevice_attribute</c> value (units as documented on <see cref="CuDeviceAttribute"/>).</summary>
    /// <exception cref="CudaException">The driver rejected the attribute.</exception>
    public int GetAttribute(CuDeviceAttribute attribute)
    {
        CuDriver.Check(CuDriver.cuDeviceGetAttribute(out int v, attribute, Handle), "cuDeviceGetAttribute", attribute.ToString());
        return v;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Arch}, {MultiprocessorCount} SMs, {TotalMemoryBytes / (1024.0 * 1024 * 1024):F1} GiB)";
}
