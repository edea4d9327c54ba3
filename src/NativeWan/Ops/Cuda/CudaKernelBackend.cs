using NativeWan.Cuda;
using NativeWan.Cuda.Driver;
using NativeWan.Cuda.Memory;
using NativeWan.Cuda.Nvrtc;
using NativeWan.Numerics;

namespace NativeWan.Ops.Cuda;

/// <summary>
/// The GPU backend of <see cref="CudaOps"/>: modules from <see cref="KernelLoader"/> (fatbin, cache or NVRTC; loaded on
/// first use and kept until <see cref="Dispose"/>), launches and copies on one <see cref="CudaStream"/>, tensors from a
/// <see cref="CachingDeviceAllocator"/>. The context must be current on the calling thread; not for concurrent use.
/// </summary>
public sealed class CudaKernelBackend : IKernelBackend, IDisposable
{
    readonly KernelLoader _loader;
    readonly bool _rebuild;
    readonly Dictionary<string, CudaModule> _modules = new(StringComparer.Ordinal);
    readonly List<KernelLoadInfo> _loads = new();
    readonly Dictionary<ulong, DeviceBuffer> _live = new();

    /// <summary>The allocator tensors come from.</summary>
    public CachingDeviceAllocator Pool { get; }
    /// <summary>The stream every launch and copy is enqueued on.</summary>
    public CudaStream Stream { get; }
    /// <inheritdoc/>
    public string Description { get; }
    /// <summary>How each module loaded so far was obtained.</summary>
    public IReadOnlyList<KernelLoadInfo> Loads => _loads;

    /// <summary>Creates the backend; nothing is loaded yet.</summary>
    /// <param name="loader">Kernel loader for the current context.</param>
    /// <param name="pool">Device allocator.</param>
    /// <param name="stream">Stream to enqueue on.</param>
    /// <param name="description">Device description for reports.</param>
    /// <param name="rebuild">Compile every module with NVRTC, skipping fatbins and the cache.</param>
    public CudaKernelBackend(KernelLoader loader, CachingDeviceAllocator pool, CudaStream stream, string description = "CUDA device", bool rebuild = false)
    {
        _loader = loader ?? throw new ArgumentNullException(nameof(loader));
        Pool = pool ?? throw new ArgumentNullException(nameof(pool));
        Stream = stream ?? throw new ArgumentNullException(nameof(stream));
        Description = description;
        _rebuild = rebuild;
    }

    /// <summary>The module of <paramref name="file"/>, loaded on first use.</summary>
    /// <exception cref="NvrtcCompileException">The file does not compile.</exception>
    /// <exception cref="CudaException">The driver rejected the image.</exception>
    public CudaModule Module(string file)
    {
        if (_modules.TryGetValue(file, out var m)) return m;
        var (module, info) = _loader.Load(file, _rebuild);
        _modules[file] = module;
        _loads.Add(info);
        return module;
    }

    /// <inheritdoc/>
    /// <exception cref="CudaException">The launch was rejected or the kernel is missing from its module.</exception>
    public void Launch(in KernelCall call)
    {
        var f = Module(call.File).GetFunction(call.Kernel);
        var args = new KernelArgs();
        call.Pack(ref args);
        f.Launch(call.Grid, call.Block, ref args, Stream.Raw, call.SharedBytes);
    }

    /// <inheritdoc/>
    public GpuTensor Allocate(long elements, DType dtype, string what)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(elements);
        var b = Pool.Allocate((ulong)(elements * dtype.Size()), Stream.Raw, what);
        if (!b.IsEmpty) _live[b.Pointer] = b;
        return new GpuTensor(b.Pointer, elements, dtype);
    }

    /// <inheritdoc/>
    /// <exception cref="InvalidOperationException">The tensor was not allocated here (or was freed already).</exception>
    public void Free(GpuTensor tensor)
    {
        if (tensor.IsNull) return;
        if (!_live.Remove(tensor.Pointer, out var b))
            throw new InvalidOperationException($"{tensor} was not allocated by this backend (or was freed already)");
        Pool.Free(b);
    }

    /// <inheritdoc/>
    public void Upload<T>(GpuTensor dst, ReadOnlySpan<T> src) where T : unmanaged
    {
        CheckSize<T>(dst, src.Length);
        CudaMemory.CopyToDevice(dst.Pointer, src, Stream.Raw);
    }

    /// <inheritdoc/>
    public void Download<T>(Span<T> dst, GpuTensor src) where T : unmanaged
    {
        CheckSize<T>(src, dst.Length);
        Stream.Synchronize();
        CudaMemory.CopyToHost(dst, src.Pointer, Stream.Raw);
        Stream.Synchronize();
    }

    /// <inheritdoc/>
    public void Fill(GpuTensor dst, byte value) => CudaMemory.Fill(dst.Pointer, value, (ulong)dst.Bytes, Stream.Raw);

    /// <inheritdoc/>
    public void Synchronize() => Stream.Synchronize();

    internal static unsafe void CheckSize<T>(GpuTensor t, int count) where T : unmanaged
    {
        if (sizeof(T) != t.DType.Size())
            throw new ArgumentException($"{typeof(T).Name} ({sizeof(T)} bytes) does not match the tensor's {t.DType}", nameof(t));
        if (count > t.Length) throw new ArgumentException($"{count} elements do not fit {t}", nameof(t));
    }

    /// <summary>Returns live tensors to the pool and unloads the modules (the pool and stream belong to the caller).</summary>
    public void Dispose()
    {
        foreach (var b in _live.Values) Pool.Free(b);
        _live.Clear();
        foreach (var m in _modules.Values) m.Dispose();
        _modules.Clear();
    }
}
