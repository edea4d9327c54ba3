using NativeWan.Cuda.Driver;

namespace NativeWan.Ops.Cuda;

/// <summary>
/// Grid and block shapes of the op kernels, one function per launch pattern; each kernel file's header names the
/// pattern it uses. Pure arithmetic with the limits checked (grid.x ≤ 2³¹−1, grid.y and grid.z ≤ 65,535), so every
/// shape is testable without a GPU.
/// </summary>
public static class LaunchShapes
{
    /// <summary>Threads of a row kernel (one block per row: LayerNorm, RMSNorm, modulation, gated residual).</summary>
    public const int RowBlock = 256;
    /// <summary>Threads of a RoPE block (one block per row).</summary>
    public const int RopeBlock = 128;
    /// <summary>Threads of a 1-D grid-stride kernel.</summary>
    public const int ElementwiseBlock = 256;
    /// <summary>Most blocks a grid-stride kernel is launched with (each thread then loops).</summary>
    public const int MaxElementwiseBlocks = 65536;
    /// <summary>Threads of a column-reduction kernel (parameter gradients of the norms).</summary>
    public const int ColumnBlock = 256;
    /// <summary>Fewest rows one column-reduction block sums before its atomicAdd.</summary>
    public const int MinRowsPerChunk = 64;
    /// <summary>Warps (= rows owned) per attention block.</summary>
    public const int AttentionWarps = 8;
    /// <summary>Threads per attention block.</summary>
    public const int AttentionBlock = AttentionWarps * 32;
    /// <summary>Head sizes with an attention kernel instantiation.</summary>
    public static IReadOnlyList<int> AttentionHeadDims { get; } = new[] { 32, 40, 64, 128 };
    /// <summary>Output tile rows of the LoRA tile GEMM.</summary>
    public const int GemmTileM = 64;
    /// <summary>Output tile columns of the LoRA tile GEMM.</summary>
    public const int GemmTileN = 64;
    /// <summary>Reduction step of the LoRA tile GEMM.</summary>
    public const int GemmTileK = 16;
    /// <summary>Threads of the LoRA tile GEMM.</summary>
    public const int GemmBlock = 256;
    /// <summary>Fewest reduction rows per split of a split-K parameter gradient.</summary>
    public const int MinRowsPerSplit = 256;
    /// <summary>Threads of the loss kernels (a power of two: shared-memory tree).</summary>
    public const int LossBlock = 256;
    /// <summary>Most partial-sum blocks of the loss.</summary>
    public const int MaxLossBlocks = 1024;

    const int MaxGridYZ = 65535;

    /// <summary>One block of <see cref="RowBlock"/> threads per row: grid (rows).</summary>
    /// <exception cref="ArgumentOutOfRangeException">rows not positive.</exception>
    public static Dim3 Rows(int rows)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        return new Dim3((uint)rows);
    }

    /// <summary>Grid of a grid-stride loop over n elements: min(ceil(n / 256), 65536) blocks, at least 1.</summary>
    /// <exception cref="ArgumentOutOfRangeException">n is negative.</exception>
    public static Dim3 Elementwise(long n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        long blocks = Math.Clamp((n + ElementwiseBlock - 1) / ElementwiseBlock, 1, MaxElementwiseBlocks);
        return new Dim3((uint)blocks);
    }

    /// <summary>
    /// Column reduction over [rows, dim] (norm parameter gradients): grid (ceil(dim / 256), ceil(rows / chunk)), each
    /// block summing <c>chunk</c> rows of 256 columns; chunk ≥ <see cref="MinRowsPerChunk"/> and large enough that
    /// grid.y ≤ 65,535.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">rows or dim not positive.</exception>
    public static (Dim3 Grid, int RowsPerChunk) ColumnReduction(int rows, int dim)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dim);
        int chunk = Math.Max(MinRowsPerChunk, (int)(((long)rows + MaxGridYZ - 1) / MaxGridYZ));
        int chunks = (int)(((long)rows + chunk - 1) / chunk);
        return (new Dim3((uint)((dim + ColumnBlock - 1) / ColumnBlock), (uint)chunks), chunk);
    }

    /// <summary>Attention forward / dQ / dK-dV: grid (ceil(rows / 8), heads), one warp per row of one head.</summary>
    /// <exception cref="ArgumentOutOfRangeException">rows or heads not positive, or heads above 65,535.</exception>
    public static Dim3 Attention(int rows, int heads)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(heads);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(heads, MaxGridYZ);
        return new Dim3((uint)((rows + AttentionWarps - 1) / AttentionWarps), (uint)heads);
    }

    /// <summary>Attention backward preprocess: one warp per (row, head), grid (ceil(rows·heads / 8)).</summary>
    /// <exception cref="ArgumentOutOfRangeException">rows or heads not positive, or the grid exceeds 2³¹−1 blocks.</exception>
    public static Dim3 AttentionRowsTimesHeads(int rows, int heads)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(heads);
        return Dim3.BlocksFor((long)rows * heads, AttentionWarps);
    }

    /// <summary>
    /// The LoRA tile GEMM for a product of shape (m, n, k): grid (ceil(n / 64), ceil(m / 64), splits). With
    /// <paramref name="splitK"/> the reduction is cut into chunks of <c>KPerSplit</c> (≥ 256, a multiple of 16, and
    /// large enough for splits ≤ 65,535) whose partial sums are added atomically; otherwise one split covers k.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A size not positive, or m above 65,535·64.</exception>
    public static (Dim3 Grid, int KPerSplit) Gemm(int m, int n, int k, bool splitK)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(m);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        long gy = (m + (long)GemmTileM - 1) / GemmTileM;
        if (gy > MaxGridYZ) throw new ArgumentOutOfRangeException(nameof(m), m, $"{gy} row tiles exceed the grid.y limit {MaxGridYZ}");
        int perSplit = k;
        if (splitK)
        {
            perSplit = Math.Max(MinRowsPerSplit, (int)(((long)k + MaxGridYZ - 1) / MaxGridYZ));
            perSplit = (perSplit + GemmTileK - 1) / GemmTileK * GemmTileK;
        }
        int splits = (int)(((long)k + perSplit - 1) / perSplit);
        return (new Dim3((uint)((n + (long)GemmTileN - 1) / GemmTileN), (uint)gy, (uint)splits), perSplit);
    }

    /// <summary>Partial-sum blocks of the loss over n elements: ceil(n / 1024) clamped to 1…1024.</summary>
    /// <exception cref="ArgumentOutOfRangeException">n not positive.</exception>
    public static int LossBlocks(long n)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(n);
        return (int)Math.Clamp((n + 4L * LossBlock - 1) / (4L * LossBlock), 1, MaxLossBlocks);
    }
}
