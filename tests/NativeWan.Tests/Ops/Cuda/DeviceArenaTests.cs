using NativeWan.Numerics;
using NativeWan.Ops.Cuda;

namespace NativeWan.Tests.Ops.Cuda;

public class DeviceArenaTests
{
    static void Layout(DeviceArena a, List<GpuTensor> into)
    {
        into.Add(a.Take(3, DType.BF16, "a"));       // 6 bytes → one 256-byte slot
        into.Add(a.Take(0, DType.F32, "empty"));    // null tensor
        into.Add(a.Take(65, DType.F32, "b"));       // 260 bytes → two slots
        into.Add(a.Take(1, DType.F64, "c"));
    }

    [Fact]
    public void BlockArenaSlicesOneAllocationAtAlignedOffsets()
    {
        var m = DeviceArena.Measure();
        var sized = new List<GpuTensor>();
        Layout(m, sized);
        Assert.True(m.IsMeasuring);
        Assert.Equal(4L * DeviceArena.Alignment, m.Bytes);

        using var backend = new EmulatorBackend();
        var got = new List<GpuTensor>();
        using (var arena = DeviceArena.Block(backend, m.Bytes, "test"))
        {
            Layout(arena, got);
            Assert.Equal(1, backend.AllocationCount);
            Assert.True(got[1].IsNull);
            Assert.Equal(got[0].Pointer + DeviceArena.Alignment, got[2].Pointer);
            Assert.Equal(got[2].Pointer + 2 * DeviceArena.Alignment, got[3].Pointer);
            Assert.Equal((3L, DType.BF16), (got[0].Length, got[0].DType));
            Assert.Equal((65L, DType.F32), (got[2].Length, got[2].DType));
            Assert.All(got.Where(t => !t.IsNull), t => Assert.Equal(0UL, t.Pointer % DeviceArena.Alignment));
            // a layout larger than the measured one is an error naming the tensor
            var e = Assert.Throws<InvalidOperationException>(() => arena.Take(1, DType.F32, "extra"));
            Assert.Contains("'extra'", e.Message);
        }
        Assert.Equal(0, backend.LiveCount);
    }

    [Fact]
    public void PerTensorArenaAllocatesEachTensorAndFreesThemAll()
    {
        using var backend = new EmulatorBackend();
        var got = new List<GpuTensor>();
        using (var arena = DeviceArena.PerTensor(backend))
        {
            Layout(arena, got);
            Assert.Equal(3, backend.LiveCount);
        }
        Assert.Equal(0, backend.LiveCount);
        Assert.Throws<ArgumentOutOfRangeException>(() => DeviceArena.Measure().Take(-1, DType.F32, "x"));
    }

    [Fact]
    public void GemmsRejectBadOperandsNamingThem()
    {
        using var backend = new EmulatorBackend();
        var gemm = new SimpleGemm(backend);
        var a = backend.Allocate(6 * 4, DType.BF16, "a");
        var w = backend.Allocate(5 * 4, DType.BF16, "w");
        var c = backend.Allocate(6 * 5, DType.F32, "c");
        var wf = backend.Allocate(5 * 4, DType.F32, "w as f32");
        var biasBf = backend.Allocate(5, DType.BF16, "bias");
        var e = Assert.Throws<ArgumentException>(() => gemm.Forward(c, a, wf, default, 6, 5, 4));
        Assert.Contains("Forward: b must be BF16", e.Message);
        e = Assert.Throws<ArgumentException>(() => gemm.Forward(c, a, w, biasBf, 6, 5, 4));
        Assert.Contains("bias must be F32 (the output's dtype)", e.Message);
        e = Assert.Throws<ArgumentException>(() => gemm.Forward(c, a, w, default, 7, 5, 4));
        Assert.Contains("Forward: c has 30 elements, 35 needed", e.Message);
        e = Assert.Throws<ArgumentException>(() => gemm.Forward(c, a, w, default, 6, 5, 5));
        Assert.Contains("a must be BF16 with at least 30 elements", e.Message);
        e = Assert.Throws<ArgumentException>(() => gemm.BackwardA(c, a, w, 6, 5, 4));
        Assert.Contains("BackwardA: dc must be BF16 with at least 30 elements", e.Message);
        e = Assert.Throws<ArgumentException>(() => gemm.BackwardB(default, a, a, 6, 4, 4));
        Assert.Contains("BackwardB: db is required", e.Message);
        e = Assert.Throws<ArgumentException>(() => gemm.Forward(c, a, w, default, 0, 5, 4));
        Assert.Contains("sizes must be positive", e.Message);
        Assert.Empty(backend.LaunchCounts);
    }
}
