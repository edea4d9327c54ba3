using System.Runtime.InteropServices;

namespace NativeWan.Cuda.Blas;

/// <summary>
/// Raw cuBLASLt bindings (logical library <c>"cublasLt"</c>: libcublasLt.so.13, libcublasLt.so.12, ...). Handles and
/// descriptors are opaque <c>nint</c>; device pointers are <c>void*</c>; every function returns a
/// <c>cublasStatus_t</c> as int (0 = success).
/// </summary>
internal static unsafe partial class CublasLtNative
{
    const string Lib = NativeLibraries.CublasLt;

    static CublasLtNative() => NativeLibraries.EnsureRegistered();

    /// <summary>CUBLASLT_VERSION of the loaded library: 10000·major + 100·minor + patch.</summary>
    [LibraryImport(Lib)] internal static partial nuint cublasLtGetVersion();

    [LibraryImport(Lib)] internal static partial int cublasLtCreate(out nint handle);
    [LibraryImport(Lib)] internal static partial int cublasLtDestroy(nint handle);

    [LibraryImport(Lib)] internal static partial int cublasLtMatmulDescCreate(out nint desc, CublasComputeType computeType, CudaDataType scaleType);
    [LibraryImport(Lib)] internal static partial int cublasLtMatmulDescDestroy(nint desc);
    [LibraryImport(Lib)] internal static partial int cublasLtMatmulDescSetAttribute(nint desc, CublasLtMatmulDescAttribute attribute, void* value, nuint size);

    /// <summary><c>cublasLtMatrixLayoutCreate(layout*, cudaDataType, uint64 rows, uint64 cols, int64 ld)</c>.</summary>
    [LibraryImport(Lib)] internal static partial int cublasLtMatrixLayoutCreate(out nint layout, CudaDataType type, ulong rows, ulong cols, long ld);
    [LibraryImport(Lib)] internal static partial int cublasLtMatrixLayoutDestroy(nint layout);
    [LibraryImport(Lib)] internal static partial int cublasLtMatrixLayoutSetAttribute(nint layout, CublasLtMatrixLayoutAttribute attribute, void* value, nuint size);

    [LibraryImport(Lib)] internal static partial int cublasLtMatmulPreferenceCreate(out nint preference);
    [LibraryImport(Lib)] internal static partial int cublasLtMatmulPreferenceDestroy(nint preference);
    [LibraryImport(Lib)] internal static partial int cublasLtMatmulPreferenceSetAttribute(nint preference, CublasLtPreferenceAttribute attribute, void* value, nuint size);

    [LibraryImport(Lib)]
    internal static partial int cublasLtMatmulAlgoGetHeuristic(nint handle, nint operationDesc,
        nint aDesc, nint bDesc, nint cDesc, nint dDesc, nint preference,
        int requestedAlgoCount, CublasLtMatmulHeuristicResult* results, out int returnedAlgoCount);

    /// <summary>D = α·op(A)·op(B) + β·C (+ epilogue), all pointers device memory except alpha/beta (host, pointer mode host).</summary>
    [LibraryImport(Lib)]
    internal static partial int cublasLtMatmul(nint handle, nint computeDesc,
        void* alpha, void* a, nint aDesc, void* b, nint bDesc,
        void* beta, void* c, nint cDesc, void* d, nint dDesc,
        CublasLtMatmulAlgo* algo, void* workspace, nuint workspaceSizeInBytes, nint stream);

    [System.Diagnostics.StackTraceHidden]
    internal static void Check(int status, string api, string? detail = null)
    {
        if (status != 0) throw new CudaException(CudaLibrary.CublasLt, status, api, detail);
    }
}
