using System.Diagnostics;
using CommandLine;
using NativeWan.Cuda;
using NativeWan.Cuda.Blas;
using NativeWan.Cuda.Driver;
using NativeWan.Cuda.Memory;
using NativeWan.Cuda.Nvrtc;

namespace NativeWan.Cli.Commands;

[Verb("doctor", HelpText = "Check the CUDA setup: driver, NVRTC and cuBLASLt versions, GPU, kernel compilation (and cache), and small GPU-vs-CPU checks.")]
public sealed class DoctorOptions : KernelToolOptions
{
}

/// <summary>
/// <c>nativewan doctor</c>: exit 0 when the driver, a GPU, NVRTC, cuBLASLt, every kernel and every GPU-vs-CPU check
/// are fine; 1 with one line per problem otherwise (the first line names what is missing, e.g. no CUDA driver).
/// </summary>
public static class DoctorCommand
{
    public static int Run(DoctorOptions o) => Run(o, Console.Out);

    /// <summary>Runs the checks, writing the report to <paramref name="w"/>; returns the exit code.</summary>
    public static int Run(DoctorOptions o, TextWriter w)
    {
        var problems = new List<string>();
        w.WriteLine("nativewan doctor");

        // 1. libraries
        w.WriteLine("libraries:");
        foreach (var (name, label) in new[] { (NativeLibraries.Cuda, "CUDA driver"), (NativeLibraries.Nvrtc, "NVRTC"), (NativeLibraries.CublasLt, "cuBLASLt"), (NativeLibraries.Nvtx, "NVTX") })
        {
            var file = NativeLibraries.LoadedFile(name);
            w.WriteLine($"  {label,-12} {file ?? "not found (tried " + string.Join(", ", NativeLibraries.TriedNames(name)) + ")"}");
        }
        if (!CudaDriver.IsLibraryAvailable)
            return Finish(w, problems, NativeLibraries.MissingReason(NativeLibraries.Cuda) + "; install the NVIDIA driver (it provides libcuda.so.1)");

        try { return RunWithDriver(o, w, problems); }
        catch (Exception e) when (e is CudaException or DllNotFoundException or EntryPointNotFoundException or NotSupportedException)
        {
            problems.Add(e.Message);
            return Finish(w, problems, null);
        }
    }

    static int RunWithDriver(DoctorOptions o, TextWriter w, List<string> problems)
    {
        // 2. driver and devices
        w.WriteLine($"driver: supports CUDA {CudaDriver.FormatVersion(CudaDriver.Version)}");
        if (!CudaDriver.TryInitialize(out var initError))
            return Finish(w, problems, $"the CUDA driver failed to initialize: {initError}");
        int count = CudaDriver.DeviceCount;
        if (count == 0) return Finish(w, problems, "the CUDA driver reports no GPU");
        for (int i = 0; i < count; i++)
        {
            var d = CudaDevice.Get(i);
            w.WriteLine($"  GPU {i}: {d.Name}, {d.Arch}, {d.MultiprocessorCount} SMs, {ByteSize.Format(d.TotalMemoryBytes)}{(i == o.Device ? "  (tested)" : "")}");
        }
        if (o.Device < 0 || o.Device >= count) return Finish(w, problems, $"--device {o.Device} does not exist ({count} GPU(s))");

        bool nvrtc = NvrtcLibrary.IsAvailable, blas = CublasLtGemm.IsAvailable;
        int[] archs = Array.Empty<int>();
        if (nvrtc)
        {
            archs = NvrtcLibrary.SupportedArchs();
            w.WriteLine($"NVRTC {NvrtcLibrary.VersionString}: {string.Join(" ", archs.Select(a => $"sm_{a}"))}");
        }
        else problems.Add(NativeLibraries.MissingReason(NativeLibraries.Nvrtc) + "; install the CUDA runtime compiler (e.g. cuda-nvrtc-12-x)");
        if (blas) w.WriteLine($"cuBLASLt {CublasLtGemm.Version}");
        else problems.Add(NativeLibraries.MissingReason(NativeLibraries.CublasLt) + "; install libcublas (e.g. libcublas-12-x)");

        // 3. context, kernels, checks
        {
            using var ctx = CudaContext.Create(o.Device);
            var (free, total) = ctx.GetMemoryInfo();
            w.WriteLine($"context: {ctx.Device}; free {ByteSize.Format(free)} of {ByteSize.Format(total)}");
            using var pool = new CachingDeviceAllocator(new CudaDeviceMemoryBackend(ctx), $"device {o.Device}");
            using var stream = ctx.CreateStream();
            var modules = new Dictionary<string, CudaModule>();
            try
            {
                if (nvrtc) LoadKernels(o, ctx, archs, w, problems, modules);
                if (modules.TryGetValue("elementwise.cu", out var ew))
                {
                    Check(w, problems, () => CudaSelfTest.ScaleAddBf16(ew, pool, stream));
                    Check(w, problems, () => CudaSelfTest.ScaleAddBf16(ew, pool, stream, "nw_scale_add_bf16_v8", 4096));
                    Check(w, problems, () => CudaSelfTest.SumSquares(ew, pool, stream));
                }
                if (blas)
                {
                    using var gemm = new CublasLtGemm(pool);
                    Check(w, problems, () => CudaSelfTest.Gemm(gemm, pool, stream, output: GemmOutput.Float32));
                    Check(w, problems, () => CudaSelfTest.Gemm(gemm, pool, stream, output: GemmOutput.BFloat16));
                }
                w.WriteLine($"memory: {pool.Describe()}");
            }
            finally
            {
                foreach (var m in modules.Values) m.Dispose();
            }
        }
        return Finish(w, problems, null);
    }

    static void LoadKernels(DoctorOptions o, CudaContext ctx, int[] archs, TextWriter w, List<string> problems, Dictionary<string, CudaModule> modules)
    {
        var dir = o.KernelsDirectory ?? KernelLocations.FindKernelsDirectory();
        if (dir is null || !Directory.Exists(dir))
        {
            problems.Add($"kernels folder not found{(dir is null ? "" : $": {dir}")} (set {KernelLocations.KernelsVariable} or pass --kernels)");
            return;
        }
        var cache = new KernelCache(o.CacheDirectory);
        var compiler = new KernelCompiler(dir, cache);
        var loader = new KernelLoader(ctx, compiler, supportedArchs: archs);
        w.WriteLine($"kernels: {dir} → {loader.Target.Name}; cache {cache.Directory}");
        foreach (var file in compiler.KernelFiles())
        {
            try
            {
                var sw = Stopwatch.StartNew();
                var (module, info) = loader.Load(file, o.Rebuild);
                modules[file] = module;
                string origin = info.Origin switch { "cache" => "cache hit", "nvrtc" => "compiled (cache miss)", _ => info.Origin };
                w.WriteLine($"  {file,-24} {origin,-22} {info.Target,-11} {sw.Elapsed.TotalMilliseconds,8:F1} ms{(info.Notes.Length > 0 ? "  " + info.Notes.ReplaceLineEndings(" ") : "")}");
            }
            catch (NvrtcCompileException e)
            {
                w.WriteLine($"  {file,-24} FAILED");
                w.WriteLine(e.Message);
                problems.Add($"kernel {file} does not compile ({e.Diagnostics.Count(d => d.Severity.Contains("error"))} error(s), see above)");
            }
            catch (CudaException e)
            {
                w.WriteLine($"  {file,-24} FAILED: {e.Message}");
                problems.Add($"kernel {file} could not be loaded: {e.ErrorName}");
            }
        }
        if (cache.LastStoreError is { } err) w.WriteLine($"  warning: {err}");
    }

    static void Check(TextWriter w, List<string> problems, Func<SelfTestResult> run)
    {
        try
        {
            var r = run();
            w.WriteLine($"check: {(r.Passed ? "ok  " : "FAIL")} {r.Name}: {r.Detail} ({r.Elapsed.TotalMilliseconds:F1} ms)");
            if (!r.Passed) problems.Add($"{r.Name}: {r.Detail}");
        }
        catch (Exception e) when (e is CudaException or InvalidOperationException)
        {
            w.WriteLine($"check: FAIL {e.Message}");
            problems.Add(e.Message);
        }
    }

    static int Finish(TextWriter w, List<string> problems, string? fatal)
    {
        if (fatal is not null) problems.Insert(0, fatal);
        if (problems.Count == 0)
        {
            w.WriteLine("doctor: everything works");
            return 0;
        }
        w.WriteLine($"doctor: {problems.Count} problem(s):");
        foreach (var p in problems) w.WriteLine($"  - {p}");
        return 1;
    }
}
