namespace NativeWan.Cuda.Driver;

/// <summary>
/// <c>CUresult</c> of the CUDA driver API (subset; any other value is still carried through as a raw int).
/// Names follow cuda.h without the <c>CUDA_ERROR_</c> prefix.
/// </summary>
public enum CuResult : int
{
    Success = 0,
    InvalidValue = 1,
    OutOfMemory = 2,
    NotInitialized = 3,
    Deinitialized = 4,
    StubLibrary = 34,
    DeviceUnavailable = 46,
    NoDevice = 100,
    InvalidDevice = 101,
    InvalidImage = 200,
    InvalidContext = 201,
    NoBinaryForGpu = 209,
    InvalidPtx = 218,
    UnsupportedPtxVersion = 222,
    InvalidHandle = 400,
    NotFound = 500,
    NotReady = 600,
    IllegalAddress = 700,
    LaunchOutOfResources = 701,
    ContextIsDestroyed = 709,
    LaunchFailed = 719,
    NotSupported = 801,
    SystemDriverMismatch = 803,
    Unknown = 999,
}

/// <summary>
/// <c>CUdevice_attribute</c> values used by NativeWan (numbers as in cuda.h; stable across CUDA 11–13).
/// </summary>
public enum CuDeviceAttribute : int
{
    MaxThreadsPerBlock = 1,
    MaxBlockDimX = 2,
    MaxGridDimX = 5,
    /// <summary>Bytes of static shared memory per block (48 KiB).</summary>
    MaxSharedMemoryPerBlock = 8,
    WarpSize = 10,
    /// <summary>Peak SM clock in kHz.</summary>
    ClockRate = 13,
    MultiprocessorCount = 16,
    PciBusId = 33,
    PciDeviceId = 34,
    /// <summary>Peak memory clock in kHz.</summary>
    MemoryClockRate = 36,
    /// <summary>Global memory bus width in bits.</summary>
    GlobalMemoryBusWidth = 37,
    /// <summary>L2 cache size in bytes.</summary>
    L2CacheSize = 38,
    MaxThreadsPerMultiprocessor = 39,
    AsyncEngineCount = 40,
    UnifiedAddressing = 41,
    PciDomainId = 50,
    ComputeCapabilityMajor = 75,
    ComputeCapabilityMinor = 76,
    /// <summary>Shared memory per SM in bytes.</summary>
    MaxSharedMemoryPerMultiprocessor = 81,
    MaxRegistersPerMultiprocessor = 82,
    /// <summary>Largest dynamic shared memory a block can opt into (bytes, via cuFuncSetAttribute).</summary>
    MaxSharedMemoryPerBlockOptin = 97,
    MaxBlocksPerMultiprocessor = 106,
    /// <summary>1 when cuMemAllocAsync / memory pools are supported.</summary>
    MemoryPoolsSupported = 115,
}
