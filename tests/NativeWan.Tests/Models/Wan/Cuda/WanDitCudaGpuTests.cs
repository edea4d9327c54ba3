using System.Diagnostics;
using NativeWan.Cuda.Blas;
using NativeWan.Cuda.Driver;
using NativeWan.Cuda.Memory;
using NativeWan.Cuda.Nvrtc;
using NativeWan.Models.Wan;
using NativeWan.Models.Wan.Cuda;
using NativeWan.Ops.Cuda;
using NativeWan.Tests.Ops.Cuda;
using Xunit.Abstractions;

namespace NativeWan.Tests.Models.Wan.Cuda;

/// <summary>
/// The device training step on a real GPU (skipped without a CUDA driver), with cuBLASLt and with the tiled fallback
/// GEMM, against the golden files and the CPU reference under the same bf16 budgets as the emulator tests.
/// </summary>
public sealed class WanDitCudaGpuTests(ITestOutputHelper output)
{
    public static TheoryData<string, string> Cases => new()
    {
        { "dit_t2v.safetensors", "cublaslt" }, { "dit_i2v.safetensors", "cublaslt" },
        { "dit_t2v.safetensors", "simple" }, { "dit_i2v.safetensors", "simple" },
    };

    [GpuTheory, MemberData(nameof(Cases))]
    public void TrainStep_MatchesGoldenAndCpuWithinBf16Rounding(string file, string gemmKind)
    {
        using var cache = new NativeWan.Tests.Cuda.TempDir();
        using var ctx = CudaContext.Create(0);
        using var pool = new CachingDeviceAllocator(new CudaDeviceMemoryBackend(ctx));
        using var stream = ctx.CreateStream();
        var dir = KernelLocations.FindKernelsDirectory() ?? throw new InvalidOperationException("kernels folder not found");
        var loader = new KernelLoader(ctx, new KernelCompiler(dir, new KernelCache(cache.Path)), fatbinDirectory: null);
        using var backend = new CudaKernelBackend(loader, pool, stream, ctx.Device.ToString());
        if (gemmKind == "cublaslt" && !CublasLtGemm.IsAvailable) { output.WriteLine("cuBLASLt not installed: nothing to check"); return; }
        using var lt = gemmKind == "cublaslt" ? new CublasLtGemm(pool) : null;
        IGemm gemm = lt is null ? new SimpleGemm(backend) : new CublasLtBaseGemm(lt, stream.Raw);

        using var c = GoldenCases.Open(file);
        using var dit = new WanDitCuda(c.Dit, backend, gemm);
        GoldenStepAssert.Run(c, dit, output, $"{file} ({backend.Description}, {gemm.Name})");

        // time of one checkpointed step without optional outputs (warm: modules loaded, plan allocated)
        var grads = new LoraGradients(c.Lora);
        c.Gpu(dit, grads, new WanCudaTrainOptions());
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < 10; i++) c.Gpu(dit, grads, new WanCudaTrainOptions());
        output.WriteLine($"{file}: {sw.Elapsed.TotalMilliseconds / 10:F2} ms per step ({gemm.Name})");
    }
}
