namespace NativeWan.Cuda.Driver;

/// <summary>
/// The primary context of one device, made current on the creating thread. Each thread that issues CUDA calls must
/// call <see cref="MakeCurrent"/> once. Disposing releases this object's reference; the driver context goes away when
/// the last stream, event and module created from it are disposed too.
/// </summary>
public sealed class CudaContext : IDisposable
{
    /// <summary>The device this context belongs to.</summary>
    public CudaDevice Device { get; }
    /// <summary>The reference-counted context handle (children hold references on it).</summary>
    public CudaContextHandle Handle { get; }

    CudaContext(CudaDevice device, CudaContextHandle handle) { Device = device; Handle = handle; }

    /// <summary>Initializes the driver, retains device <paramref name="ordinal"/>'s primary context and makes it current.</summary>
    /// <exception cref="DllNotFoundException">No driver library.</exception>
    /// <exception cref="CudaException">Initialization, retain or set-current failed.</exception>
    public static CudaContext Create(int ordinal = 0)
    {
        var device = CudaDevice.Get(ordinal);
        var h = new CudaContextHandle(device.Handle);
        CuDriver.Check(CuDriver.cuDevicePrimaryCtxRetain(out nint raw, device.Handle), "cuDevicePrimaryCtxRetain", $"device {ordinal}");
        h.Attach(raw);
        var ctx = new CudaContext(device, h);
        try { ctx.MakeCurrent(); }
        catch { h.Dispose(); throw; }
        return ctx;
    }

    /// <summary>Binds the context to the calling thread.</summary>
    /// <exception cref="ObjectDisposedException">The context was disposed.</exception>
    /// <exception cref="CudaException">cuCtxSetCurrent failed.</exception>
    public void MakeCurrent()
    {
        ObjectDisposedException.ThrowIf(Handle.IsClosed, this);
        CuDriver.Check(CuDriver.cuCtxSetCurrent(Handle.DangerousGetHandle()), "cuCtxSetCurrent");
    }

    /// <summary>Blocks until all work in this context is finished; asynchronous kernel faults surface here.</summary>
    /// <exception cref="CudaException">A previous asynchronous operation failed (e.g. CUDA_ERROR_ILLEGAL_ADDRESS).</exception>
    public void Synchronize() => CuDriver.Check(CuDriver.cuCtxSynchronize(), "cuCtxSynchronize");

    /// <summary>Free and total device memory in bytes (<c>cuMemGetInfo_v2</c>; this context must be current).</summary>
    public (ulong Free, ulong Total) GetMemoryInfo()
    {
        CuDriver.Check(CuDriver.cuMemGetInfo_v2(out nuint free, out nuint total), "cuMemGetInfo_v2");
        return (free, total);
    }

    /// <summary>Creates a stream; non-blocking streams do not synchronize with the legacy default stream (0).</summary>
    public CudaStream CreateStream(bool nonBlocking = true) => CudaStream.Create(Handle, nonBlocking);

    /// <summary>Creates an event; pass <paramref name="timing"/> = false for pure synchronization (cheaper).</summary>
    public CudaEvent CreateEvent(bool timing = true) => CudaEvent.Create(Handle, timing);

    /// <summary>Loads a cubin, fatbin or NUL-terminated PTX image (<c>cuModuleLoadData</c>).</summary>
    /// <param name="image">The image bytes; PTX must end with a 0 byte.</param>
    /// <param name="name">For error messages (e.g. the kernel file).</param>
    /// <exception cref="CudaException">The image is invalid or has no code for this GPU (CUDA_ERROR_NO_BINARY_FOR_GPU).</exception>
    public CudaModule LoadModule(ReadOnlySpan<byte> image, string name) => CudaModule.Load(Handle, image, name);

    /// <summary>Releases this object's context reference.</summary>
    public void Dispose() => Handle.Dispose();
}
