using NativeWan.Cuda.Driver;
using NativeWan.Ops.Cuda;

namespace NativeWan.Tests.Ops.Cuda;

public class LaunchShapesTests
{
    [Fact]
    public void RowAndElementwiseGrids()
    {
        Assert.Equal(new Dim3(75600), LaunchShapes.Rows(75600));
        Assert.Throws<ArgumentOutOfRangeException>(() => LaunchShapes.Rows(0));
        Assert.Equal(new Dim3(1), LaunchShapes.Elementwise(0));
        Assert.Equal(new Dim3(1), LaunchShapes.Elementwise(256));
        Assert.Equal(new Dim3(2), LaunchShapes.Elementwise(257));
        Assert.Equal(new Dim3(65536), LaunchShapes.Elementwise(75600L * 5120));   // capped: grid-stride loops cover the rest
        Assert.Throws<ArgumentOutOfRangeException>(() => LaunchShapes.Elementwise(-1));
    }

    [Theory]
    [InlineData(75600, 5120)]
    [InlineData(10_000_000, 64)]
    [InlineData(1, 1)]
    public void ColumnReductionCoversEveryRowWithinTheGridLimit(int rows, int dim)
    {
        var (grid, chunk) = LaunchShapes.ColumnReduction(rows, dim);
        Assert.Equal((uint)((dim + 255) / 256), grid.X);
        Assert.True(grid.Y <= 65535 && chunk >= LaunchShapes.MinRowsPerChunk);
        Assert.True((long)grid.Y * chunk >= rows && (long)(grid.Y - 1) * chunk < rows);
    }

    [Fact]
    public void AttentionGrids()
    {
        Assert.Equal(new Dim3(9450, 40), LaunchShapes.Attention(75600, 40));
        Assert.Equal(new Dim3(1, 1), LaunchShapes.Attention(3, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => LaunchShapes.Attention(8, 70000));
        Assert.Equal(new Dim3(3), LaunchShapes.AttentionRowsTimesHeads(7, 3));
        Assert.Equal(256, LaunchShapes.AttentionBlock);
    }

    [Fact]
    public void GemmGridsAndSplitK()
    {
        var (g, k) = LaunchShapes.Gemm(75600, 32, 5120, splitK: false);
        Assert.Equal(new Dim3(1, 1182, 1), g);
        Assert.Equal(5120, k);
        (g, k) = LaunchShapes.Gemm(32, 5120, 75600, splitK: true);
        Assert.Equal(256, k);
        Assert.Equal(new Dim3(80, 1, 296), g);                   // ceil(75600 / 256) splits
        (g, k) = LaunchShapes.Gemm(16, 16, int.MaxValue, splitK: true);
        Assert.True(g.Z <= 65535 && k % LaunchShapes.GemmTileK == 0 && (long)g.Z * k >= int.MaxValue);
        Assert.Throws<ArgumentOutOfRangeException>(() => LaunchShapes.Gemm(65536 * 64 + 1, 8, 8, false));
        Assert.Throws<ArgumentOutOfRangeException>(() => LaunchShapes.Gemm(8, 0, 8, false));
    }

    [Fact]
    public void LossBlocksAreClamped()
    {
        Assert.Equal(1, LaunchShapes.LossBlocks(1));
        Assert.Equal(2, LaunchShapes.LossBlocks(1025));
        Assert.Equal(LaunchShapes.MaxLossBlocks, LaunchShapes.LossBlocks(1L << 40));
        Assert.Throws<ArgumentOutOfRangeException>(() => LaunchShapes.LossBlocks(0));
    }
}
