using System.Runtime.InteropServices;

namespace NativeWan.Cuda.Driver;

/// <summary>
/// Owns one reference on a device's primary context (<c>cuDevicePrimaryCtxRetain</c>); releasing it calls
/// <c>cuDevicePrimaryCtxRelease_v2</c>. Streams, events and modules created in the context add a reference to this
/// handle (<see cref="SafeHandle.DangerousAddRef"/>), so the context outlives everything created in it even when
/// disposal happens in the wrong order or on the finalizer thread.
/// </summary>
public sealed class CudaContextHandle : SafeHandle
{
    readonly int _device;

    internal CudaContextHandle(int device) : base(0, ownsHandle: true) => _device = device;

    internal void Attach(nint context) => SetHandle(context);

    /// <inheritdoc/>
    public override bool IsInvalid => handle == 0;

    /// <inheritdoc/>
    protected override bool ReleaseHandle()
    {
        var r = CuDriver.cuDevicePrimaryCtxRelease_v2(_device);
        return r is CuResult.Success or CuResult.Deinitialized;
    }
}

/// <summary>
/// Base of handles that live inside a context (stream, event, module). Holds a reference on the owning
/// <see cref="CudaContextHandle"/>; <see cref="ReleaseHandle"/> makes that context current on the releasing thread
/// (restoring the previous one afterwards), destroys the object and drops the context reference. Release failures
/// are swallowed (a SafeHandle must not throw); CUDA_ERROR_DEINITIALIZED at process exit counts as released.
/// </summary>
public abstract class CudaContextBoundHandle : SafeHandle
{
    readonly CudaContextHandle _context;

    private protected CudaContextBoundHandle(CudaContextHandle context) : base(0, ownsHandle: true) => _context = context;

    /// <inheritdoc/>
    public override bool IsInvalid => handle == 0;

    /// <summary>The raw driver handle. Valid while this object is not disposed; the caller keeps it alive.</summary>
    public nint Raw => handle;

    /// <summary>Takes ownership of a freshly created raw handle; destroys it again if the context is already closed.</summary>
    private protected void Attach(nint raw)
    {
        bool added = false;
        try { _context.DangerousAddRef(ref added); }
        finally
        {
            if (added) SetHandle(raw);
            else Destroy(raw);
        }
    }

    /// <summary>Destroys the raw object (called with the owning context current).</summary>
    private protected abstract CuResult Destroy(nint raw);

    /// <inheritdoc/>
    protected override bool ReleaseHandle()
    {
        try
        {
            nint ctx = _context.DangerousGetHandle();
            bool switched = false;
            if (CuDriver.cuCtxGetCurrent(out nint previous) == CuResult.Success && previous != ctx)
                switched = CuDriver.cuCtxSetCurrent(ctx) == CuResult.Success;
            var r = Destroy(handle);
            if (switched) CuDriver.cuCtxSetCurrent(previous);
            return r is CuResult.Success or CuResult.Deinitialized;
        }
        finally { _context.DangerousRelease(); }
    }
}
