namespace NativeWan.Ops.Cuda;

/// <summary>
/// <see cref="IGemm"/> on kernels/gemm_simple.cu: one 64×64 output tile per block, fp32 accumulation, no tensor cores
/// (<see cref="KernelPlans.GemmNT"/>, <see cref="KernelPlans.GemmNN"/>, <see cref="KernelPlans.GemmTN"/>). Correct
/// for any shape and deterministic; far slower than cuBLASLt on large products — the fallback where cuBLASLt is
/// missing, and the GEMM of the host emulator. Launches are enqueued on <paramref name="backend"/>.
/// </summary>
/// <param name="backend">Where the launches run.</param>
public sealed class SimpleGemm(IKernelBackend backend) : IGemm
{
    readonly IKernelBackend _backend = backend ?? throw new ArgumentNullException(nameof(backend));

    /// <inheritdoc/>
    public string Name => "tiled CUDA GEMM (kernels/gemm_simple.cu)";

    /// <inheritdoc/>
    public void Forward(GpuTensor c, GpuTensor a, GpuTensor b, GpuTensor bias, int m, int n, int k, bool accumulate = false)
    {
        GemmChecks.Forward(c, a, b, bias, m, n, k);
        _backend.Launch(KernelPlans.GemmNT(c, a, b, bias, m, n, k, accumulate));
    }

    /// <inheritdoc/>
    public void BackwardA(GpuTensor da, GpuTensor dc, GpuTensor b, int m, int n, int k, bool accumulate = false)
    {
        GemmChecks.BackwardA(da, dc, b, m, n, k);
        // dA[m,k] = dC[m,n]·B[n,k]: an NN product of shape (m, k, n)
        _backend.Launch(KernelPlans.GemmNN(da, dc, b, m, k, n, accumulate));
    }

    /// <inheritdoc/>
    public void BackwardB(GpuTensor db, GpuTensor dc, GpuTensor a, int m, int n, int k, bool accumulate = false)
    {
        GemmChecks.BackwardB(db, dc, a, m, n, k);
        // dB[n,k] = dC[m,n]ᵀ·A[m,k]: a TN product of shape (n, k, m)
        _backend.Launch(KernelPlans.GemmTN(db, dc, a, n, k, m, accumulate));
    }
}
