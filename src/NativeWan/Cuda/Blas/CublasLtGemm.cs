using NativeWan.Cuda.Memory;

namespace NativeWan.Cuda.Blas;

/// <summary>Output element type of <see cref="CublasLtGemm"/>.</summary>
public enum GemmOutput
{
    /// <summary>bf16 output (rounded from the fp32 accumulator).</summary>
    BFloat16,
    /// <summary>fp32 output.</summary>
    Float32,
}

/// <summary>
/// bf16 × bf16 → bf16 or fp32 matrix products on cuBLASLt with fp32 accumulation (CUBLAS_COMPUTE_32F), row-major
/// operands (mapping in <see cref="GemmPlan"/>), optional bias epilogue. Descriptors and the heuristic's algorithm
/// are cached per problem shape; the workspace comes from the stream-ordered pool and is returned right after the
/// launch (safe: the next request on the same stream is ordered after the matmul).
/// </summary>
/// <remarks>Not reentrant across threads for the same instance (a lock serializes calls). The context must be
/// current on the calling thread. All pointers are device addresses (CUdeviceptr).</remarks>
public sealed unsafe class CublasLtGemm : IDisposable
{
    readonly CachingDeviceAllocator _pool;
    readonly ulong _maxWorkspace;
    readonly Dictionary<PlanKey, Plan> _plans = new();
    readonly object _gate = new();
    nint _handle;

    readonly record struct PlanKey(int M, int N, int K, bool TransA, bool TransB, GemmOutput Output, bool Bias);

    sealed class Plan
    {
        public nint Desc, ALayout, BLayout, DLayout;
        public CublasLtMatmulAlgo Algo;
        public ulong Workspace;
        public ColumnMajorGemm Shape;
    }

    /// <summary>True when libcublasLt loads.</summary>
    public static bool IsAvailable => NativeLibraries.IsAvailable(NativeLibraries.CublasLt);

    /// <summary>The library version as "major.minor.patch".</summary>
    /// <exception cref="DllNotFoundException">cuBLASLt is not installed.</exception>
    public static string Version
    {
        get
        {
            if (!IsAvailable) throw new DllNotFoundException(NativeLibraries.MissingReason(NativeLibraries.CublasLt));
            ulong v = CublasLtNative.cublasLtGetVersion();
            return $"{v / 10000}.{v / 100 % 100}.{v % 100}";
        }
    }

    /// <summary>Creates a cuBLASLt handle.</summary>
    /// <param name="pool">Allocator for workspaces.</param>
    /// <param name="maxWorkspaceBytes">Largest workspace an algorithm may use (default 32 MiB).</param>
    /// <exception cref="DllNotFoundException">cuBLASLt is not installed.</exception>
    /// <exception cref="CudaException">cublasLtCreate failed.</exception>
    public CublasLtGemm(CachingDeviceAllocator pool, ulong maxWorkspaceBytes = 32UL << 20)
    {
        _pool = pool ?? throw new ArgumentNullException(nameof(pool));
        _maxWorkspace = maxWorkspaceBytes;
        if (!IsAvailable) throw new DllNotFoundException(NativeLibraries.MissingReason(NativeLibraries.CublasLt));
        CublasLtNative.Check(CublasLtNative.cublasLtCreate(out _handle), "cublasLtCreate");
    }

    /// <summary>
    /// Row-major C[m,n] = α·op(A)·op(B) + β·C (+ bias[n] broadcast over rows), enqueued on <paramref name="stream"/>.
    /// </summary>
    /// <param name="a">bf16, stored [m,k] (or [k,m] when <paramref name="transA"/>), contiguous.</param>
    /// <param name="b">bf16, stored [k,n] (or [n,k] when <paramref name="transB"/>; the Linear weight [out,in]).</param>
    /// <param name="c">Output [m,n], contiguous, in <paramref name="output"/> type; also read when β ≠ 0.</param>
    /// <param name="m">Rows of C.</param>
    /// <param name="n">Columns of C.</param>
    /// <param name="k">Reduction length.</param>
    /// <param name="transA">A is stored transposed.</param>
    /// <param name="transB">B is stored transposed.</param>
    /// <param name="output">bf16 or fp32 output (accumulation is fp32 either way).</param>
    /// <param name="bias">0, or a device vector of n elements in the output type, added to every row.</param>
    /// <param name="alpha">Scale of the product.</param>
    /// <param name="beta">Scale of the existing C.</param>
    /// <param name="stream">Raw CUstream (0 = legacy default).</param>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is not positive.</exception>
    /// <exception cref="CudaException">cuBLASLt rejected the problem (e.g. CUBLAS_STATUS_NOT_SUPPORTED when no algorithm fits).</exception>
    /// <exception cref="CudaOutOfMemoryException">The workspace could not be allocated.</exception>
    public void MatMul(ulong a, ulong b, ulong c, int m, int n, int k, bool transA, bool transB, GemmOutput output,
        ulong bias = 0, float alpha = 1f, float beta = 0f, nint stream = 0)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_handle == 0, this);
            var plan = GetPlan(new PlanKey(m, n, k, transA, transB, output, bias != 0));
            if (bias != 0)
            {
                void* bp = (void*)bias;
                CublasLtNative.Check(CublasLtNative.cublasLtMatmulDescSetAttribute(plan.Desc, CublasLtMatmulDescAttribute.BiasPointer, &bp, (nuint)sizeof(void*)), "cublasLtMatmulDescSetAttribute", "bias pointer");
            }
            var ws = _pool.Allocate(plan.Workspace, stream, "cuBLASLt workspace");
            try
            {
                var algo = plan.Algo;
                // cuBLAS "A" is the caller's B and cuBLAS "B" the caller's A (see GemmPlan).
                int st = CublasLtNative.cublasLtMatmul(_handle, plan.Desc, &alpha, (void*)b, plan.ALayout, (void*)a, plan.BLayout,
                    &beta, (void*)c, plan.DLayout, (void*)c, plan.DLayout, &algo, (void*)ws.Pointer, (nuint)ws.Length, stream);
                CublasLtNative.Check(st, "cublasLtMatmul", Describe(m, n, k, transA, transB, output));
            }
            finally { _pool.Free(ws); }
        }
    }

    static string Describe(int m, int n, int k, bool transA, bool transB, GemmOutput output)
        => $"row-major C[{m},{n}] = A{(transA ? "ᵀ" : "")}·B{(transB ? "ᵀ" : "")}, k={k}, bf16→{output}";

    Plan GetPlan(PlanKey key)
    {
        if (_plans.TryGetValue(key, out var p)) return p;
        var shape = GemmPlan.RowMajor(key.M, key.N, key.K, key.TransA, key.TransB);
        p = new Plan { Shape = shape };
        try
        {
            var outType = key.Output == GemmOutput.BFloat16 ? CudaDataType.R16BF : CudaDataType.R32F;
            CublasLtNative.Check(CublasLtNative.cublasLtMatmulDescCreate(out p.Desc, CublasComputeType.Compute32F, CudaDataType.R32F), "cublasLtMatmulDescCreate");
            int ta = (int)shape.TransA, tb = (int)shape.TransB;
            CublasLtNative.Check(CublasLtNative.cublasLtMatmulDescSetAttribute(p.Desc, CublasLtMatmulDescAttribute.TransA, &ta, sizeof(int)), "cublasLtMatmulDescSetAttribute", "TRANSA");
            CublasLtNative.Check(CublasLtNative.cublasLtMatmulDescSetAttribute(p.Desc, CublasLtMatmulDescAttribute.TransB, &tb, sizeof(int)), "cublasLtMatmulDescSetAttribute", "TRANSB");
            if (key.Bias)
            {
                uint epi = (uint)CublasLtEpilogue.Bias;
                CublasLtNative.Check(CublasLtNative.cublasLtMatmulDescSetAttribute(p.Desc, CublasLtMatmulDescAttribute.Epilogue, &epi, sizeof(uint)), "cublasLtMatmulDescSetAttribute", "EPILOGUE");
            }
            CublasLtNative.Check(CublasLtNative.cublasLtMatrixLayoutCreate(out p.ALayout, CudaDataType.R16BF, shape.ARows, shape.ACols, shape.Lda), "cublasLtMatrixLayoutCreate", "A");
            CublasLtNative.Check(CublasLtNative.cublasLtMatrixLayoutCreate(out p.BLayout, CudaDataType.R16BF, shape.BRows, shape.BCols, shape.Ldb), "cublasLtMatrixLayoutCreate", "B");
            CublasLtNative.Check(CublasLtNative.cublasLtMatrixLayoutCreate(out p.DLayout, outType, shape.DRows, shape.DCols, shape.Ldd), "cublasLtMatrixLayoutCreate", "D");

            CublasLtNative.Check(CublasLtNative.cublasLtMatmulPreferenceCreate(out nint pref), "cublasLtMatmulPreferenceCreate");
            try
            {
                ulong ws = _maxWorkspace;
                CublasLtNative.Check(CublasLtNative.cublasLtMatmulPreferenceSetAttribute(pref, CublasLtPreferenceAttribute.MaxWorkspaceBytes, &ws, sizeof(ulong)), "cublasLtMatmulPreferenceSetAttribute");
                CublasLtMatmulHeuristicResult result;
                CublasLtNative.Check(CublasLtNative.cublasLtMatmulAlgoGetHeuristic(_handle, p.Desc, p.ALayout, p.BLayout, p.DLayout, p.DLayout, pref, 1, &result, out int found),
                    "cublasLtMatmulAlgoGetHeuristic", Describe(key.M, key.N, key.K, key.TransA, key.TransB, key.Output));
                if (found == 0)
                    throw new CudaException(CudaLibrary.CublasLt, 15, "cublasLtMatmulAlgoGetHeuristic", $"no algorithm for {Describe(key.M, key.N, key.K, key.TransA, key.TransB, key.Output)} within {ByteSize.Format(_maxWorkspace)} workspace");
                p.Algo = result.Algo;
                p.Workspace = result.WorkspaceSize;
            }
            finally { CublasLtNative.cublasLtMatmulPreferenceDestroy(pref); }
        }
        catch
        {
            Destroy(p);
            throw;
        }
        _plans[key] = p;
        return p;
    }

    static void Destroy(Plan p)
    {
        if (p.ALayout != 0) CublasLtNative.cublasLtMatrixLayoutDestroy(p.ALayout);
        if (p.BLayout != 0) CublasLtNative.cublasLtMatrixLayoutDestroy(p.BLayout);
        if (p.DLayout != 0) CublasLtNative.cublasLtMatrixLayoutDestroy(p.DLayout);
        if (p.Desc != 0) CublasLtNative.cublasLtMatmulDescDestroy(p.Desc);
        p.ALayout = p.BLayout = p.DLayout = p.Desc = 0;
    }

    /// <summary>Destroys the cached descriptors and the handle (explicitly; there is no finalizer).</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_handle == 0) return;
            foreach (var p in _plans.Values) Destroy(p);
            _plans.Clear();
            CublasLtNative.cublasLtDestroy(_handle);
            _handle = 0;
        }
    }
}
