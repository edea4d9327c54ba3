using NativeWan.Cuda;
using NativeWan.Cuda.Blas;
using NativeWan.Cuda.Driver;
using NativeWan.Cuda.Memory;
using NativeWan.Cuda.Nvrtc;

namespace NativeWan.Ops.Cuda;

/// <summary>
/// Everything a GPU job holds for its lifetime: the primary context of one device, a caching allocator, one stream,
/// the kernel loader (CMake fatbin, disk cache or NVRTC) behind a <see cref="CudaKernelBackend"/>, and the base GEMM
/// (cuBLASLt when installed, else the tiled <see cref="SimpleGemm"/>). Dispose in reverse order of use.
/// </summary>
public sealed class CudaSession : IDisposable
{
    /// <summary>The device context.</summary>
    public CudaContext Context { get; }
    /// <summary>Device memory pool (statistics for the memory report).</summary>
    public CachingDeviceAllocator Pool { get; }
    /// <summary>The one stream all work is enqueued on.</summary>
    public CudaStream Stream { get; }
    /// <summary>Kernel launches and buffers.</summary>
    public CudaKernelBackend Backend { get; }
    /// <summary>Kernel modules: fatbin, disk cache or NVRTC for <see cref="KernelLoader.Target"/>.</summary>
    public KernelLoader Loader { get; }
    /// <summary>The base Linear products.</summary>
    public IGemm Gemm { get; }
    /// <summary>The device, e.g. "NVIDIA H100 80GB HBM3 (sm_90, 132 SMs, 79.1 GiB)".</summary>
    public string Device { get; }

    readonly CublasLtGemm? _lt;

    CudaSession(int ordinal, string kernelsDirectory, string? cacheDirectory, bool rebuild)
    {
        Context = CudaContext.Create(ordinal);
        Pool = new CachingDeviceAllocator(new CudaDeviceMemoryBackend(Context), $"device {ordinal}");
        Stream = Context.CreateStream();
        Device = Context.Device.ToString();
        Loader = new KernelLoader(Context, new KernelCompiler(kernelsDirectory, new KernelCache(cacheDirectory)));
        Backend = new CudaKernelBackend(Loader, Pool, Stream, Device, rebuild);
        _lt = CublasLtGemm.IsAvailable ? new CublasLtGemm(Pool) : null;
        Gemm = _lt is null ? new SimpleGemm(Backend) : new CublasLtBaseGemm(_lt, Stream.Raw);
    }

    /// <summary>Opens device <paramref name="ordinal"/> after checking driver, GPU, NVRTC and the kernels folder.</summary>
    /// <param name="kernelsDirectory">The <c>kernels/</c> folder; null = <see cref="KernelLocations.FindKernelsDirectory"/>.</param>
    /// <param name="cacheDirectory">Kernel cache; null = the default (~/.cache/nativewan/kernels).</param>
    /// <param name="rebuild">Compile every module with NVRTC, skipping fatbins and the cache (verify-kernels --rebuild).</param>
    /// <exception cref="InvalidOperationException">No CUDA device, NVRTC or kernels folder: the message says which.</exception>
    public static CudaSession Open(int ordinal = 0, string? kernelsDirectory = null, string? cacheDirectory = null, bool rebuild = false)
    {
        if (!CudaAvailability.TryFindDevice(ordinal, out var problem))
            throw new InvalidOperationException($"no CUDA device: {problem}");
        if (!NvrtcLibrary.IsAvailable)
            throw new InvalidOperationException(NativeLibraries.MissingReason(NativeLibraries.Nvrtc) + "; install the CUDA runtime compiler (e.g. cuda-nvrtc-12-x)");
        var dir = kernelsDirectory ?? KernelLocations.FindKernelsDirectory();
        if (dir is null || !Directory.Exists(dir))
            throw new InvalidOperationException($"kernels folder not found{(dir is null ? "" : $": {dir}")} (set {KernelLocations.KernelsVariable})");
        return new CudaSession(ordinal, dir, cacheDirectory, rebuild);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Backend.Dispose();
        _lt?.Dispose();
        Stream.Dispose();
        Pool.Dispose();
        Context.Dispose();
    }
}
