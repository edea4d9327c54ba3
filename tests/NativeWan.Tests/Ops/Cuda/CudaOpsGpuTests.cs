using NativeWan.Cuda.Blas;
using NativeWan.Cuda.Driver;
using NativeWan.Cuda.Memory;
using NativeWan.Cuda.Nvrtc;
using NativeWan.Ops.Cuda;
using Xunit.Abstractions;

namespace NativeWan.Tests.Ops.Cuda;

/// <summary>A theory that needs a CUDA device: skipped where no driver is found (the theory twin of GpuFact).</summary>
public sealed class GpuTheoryAttribute : TheoryAttribute
{
    public GpuTheoryAttribute()
    {
        if (!GpuFactAttribute.HasCudaDriver()) Skip = "no CUDA driver/device on this machine";
    }
}

/// <summary>Each op family on the real GPU against the CPU ops (skipped without a CUDA device).</summary>
public class CudaOpsGpuTests
{
    readonly ITestOutputHelper _out;
    public CudaOpsGpuTests(ITestOutputHelper output) => _out = output;

    public static IEnumerable<object[]> Families() => CudaOpRegistry.Families.Select(f => new object[] { f.Name });

    [GpuTheory]
    [MemberData(nameof(Families))]
    public void FamilyMatchesTheCpuReferenceOnTheGpu(string family)
    {
        using var cache = new NativeWan.Tests.Cuda.TempDir();
        using var ctx = CudaContext.Create(0);
        using var pool = new CachingDeviceAllocator(new CudaDeviceMemoryBackend(ctx));
        using var stream = ctx.CreateStream();
        using var gemm = CublasLtGemm.IsAvailable ? new CublasLtGemm(pool) : null;
        var dir = KernelLocations.FindKernelsDirectory() ?? throw new InvalidOperationException("kernels folder not found");
        var loader = new KernelLoader(ctx, new KernelCompiler(dir, new KernelCache(cache.Path)), fatbinDirectory: null);
        using var backend = new CudaKernelBackend(loader, pool, stream, ctx.Device.ToString());
        using var ops = new CudaOps(backend, gemm);
        var rows = new KernelVerifier(ops).Run(new[] { family });
        _out.WriteLine(VerifyReport.FormatTable(rows));
        Assert.NotEmpty(rows);
        Assert.All(rows, r => Assert.True(r.Passed, $"{r.Op} {r.Shape} {r.Output}: nmse {r.Stats.Nmse:E2} > {r.Threshold:E0} {r.Error}"));
    }

    [GpuFact]
    public void VerifyKernelsCommandPassesOnTheGpu()
    {
        using var cache = new NativeWan.Tests.Cuda.TempDir();
        var json = Path.Combine(cache.Path, "v.json");
        var w = new StringWriter();
        int rc = NativeWan.Cli.Commands.VerifyKernelsCommand.Run(new NativeWan.Cli.Commands.VerifyKernelsOptions { CacheDirectory = cache.Path, Json = json }, w);
        _out.WriteLine(w.ToString());
        Assert.True(rc == 0, w.ToString());
        Assert.Contains("checks passed", w.ToString());
        Assert.True(File.Exists(json));
    }
}
