using NativeWan.Cuda;
using NativeWan.Cuda.Blas;
using NativeWan.Cuda.Driver;

namespace NativeWan.Tests.Cuda;

public class NativeLibrariesTests
{
    [Fact]
    public void VersionedNamesComeFirst()
    {
        if (OperatingSystem.IsWindows()) return;
        Assert.Equal(new[] { "libcuda.so.1", "libcuda.so" }, NativeLibraries.Candidates("cuda"));
        Assert.Equal(new[] { "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so" }, NativeLibraries.Candidates("nvrtc"));
        Assert.Equal(new[] { "libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so" }, NativeLibraries.Candidates("cublasLt"));
        Assert.Equal("libnvToolsExt.so.1", NativeLibraries.Candidates("nvtx")[0]);
    }

    [Fact]
    public void RegistrationIsIdempotent()
    {
        NativeLibraries.EnsureRegistered();
        NativeLibraries.EnsureRegistered();
        Parallel.For(0, 8, _ => NativeLibraries.EnsureRegistered());
    }

    [Fact]
    public void UnknownLogicalNameIsRejected()
    {
        var e = Assert.Throws<ArgumentException>(() => NativeLibraries.Candidates("cudnn"));
        Assert.Contains("cudnn", e.Message);
        Assert.Throws<ArgumentException>(() => NativeLibraries.TryLoad("cudnn", out _));
    }

    [NoGpuFact]
    public void MissingDriverIsExplained()
    {
        Assert.False(NativeLibraries.TryLoad("cuda", out var h));
        Assert.Equal(0, h);
        Assert.Null(NativeLibraries.LoadedFile("cuda"));
        var reason = NativeLibraries.MissingReason("cuda")!;
        Assert.StartsWith("no CUDA driver (libcuda.so.1) was found: tried ", reason);
        Assert.Contains("libcuda.so.1", NativeLibraries.TriedNames("cuda"));
        Assert.Equal(0, NativeLibraries.TryGetExport("cuda", "cuInit"));
        var e = Assert.Throws<DllNotFoundException>(() => CudaDriver.Initialize());
        Assert.Contains("libcuda.so.1", e.Message);
        Assert.False(CudaDriver.TryInitialize(out var why));
        Assert.Contains("no CUDA driver", why);
        Assert.False(Nvtx.IsEnabled && !NativeLibraries.IsAvailable("nvtx"));
        Nvtx.Push("no-op range"); Nvtx.Pop();          // must be harmless without libnvToolsExt
    }
}

public class CudaErrorTextTests
{
    [Fact]
    public void FallbackTableNamesCommonCodes()
    {
        Assert.Equal("CUDA_ERROR_OUT_OF_MEMORY", CudaErrorText.FallbackName(CudaLibrary.Driver, 2));
        Assert.Equal("CUDA_ERROR_ILLEGAL_ADDRESS", CudaErrorText.FallbackName(CudaLibrary.Driver, 700));
        Assert.Equal("CUDA_ERROR_NO_BINARY_FOR_GPU", CudaErrorText.FallbackName(CudaLibrary.Driver, 209));
        Assert.Equal("NVRTC_ERROR_COMPILATION", CudaErrorText.FallbackName(CudaLibrary.Nvrtc, 6));
        Assert.Equal("CUBLAS_STATUS_NOT_SUPPORTED", CudaErrorText.FallbackName(CudaLibrary.CublasLt, 15));
        Assert.Null(CudaErrorText.FallbackName(CudaLibrary.Driver, 12345));
        // enum values and table agree
        foreach (var r in Enum.GetValues<CuResult>())
            Assert.NotNull(CudaErrorText.FallbackName(CudaLibrary.Driver, (int)r));
    }

    [Fact]
    public void ExceptionMessageNamesApiCodeAndDetail()
    {
        var e = new CudaException(CudaLibrary.Driver, 700, "cuCtxSynchronize", "after kernel nw_scale_add_bf16");
        Assert.Equal("CUDA_ERROR_ILLEGAL_ADDRESS", e.ErrorName);
        Assert.Equal(700, e.Code);
        Assert.StartsWith("cuCtxSynchronize failed: CUDA_ERROR_ILLEGAL_ADDRESS (700): ", e.Message);
        Assert.EndsWith(" — after kernel nw_scale_add_bf16", e.Message);
        var unknown = new CudaException(CudaLibrary.Driver, 4242, "cuFoo");
        Assert.Contains("CUDA_ERROR_UNKNOWN_CODE_4242 (4242)", unknown.Message);
        var blas = new CudaException(CudaLibrary.CublasLt, 7, "cublasLtMatmul");
        Assert.Equal("cublasLtMatmul failed: CUBLAS_STATUS_INVALID_VALUE (7): an unsupported value or parameter was passed", blas.Message);
    }
}

public unsafe class KernelArgsTests
{
    [Fact]
    public void ValuesArePackedInAlignedSlotsAndPointersPointAtThem()
    {
        var args = new KernelArgs();
        args.Add(0x1122_3344_5566_7788UL);   // CUdeviceptr
        args.Add(1.5f);                      // float
        args.Add(-7L);                       // long long
        args.Add(42);                        // int
        args.Add((byte)9);
        Assert.Equal(5, args.Count);
        void** p = stackalloc void*[5];
        args.WritePointers(p);
        Assert.Equal(0x1122_3344_5566_7788UL, *(ulong*)p[0]);
        Assert.Equal(1.5f, *(float*)p[1]);
        Assert.Equal(-7L, *(long*)p[2]);
        Assert.Equal(42, *(int*)p[3]);
        Assert.Equal((byte)9, *(byte*)p[4]);
        for (int i = 0; i < 5; i++) Assert.Equal(0, (long)p[i] % 8);
        for (int i = 1; i < 5; i++) Assert.Equal(8, (long)p[i] - (long)p[i - 1]);
    }

    [Fact]
    public void LargeStructsTakeSeveralSlotsAndLimitsAreEnforced()
    {
        var args = new KernelArgs();
        args.Add(new Guid("00112233-4455-6677-8899-aabbccddeeff"));     // 16 bytes → 2 slots
        args.Add(3);
        void** p = stackalloc void*[2];
        args.WritePointers(p);
        Assert.Equal(16, (long)p[1] - (long)p[0]);
        Assert.Equal(new Guid("00112233-4455-6677-8899-aabbccddeeff"), *(Guid*)p[0]);

        var full = new KernelArgs();
        for (int i = 0; i < KernelArgs.MaxArgs; i++) full.Add(i);
        bool threw = false;
        try { full.Add(1); } catch (InvalidOperationException) { threw = true; }
        Assert.True(threw);
    }

    [Fact]
    public void NativeStructLayoutsMatchTheCHeaders()
    {
        Assert.Equal(64, sizeof(CublasLtMatmulAlgo));
        Assert.Equal(96, sizeof(CublasLtMatmulHeuristicResult));
        Assert.Equal(64, (int)System.Runtime.InteropServices.Marshal.OffsetOf<CublasLtMatmulHeuristicResult>(nameof(CublasLtMatmulHeuristicResult.WorkspaceSize)));
        Assert.Equal(72, (int)System.Runtime.InteropServices.Marshal.OffsetOf<CublasLtMatmulHeuristicResult>(nameof(CublasLtMatmulHeuristicResult.State)));
        Assert.Equal(76, (int)System.Runtime.InteropServices.Marshal.OffsetOf<CublasLtMatmulHeuristicResult>(nameof(CublasLtMatmulHeuristicResult.WavesCount)));
    }

    [Fact]
    public void BlocksForCoversAllElements()
    {
        Assert.Equal(new Dim3(4), Dim3.BlocksFor(1000, 256));
        Assert.Equal(new Dim3(1), Dim3.BlocksFor(0, 256));
        Assert.Equal(new Dim3(1), Dim3.BlocksFor(256, 256));
        Assert.Throws<ArgumentOutOfRangeException>(() => Dim3.BlocksFor(long.MaxValue, 1));
    }
}
