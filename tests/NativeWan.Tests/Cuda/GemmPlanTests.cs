using NativeWan.Cuda.Blas;
using NativeWan.Ops.Cpu;

namespace NativeWan.Tests.Cuda;

/// <summary>
/// Checks the row-major → column-major mapping by executing the planned column-major problem with a literal
/// interpreter of cuBLAS semantics (op, leading dimensions) and comparing the output bytes with the CPU reference.
/// </summary>
public class GemmPlanTests
{
    /// <summary>D = opA(X)·opB(Y) exactly as cuBLAS defines it on column-major storage.</summary>
    static float[] RunColumnMajor(ColumnMajorGemm g, float[] x, float[] y, float[]? bias)
    {
        // the stored layouts must be consistent with the ops
        Assert.Equal(g.TransA == CublasOperation.N ? ((ulong)g.M, (ulong)g.K) : ((ulong)g.K, (ulong)g.M), (g.ARows, g.ACols));
        Assert.Equal(g.TransB == CublasOperation.N ? ((ulong)g.K, (ulong)g.N) : ((ulong)g.N, (ulong)g.K), (g.BRows, g.BCols));
        Assert.Equal(((ulong)g.M, (ulong)g.N), (g.DRows, g.DCols));
        Assert.True(g.Lda >= (long)g.ARows && g.Ldb >= (long)g.BRows && g.Ldd >= (long)g.DRows);
        Assert.Equal((long)g.ARows * (long)g.ACols, x.LongLength);
        Assert.Equal((long)g.BRows * (long)g.BCols, y.LongLength);

        var d = new float[(long)g.Ldd * g.N];
        for (int j = 0; j < g.N; j++)
            for (int i = 0; i < g.M; i++)
            {
                double s = 0;
                for (int l = 0; l < g.K; l++)
                {
                    float a = g.TransA == CublasOperation.N ? x[i + l * g.Lda] : x[l + i * g.Lda];
                    float b = g.TransB == CublasOperation.N ? y[l + j * g.Ldb] : y[j + l * g.Ldb];
                    s += (double)a * b;
                }
                d[i + j * g.Ldd] = (float)s + (bias is null ? 0f : bias[i]);   // epilogue: one bias value per row of D
            }
        return d;
    }

    static float[] Random(int n, int seed)
    {
        var r = new Random(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)(r.NextDouble() * 2 - 1);
        return a;
    }

    [Theory]
    [InlineData(5, 7, 3, false, true)]     // Linear forward y = x Wᵀ
    [InlineData(5, 7, 3, false, false)]    // dX = dY W
    [InlineData(5, 7, 3, true, false)]     // dW = dYᵀ X
    [InlineData(4, 6, 9, true, true)]
    [InlineData(1, 1, 1, false, true)]
    [InlineData(13, 2, 17, true, false)]
    public void ColumnMajorPlanReproducesTheRowMajorProduct(int m, int n, int k, bool transA, bool transB)
    {
        var a = Random(m * k, 1); var b = Random(n * k, 2); var bias = Random(n, 3);
        var plan = GemmPlan.RowMajor(m, n, k, transA, transB);
        Assert.Equal((n, m, k), (plan.M, plan.N, plan.K));

        // CPU row-major reference C[m,n] = op(A)·op(B) + bias[n]
        var c = new float[m * n];
        if (!transA && transB) Gemm.MatMulTransB(a, b, c, m, n, k);
        else if (!transA && !transB) Gemm.MatMul(a, b, c, m, n, k);
        else if (transA && !transB) Gemm.MatMulTransA(a, b, c, m, n, k);
        else
            for (int i = 0; i < m; i++) for (int j = 0; j < n; j++)
                { double s = 0; for (int l = 0; l < k; l++) s += (double)a[l * m + i] * b[j * k + l]; c[i * n + j] = (float)s; }
        for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) c[i * n + j] += bias[j];

        // cuBLAS gets the caller's B as "A" and the caller's A as "B"
        var d = RunColumnMajor(plan, b, a, bias);
        Assert.Equal(c.Length, d.Length);
        for (int i = 0; i < c.Length; i++)
            Assert.True(Math.Abs(c[i] - d[i]) <= 1e-5f * (1 + Math.Abs(c[i])), $"element {i}: row-major {c[i]} vs column-major bytes {d[i]}");
    }

    [Fact]
    public void LinearForwardUsesTransposeOnTheWeight()
    {
        // y[T,out] = x[T,in] · W[out,in]ᵀ: cuBLAS A = W (stored col-major in×out, OP_T), B = x (col-major in×T, OP_N)
        var p = GemmPlan.RowMajor(m: 10, n: 32, k: 64, transA: false, transB: true);
        Assert.Equal(CublasOperation.T, p.TransA);
        Assert.Equal(CublasOperation.N, p.TransB);
        Assert.Equal((64UL, 32UL, 64L), (p.ARows, p.ACols, p.Lda));
        Assert.Equal((64UL, 10UL, 64L), (p.BRows, p.BCols, p.Ldb));
        Assert.Equal((32UL, 10UL, 32L), (p.DRows, p.DCols, p.Ldd));
    }

    [Fact]
    public void RejectsEmptyDimensions()
        => Assert.Throws<ArgumentOutOfRangeException>(() => GemmPlan.RowMajor(0, 4, 4, false, true));
}
