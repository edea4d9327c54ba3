using NativeWan.Cuda.Blas;
using NativeWan.Numerics;

namespace NativeWan.Ops.Cuda;

/// <summary>
/// <see cref="IGemm"/> on cuBLASLt (<see cref="CublasLtGemm.MatMul"/>, row-major mapping in <see cref="GemmPlan"/>):
/// bf16 operands, CUBLAS_COMPUTE_32F, bias epilogue in the output's dtype, β = 1 for accumulation. The instance and
/// the cuBLASLt handle belong to the caller (nothing is disposed here).
/// </summary>
/// <param name="gemm">The cuBLASLt handle wrapper.</param>
/// <param name="stream">Raw CUstream every product is enqueued on (the kernel backend's stream).</param>
public sealed class CublasLtBaseGemm(CublasLtGemm gemm, nint stream) : IGemm
{
    readonly CublasLtGemm _gemm = gemm ?? throw new ArgumentNullException(nameof(gemm));

    /// <summary>The stream the products run on.</summary>
    public nint Stream { get; } = stream;

    /// <inheritdoc/>
    public string Name => "cuBLASLt";

    static GemmOutput Output(GpuTensor t) => t.DType == DType.BF16 ? GemmOutput.BFloat16 : GemmOutput.Float32;

    /// <inheritdoc/>
    public void Forward(GpuTensor c, GpuTensor a, GpuTensor b, GpuTensor bias, int m, int n, int k, bool accumulate = false)
    {
        GemmChecks.Forward(c, a, b, bias, m, n, k);
        _gemm.MatMul(a.Pointer, b.Pointer, c.Pointer, m, n, k, transA: false, transB: true, Output(c), bias.Pointer,
            beta: accumulate ? 1f : 0f, stream: Stream);
    }

    /// <inheritdoc/>
    public void BackwardA(GpuTensor da, GpuTensor dc, GpuTensor b, int m, int n, int k, bool accumulate = false)
    {
        GemmChecks.BackwardA(da, dc, b, m, n, k);
        _gemm.MatMul(dc.Pointer, b.Pointer, da.Pointer, m, k, n, transA: false, transB: false, Output(da),
            beta: accumulate ? 1f : 0f, stream: Stream);
    }

    /// <inheritdoc/>
    public void BackwardB(GpuTensor db, GpuTensor dc, GpuTensor a, int m, int n, int k, bool accumulate = false)
    {
        GemmChecks.BackwardB(db, dc, a, m, n, k);
        _gemm.MatMul(dc.Pointer, a.Pointer, db.Pointer, n, k, m, transA: true, transB: false, Output(db),
            beta: accumulate ? 1f : 0f, stream: Stream);
    }
}
