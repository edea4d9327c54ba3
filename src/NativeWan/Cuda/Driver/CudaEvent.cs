using NativeWan.Cuda.Memory;

namespace NativeWan.Cuda.Driver;

/// <summary>A CUDA event (<c>CUevent</c>): a marker in a stream for synchronization and timing.</summary>
public sealed class CudaEvent : CudaContextBoundHandle, IUsageFence
{
    CudaEvent(CudaContextHandle context) : base(context) { }

    internal static CudaEvent Create(CudaContextHandle context, bool timing)
    {
        var e = new CudaEvent(context);
        CuDriver.Check(CuDriver.cuEventCreate(out nint raw, timing ? 0 : CuDriver.EventDisableTiming), "cuEventCreate");
        e.Attach(raw);
        return e;
    }

    private protected override CuResult Destroy(nint raw) => CuDriver.cuEventDestroy_v2(raw);

    /// <summary>Records the event at the current end of <paramref name="stream"/> (raw CUstream, 0 = legacy default).</summary>
    public void Record(nint stream = 0) => CuDriver.Check(CuDriver.cuEventRecord(Raw, stream), "cuEventRecord");

    /// <summary>Records the event on <paramref name="stream"/>.</summary>
    public void Record(CudaStream stream) => Record(stream.Raw);

    /// <summary>Blocks the calling thread until the event has completed.</summary>
    public void Synchronize() => CuDriver.Check(CuDriver.cuEventSynchronize(Raw), "cuEventSynchronize");

    /// <summary>True when the work before the last <see cref="Record(nint)"/> is done (also true if never recorded).</summary>
    /// <exception cref="CudaException">The recorded work failed.</exception>
    public bool IsComplete
    {
        get
        {
            var r = CuDriver.cuEventQuery(Raw);
            if (r == CuResult.NotReady) return false;
            CuDriver.Check(r, "cuEventQuery");
            return true;
        }
    }

    /// <summary>Milliseconds between two completed events that were created with timing enabled.</summary>
    /// <exception cref="CudaException">An event is not recorded/complete or has timing disabled.</exception>
    public static float ElapsedMilliseconds(CudaEvent start, CudaEvent end)
    {
        CuDriver.Check(CuDriver.cuEventElapsedTime(out float ms, start.Raw, end.Raw), "cuEventElapsedTime");
        return ms;
    }
}
