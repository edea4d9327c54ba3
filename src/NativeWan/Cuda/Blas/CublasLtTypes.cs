using System.Runtime.InteropServices;

namespace NativeWan.Cuda.Blas;

/// <summary><c>cudaDataType_t</c> values (library_types.h).</summary>
public enum CudaDataType : int
{
    R32F = 0,
    R16F = 2,
    R16BF = 14,
    R8FE4M3 = 28,
    R8FE5M2 = 29,
}

/// <summary><c>cublasComputeType_t</c>.</summary>
public enum CublasComputeType : int
{
    /// <summary>CUBLAS_COMPUTE_32F: fp32 accumulation (tensor cores for bf16/fp16 inputs).</summary>
    Compute32F = 68,
}

/// <summary><c>cublasOperation_t</c>.</summary>
public enum CublasOperation : int
{
    /// <summary>CUBLAS_OP_N: use the matrix as stored.</summary>
    N = 0,
    /// <summary>CUBLAS_OP_T: use its transpose.</summary>
    T = 1,
}

/// <summary><c>cublasLtMatmulDescAttributes_t</c> (subset). Value types in the comments.</summary>
public enum CublasLtMatmulDescAttribute : int
{
    /// <summary>int32 cublasComputeType_t.</summary>
    ComputeType = 0,
    /// <summary>int32 cudaDataType_t of alpha/beta.</summary>
    ScaleType = 1,
    /// <summary>int32 cublasOperation_t applied to A.</summary>
    TransA = 3,
    /// <summary>int32 cublasOperation_t applied to B.</summary>
    TransB = 4,
    /// <summary>uint32 cublasLtEpilogue_t.</summary>
    Epilogue = 7,
    /// <summary>const void* device pointer to the bias vector.</summary>
    BiasPointer = 8,
    /// <summary>int32 cudaDataType_t of the bias (default: the D type).</summary>
    BiasDataType = 26,
}

/// <summary><c>cublasLtMatrixLayoutAttribute_t</c> (subset).</summary>
public enum CublasLtMatrixLayoutAttribute : int
{
    Type = 0,
    /// <summary>int32 cublasLtOrder_t (COL = 0, ROW = 1).</summary>
    Order = 1,
    Rows = 2,
    Cols = 3,
    Ld = 4,
    BatchCount = 5,
    StridedBatchOffset = 6,
}

/// <summary>
/// <c>cublasLtOrder_t</c>, set per matrix with <see cref="CublasLtMatrixLayoutAttribute.Order"/>. NativeWan keeps the
/// default column order and maps row-major tensors by swapping operands (<see cref="GemmPlan"/>), because every
/// cuBLASLt algorithm supports column order while ROW order is supported by fewer of them.
/// </summary>
public enum CublasLtOrder : int
{
    /// <summary>Column-major (the default).</summary>
    Col = 0,
    /// <summary>Row-major.</summary>
    Row = 1,
}

/// <summary><c>cublasLtMatmulPreferenceAttributes_t</c> (subset).</summary>
public enum CublasLtPreferenceAttribute : int
{
    SearchMode = 0,
    /// <summary>uint64 bytes of workspace the algorithm may use.</summary>
    MaxWorkspaceBytes = 1,
}

/// <summary><c>cublasLtEpilogue_t</c> (subset).</summary>
public enum CublasLtEpilogue : uint
{
    Default = 1,
    Relu = 2,
    /// <summary>D = α·op(A)op(B) + β·C + bias, bias broadcast along columns (one value per row of D).</summary>
    Bias = 4,
    ReluBias = 6,
    Gelu = 32,
    GeluBias = 36,
}

/// <summary><c>cublasLtMatmulAlgo_t</c>: 8 opaque 64-bit words (64 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct CublasLtMatmulAlgo
{
    /// <summary>Opaque data.</summary>
    public fixed ulong Data[8];
}

/// <summary><c>cublasLtMatmulHeuristicResult_t</c>: algo (64 B), workspaceSize (size_t), state, wavesCount, reserved[4] = 96 bytes.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct CublasLtMatmulHeuristicResult
{
    /// <summary>The algorithm to pass to cublasLtMatmul.</summary>
    public CublasLtMatmulAlgo Algo;
    /// <summary>Workspace bytes it needs.</summary>
    public nuint WorkspaceSize;
    /// <summary>cublasStatus_t; 0 when the algorithm is usable.</summary>
    public int State;
    /// <summary>Estimated waves count (1.0 = fills the GPU once).</summary>
    public float WavesCount;
    /// <summary>Reserved.</summary>
    public fixed int Reserved[4];
}
