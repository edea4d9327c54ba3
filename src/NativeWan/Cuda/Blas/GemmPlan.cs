namespace NativeWan.Cuda.Blas;

/// <summary>
/// A column-major cuBLAS(Lt) problem: D (M×N, leading dimension Ldd) = opA(A)·opB(B), with each operand's stored
/// layout (rows × cols, leading dimension) described before its op is applied.
/// </summary>
public readonly record struct ColumnMajorGemm(
    CublasOperation TransA, CublasOperation TransB, int M, int N, int K,
    ulong ARows, ulong ACols, long Lda,
    ulong BRows, ulong BCols, long Ldb,
    ulong DRows, ulong DCols, long Ldd);

/// <summary>
/// Maps a row-major product onto column-major cuBLASLt without copies.
/// </summary>
/// <remarks>
/// <para>Row-major convention (all NativeWan tensors): C[m,n] = op(A)·op(B) with op(A) of shape [m,k] and op(B) of
/// shape [k,n]; A is stored [m,k] (or [k,m] when <c>transA</c>), B is stored [k,n] (or [n,k] when <c>transB</c>).
/// The Linear forward y = x·Wᵀ with W stored [out,in] is <c>transB = true</c>.</para>
/// <para>A row-major R×C matrix is, byte for byte, a column-major C×R matrix with leading dimension C. So the
/// row-major C[m,n] is the column-major Cᵀ (n×m, ld n), and Cᵀ = op(B)ᵀ·op(A)ᵀ. cuBLASLt therefore receives the
/// caller's B as its "A" operand and the caller's A as its "B" operand, computes the n×m column-major product, and
/// writes exactly the bytes of the row-major m×n result:</para>
/// <list type="bullet">
/// <item>cuBLAS A := caller B. Stored row-major [k,n] = column-major n×k (ld n), already op(B)ᵀ → OP_N; stored [n,k]
/// (transB) = column-major k×n (ld k) → OP_T.</item>
/// <item>cuBLAS B := caller A. Stored [m,k] = column-major k×m (ld k), already op(A)ᵀ → OP_N; stored [k,m] (transA) =
/// column-major m×k (ld m) → OP_T.</item>
/// <item>cuBLAS (M, N, K) = (n, m, k); D is column-major n×m with ld n.</item>
/// </list>
/// <para>The bias epilogue adds one value per row of the column-major D, i.e. per column j of the row-major C:
/// a bias vector of length n (the Linear's out_features), as expected.</para>
/// </remarks>
public static class GemmPlan
{
    /// <summary>The column-major problem for row-major C[m,n] = op(A)[m,k]·op(B)[k,n] (see remarks).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A dimension is not positive.</exception>
    public static ColumnMajorGemm RowMajor(int m, int n, int k, bool transA, bool transB)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(m);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        // cuBLAS "A" = caller's B
        var opA = transB ? CublasOperation.T : CublasOperation.N;
        (ulong aRows, ulong aCols, long lda) = transB ? ((ulong)k, (ulong)n, (long)k) : ((ulong)n, (ulong)k, (long)n);
        // cuBLAS "B" = caller's A
        var opB = transA ? CublasOperation.T : CublasOperation.N;
        (ulong bRows, ulong bCols, long ldb) = transA ? ((ulong)m, (ulong)k, (long)m) : ((ulong)k, (ulong)m, (long)k);
        return new ColumnMajorGemm(opA, opB, n, m, k, aRows, aCols, lda, bRows, bCols, ldb, (ulong)n, (ulong)m, n);
    }
}
