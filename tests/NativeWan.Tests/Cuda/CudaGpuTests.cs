using NativeWan.Cuda;
using NativeWan.Cuda.Blas;
using NativeWan.Cuda.Driver;
using NativeWan.Cuda.Memory;
using NativeWan.Cuda.Nvrtc;

namespace NativeWan.Tests.Cuda;

/// <summary>Runs only where a CUDA driver and GPU exist (skipped otherwise).</summary>
public class CudaGpuTests
{
    static KernelLoader Loader(CudaContext ctx, string cacheDir)
    {
        var dir = KernelLocations.FindKernelsDirectory() ?? throw new InvalidOperationException("kernels folder not found");
        return new KernelLoader(ctx, new KernelCompiler(dir, new KernelCache(cacheDir)), fatbinDirectory: null);
    }

    [GpuFact]
    public void DeviceAndContextAreDescribed()
    {
        using var ctx = CudaContext.Create(0);
        Assert.True(ctx.Device.MultiprocessorCount > 0);
        Assert.True(ctx.Device.Major >= 5);
        Assert.StartsWith("sm_", ctx.Device.Arch);
        var (free, total) = ctx.GetMemoryInfo();
        Assert.True(free > 0 && free <= total && total <= ctx.Device.TotalMemoryBytes);
        Assert.True(CudaDriver.Version >= 11000);
    }

    [GpuFact]
    public void RoundTripThroughTheRealAllocatorAndStreams()
    {
        using var ctx = CudaContext.Create(0);
        using var pool = new CachingDeviceAllocator(new CudaDeviceMemoryBackend(ctx));
        using var stream = ctx.CreateStream();
        using var start = ctx.CreateEvent(); using var end = ctx.CreateEvent();
        var data = Enumerable.Range(0, 10_000).Select(i => (float)i * 0.5f).ToArray();
        var a = pool.Allocate((ulong)data.Length * 4, stream.Raw, "a");
        var b = pool.Allocate((ulong)data.Length * 4, stream.Raw, "b");
        start.Record(stream);
        CudaMemory.CopyToDevice<float>(a.Pointer, data, stream.Raw);
        CudaMemory.CopyDeviceToDevice(b.Pointer, a.Pointer, a.Length, stream.Raw);
        var back = new float[data.Length];
        CudaMemory.CopyToHost<float>(back, b.Pointer, stream.Raw);
        end.Record(stream);
        stream.Synchronize();
        Assert.Equal(data, back);
        Assert.True(CudaEvent.ElapsedMilliseconds(start, end) >= 0);
        pool.Free(a);
        var again = pool.Allocate(40_000, stream.Raw);
        Assert.Equal(a.Pointer, again.Pointer);          // reused on the same stream
        pool.Free(again); pool.Free(b);
        pool.Trim();
        Assert.Equal(0UL, pool.Statistics.ReservedBytes);
    }

    [GpuFact]
    public void ElementwiseKernelsMatchTheCpuBitForBit()
    {
        using var cache = new TempDir();
        using var ctx = CudaContext.Create(0);
        using var pool = new CachingDeviceAllocator(new CudaDeviceMemoryBackend(ctx));
        using var stream = ctx.CreateStream();
        var (module, info) = Loader(ctx, cache.Path).Load("elementwise.cu");
        using (module)
        {
            Assert.Equal("nvrtc", info.Origin);
            foreach (var r in new[]
            {
                CudaSelfTest.ScaleAddBf16(module, pool, stream, "nw_scale_add_bf16", 1 << 16 | 3),
                CudaSelfTest.ScaleAddBf16(module, pool, stream, "nw_scale_add_bf16_v8", 1 << 16),
                CudaSelfTest.SumSquares(module, pool, stream),
            })
                Assert.True(r.Passed, $"{r.Name}: {r.Detail}");
        }
        var (again, info2) = Loader(ctx, cache.Path).Load("elementwise.cu");
        again.Dispose();
        Assert.Equal("cache", info2.Origin);
    }

    [GpuFact]
    public void MissingKernelNameIsReportedWithTheModule()
    {
        using var cache = new TempDir();
        using var ctx = CudaContext.Create(0);
        var (module, _) = Loader(ctx, cache.Path).Load("elementwise.cu");
        using (module)
        {
            var e = Assert.Throws<CudaException>(() => module.GetFunction("nw_does_not_exist"));
            Assert.Equal("CUDA_ERROR_NOT_FOUND", e.ErrorName);
            Assert.Contains("nw_does_not_exist", e.Message);
        }
    }

    [GpuFact]
    public void CublasLtGemmMatchesTheCpuReference()
    {
        using var ctx = CudaContext.Create(0);
        using var pool = new CachingDeviceAllocator(new CudaDeviceMemoryBackend(ctx));
        using var stream = ctx.CreateStream();
        using var gemm = new CublasLtGemm(pool);
        foreach (var output in new[] { GemmOutput.Float32, GemmOutput.BFloat16 })
            foreach (var bias in new[] { false, true })
            {
                var r = CudaSelfTest.Gemm(gemm, pool, stream, 128, 96, 200, output, bias);
                Assert.True(r.Passed, $"{r.Name}: {r.Detail}");
            }
    }
}
