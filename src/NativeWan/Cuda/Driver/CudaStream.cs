namespace NativeWan.Cuda.Driver;

/// <summary>A CUDA stream (<c>CUstream</c>). Work on one stream runs in issue order.</summary>
public sealed class CudaStream : CudaContextBoundHandle
{
    CudaStream(CudaContextHandle context) : base(context) { }

    internal static CudaStream Create(CudaContextHandle context, bool nonBlocking)
    {
        var s = new CudaStream(context);
        CuDriver.Check(CuDriver.cuStreamCreate(out nint raw, nonBlocking ? CuDriver.StreamNonBlocking : 0), "cuStreamCreate");
        s.Attach(raw);
        return s;
    }

    private protected override CuResult Destroy(nint raw) => CuDriver.cuStreamDestroy_v2(raw);

    /// <summary>Blocks until all work issued to this stream is done.</summary>
    /// <exception cref="CudaException">An operation on the stream failed.</exception>
    public void Synchronize() => CuDriver.Check(CuDriver.cuStreamSynchronize(Raw), "cuStreamSynchronize");

    /// <summary>True when all issued work is done (non-blocking).</summary>
    /// <exception cref="CudaException">An operation on the stream failed.</exception>
    public bool IsIdle
    {
        get
        {
            var r = CuDriver.cuStreamQuery(Raw);
            if (r == CuResult.NotReady) return false;
            CuDriver.Check(r, "cuStreamQuery");
            return true;
        }
    }

    /// <summary>Makes later work on this stream wait until <paramref name="ev"/> has completed (device-side wait).</summary>
    public void Wait(CudaEvent ev) => CuDriver.Check(CuDriver.cuStreamWaitEvent(Raw, ev.Raw, 0), "cuStreamWaitEvent");
}
