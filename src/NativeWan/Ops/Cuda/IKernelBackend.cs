using NativeWan.Numerics;

namespace NativeWan.Ops.Cuda;

/// <summary>
/// Where <see cref="CudaOps"/> runs its <see cref="KernelCall"/>s and keeps its tensors. <see cref="CudaKernelBackend"/>
/// is the GPU (driver, kernel modules, stream-ordered pool); the test suite adds a host emulator of the CUDA execution
/// model that runs the same kernels/*.cu on the CPU, so the kernels, the launch plans and the verifier are exercised on
/// machines without a GPU.
/// </summary>
public interface IKernelBackend
{
    /// <summary>One line: the device ("NVIDIA H100 (sm_90, …)") or "host emulator".</summary>
    string Description { get; }

    /// <summary>Enqueues a launch.</summary>
    void Launch(in KernelCall call);

    /// <summary>Allocates an uninitialized tensor of <paramref name="elements"/> elements.</summary>
    /// <param name="elements">Element count (≥ 0).</param>
    /// <param name="dtype">Element type.</param>
    /// <param name="what">What it is for (out-of-memory messages).</param>
    GpuTensor Allocate(long elements, DType dtype, string what);

    /// <summary>Returns a tensor from <see cref="Allocate"/> (work already enqueued may still use it: frees are stream-ordered).</summary>
    void Free(GpuTensor tensor);

    /// <summary>Copies host values into the tensor (element type of <typeparamref name="T"/> must match its storage).</summary>
    void Upload<T>(GpuTensor dst, ReadOnlySpan<T> src) where T : unmanaged;

    /// <summary>Waits for enqueued work, then copies the tensor's first <c>dst.Length</c> elements to the host.</summary>
    void Download<T>(Span<T> dst, GpuTensor src) where T : unmanaged;

    /// <summary>Sets every byte of the tensor to <paramref name="value"/> (enqueued).</summary>
    void Fill(GpuTensor dst, byte value);

    /// <summary>Waits for everything enqueued; asynchronous faults surface here.</summary>
    void Synchronize();
}
