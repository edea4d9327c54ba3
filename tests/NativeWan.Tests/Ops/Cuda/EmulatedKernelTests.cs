using NativeWan.Ops.Cuda;
using Xunit.Abstractions;

namespace NativeWan.Tests.Ops.Cuda;

[CollectionDefinition("cuda emulator", DisableParallelization = true)]
public sealed class CudaEmulatorCollection { }

/// <summary>
/// The real kernels/*.cu, launched through <see cref="KernelPlans"/> and <see cref="CudaOps"/> on the host emulator of
/// the CUDA execution model, against the CPU ops: every row of <see cref="KernelVerifier"/> must be within its NMSE
/// threshold. This is the CPU-only stand-in for the GPU run of <c>nativewan verify-kernels</c>.
/// </summary>
[Collection("cuda emulator")]
public class EmulatedKernelTests
{
    readonly ITestOutputHelper _out;
    public EmulatedKernelTests(ITestOutputHelper output) => _out = output;

    public static IEnumerable<object[]> Families() => CudaOpRegistry.Families.Select(f => new object[] { f.Name });

    [EmulatorTheory]
    [MemberData(nameof(Families))]
    public void FamilyMatchesTheCpuReferenceOnTheEmulator(string family)
    {
        Assert.True(CudaKernelEmulator.Problem is null, CudaKernelEmulator.Problem);
        using var backend = new EmulatorBackend();
        using var ops = new CudaOps(backend, new SimpleGemm(backend));
        var rows = new KernelVerifier(ops).Run(new[] { family });
        _out.WriteLine(VerifyReport.FormatTable(rows));
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.True(r.Passed, $"{r.Op} {r.Shape} {r.Output}: nmse {r.Stats.Nmse:E2} > {r.Threshold:E0} {r.Error}"));
        // every kernel of the family was launched at least once
        var family_ = CudaOpRegistry.Find(family)!;
        var missing = family_.Kernels.Where(k => !backend.LaunchCounts.ContainsKey(k.Name)).ToArray();
        Assert.True(missing.Length == 0, $"never launched: {string.Join(", ", missing)}");
    }
}

/// <summary>The emulator harness itself: it must catch what it claims to catch.</summary>
[Collection("cuda emulator")]
public class CudaEmulatorHarnessTests
{
    [EmulatorFact]
    public void OutOfBoundsWritesAndUnknownKernelsAreReported()
    {
        Assert.True(CudaKernelEmulator.Problem is null, CudaKernelEmulator.Problem);
        using var backend = new EmulatorBackend();
        var x = backend.Allocate(100, NativeWan.Numerics.DType.F32, "x");
        var y = backend.Allocate(100, NativeWan.Numerics.DType.F32, "y (too short)");
        backend.Fill(x, 0);
        // nw_scale_add_f32(y, x, r, alpha, beta, n) with n past the end of y
        var call = new KernelCall("elementwise.cu", "nw_scale_add_f32", 1, 256);
        call.Ptr(y); call.Ptr(x); call.Ptr(x); call.F32(1f); call.F32(1f); call.I64(101);
        var e = Assert.Throws<InvalidOperationException>(() => backend.Launch(call));
        Assert.Contains("out-of-bounds write by nw_scale_add_f32: the guard zone of y (too short)", e.Message);

        using var clean = new EmulatorBackend();
        var bad = new KernelCall("elementwise.cu", "nw_no_such_kernel", 1, 32);
        e = Assert.Throws<InvalidOperationException>(() => clean.Launch(bad));
        Assert.Contains("status -1", e.Message);
    }

    [EmulatorFact]
    public void BarriersAndShufflesReduceLikeTheGpu()
    {
        // nw_sum_squares_f32: warp shuffles + block_sum + one atomicAdd per block, over several blocks
        using var backend = new EmulatorBackend();
        const int n = 3000;
        var host = Enumerable.Range(0, n).Select(i => (float)Math.Sin(i)).ToArray();
        var x = backend.Allocate(n, NativeWan.Numerics.DType.F32, "x");
        var sum = backend.Allocate(1, NativeWan.Numerics.DType.F32, "sum");
        backend.Upload<float>(x, host); backend.Fill(sum, 0);
        var call = new KernelCall("elementwise.cu", "nw_sum_squares_f32", 3, 256);
        call.Ptr(sum); call.Ptr(x); call.I64(n);
        backend.Launch(call);
        var got = new float[1];
        backend.Download<float>(got, sum);
        double expected = host.Sum(v => (double)v * v);
        Assert.InRange(got[0], expected * (1 - 1e-5), expected * (1 + 1e-5));
    }
}
