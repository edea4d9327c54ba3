using CommandLine;
using NativeWan.Cuda;
using NativeWan.Cuda.Blas;
using NativeWan.Cuda.Driver;
using NativeWan.Cuda.Memory;
using NativeWan.Cuda.Nvrtc;
using NativeWan.Ops.Cuda;

namespace NativeWan.Cli.Commands;

[Verb("verify-kernels", HelpText = "Run every CUDA op kernel against its CPU reference on random inputs at several shapes and print the normalized MSE per op and output (needs a CUDA GPU).")]
public sealed class VerifyKernelsOptions : KernelToolOptions
{
    [Option("json", HelpText = "Also write the results to this file as JSON.")]
    public string? Json { get; set; }

    [Option("op", Separator = ',', HelpText = "Only these op families, comma-separated (see --list).")]
    public IEnumerable<string> Ops { get; set; } = Array.Empty<string>();

    [Option("list", HelpText = "List the op families, their CPU twins and kernels, then exit (no GPU needed).")]
    public bool List { get; set; }

    [Option("seed", Default = 1234, HelpText = "Seed of the random inputs.")]
    public int Seed { get; set; }
}

/// <summary>
/// <c>nativewan verify-kernels</c>: the GPU-versus-CPU table of <see cref="KernelVerifier"/>. Exit 0 when every check
/// passes, 1 when one fails or when there is no CUDA device / NVRTC / kernels folder (one line saying which), 2 for an
/// unknown --op.
/// </summary>
public static class VerifyKernelsCommand
{
    public static int Run(VerifyKernelsOptions o) => Run(o, Console.Out);

    /// <summary>Runs the verification, writing the report to <paramref name="w"/>; returns the exit code.</summary>
    public static int Run(VerifyKernelsOptions o, TextWriter w)
    {
        if (o.List)
        {
            foreach (var f in CudaOpRegistry.Families)
            {
                w.WriteLine($"{f.Name,-20} {f.Summary}");
                w.WriteLine($"{"",-20} CPU: {string.Join(", ", f.CpuTwins)}");
                foreach (var g in f.Kernels.GroupBy(k => k.File))
                    w.WriteLine($"{"",-20} {g.Key}: {string.Join(", ", g.Select(k => k.Name))}");
            }
            return 0;
        }
        var families = o.Ops.Select(s => s.Trim()).Where(s => s.Length > 0).ToArray();
        foreach (var name in families)
            if (CudaOpRegistry.Find(name) is null)
            {
                w.WriteLine($"verify-kernels: unknown op family '{name}' (known: {string.Join(", ", CudaOpRegistry.Families.Select(f => f.Name))})");
                return 2;
            }

        if (!CudaAvailability.TryFindDevice(o.Device, out var problem))
            return Fail(o, w, $"no CUDA device: {problem}");
        if (!NvrtcLibrary.IsAvailable)
            return Fail(o, w, NativeLibraries.MissingReason(NativeLibraries.Nvrtc) + "; install the CUDA runtime compiler (e.g. cuda-nvrtc-12-x)");
        var dir = o.KernelsDirectory ?? KernelLocations.FindKernelsDirectory();
        if (dir is null || !Directory.Exists(dir))
            return Fail(o, w, $"kernels folder not found{(dir is null ? "" : $": {dir}")} (set {KernelLocations.KernelsVariable} or pass --kernels)");

        try
        {
            using var ctx = CudaContext.Create(o.Device);
            using var pool = new CachingDeviceAllocator(new CudaDeviceMemoryBackend(ctx), $"device {o.Device}");
            using var stream = ctx.CreateStream();
            using var gemm = CublasLtGemm.IsAvailable ? new CublasLtGemm(pool) : null;
            var loader = new KernelLoader(ctx, new KernelCompiler(dir, new KernelCache(o.CacheDirectory)));
            string device = ctx.Device.ToString();
            w.WriteLine($"verify-kernels on {device}; kernels {dir} → {loader.Target.Name}{(gemm is null ? "; no cuBLASLt: the cuBLASLt Linear case is skipped" : "")}");
            IReadOnlyList<VerifyRow> rows;
            using (var backend = new CudaKernelBackend(loader, pool, stream, device, o.Rebuild))
            using (var ops = new CudaOps(backend, gemm))
            {
                rows = new KernelVerifier(ops, o.Seed).Run(families.Length > 0 ? families : null);
                foreach (var l in backend.Loads)
                    w.WriteLine($"  module {l.File,-20} {l.Origin,-6} {l.Target,-11} {l.Elapsed.TotalMilliseconds,8:F1} ms{(l.Notes.Length > 0 ? "  " + l.Notes.ReplaceLineEndings(" ") : "")}");
            }
            w.Write(VerifyReport.FormatTable(rows));
            if (o.Json is not null) File.WriteAllText(o.Json, VerifyReport.ToJson(rows, device));
            return rows.Count > 0 && rows.All(r => r.Passed) ? 0 : 1;
        }
        catch (Exception e) when (e is CudaException or DllNotFoundException or EntryPointNotFoundException or NotSupportedException or NvrtcCompileException)
        {
            return Fail(o, w, e.Message);
        }
    }

    static int Fail(VerifyKernelsOptions o, TextWriter w, string message)
    {
        w.WriteLine($"verify-kernels: {message}");
        if (o.Json is not null) File.WriteAllText(o.Json, VerifyReport.ToJson(Array.Empty<VerifyRow>(), null, message));
        return 1;
    }
}
