using CommandLine;
using NativeWan.Cuda;
using NativeWan.Cuda.Blas;
using NativeWan.Cuda.Driver;
using NativeWan.Cuda.Memory;
using NativeWan.Cuda.Nvrtc;
using NativeWan.Models.Wan.Cuda;
using NativeWan.Ops.Cuda;

namespace NativeWan.Cli.Commands;

[Verb("verify-kernels", HelpText = "Run every CUDA op kernel against its CPU reference on random inputs at several shapes, then the golden DiT training step and a GPU-vs-CPU training loss curve, and print the errors per op and output (needs a CUDA GPU).")]
public sealed class VerifyKernelsOptions : KernelToolOptions
{
    [Option("json", HelpText = "Also write the results to this file as JSON (with GPU, driver and commit).")]
    public string? Json { get; set; }

    [Option("op", Separator = ',', HelpText = "Only these op families and step checks (dit-golden, train-curve), comma-separated (see --list).")]
    public IEnumerable<string> Ops { get; set; } = Array.Empty<string>();

    [Option("list", HelpText = "List the op families, their CPU twins and kernels, and the step checks, then exit (no GPU needed).")]
    public bool List { get; set; }

    [Option("seed", Default = 1234, HelpText = "Seed of the random inputs.")]
    public int Seed { get; set; }

    [Option("golden", HelpText = "Golden directory with dit_t2v.safetensors and dit_i2v.safetensors (default: NATIVEWAN_GOLDEN_DIR, else ../shared/golden beside the checkout); the golden step is skipped when not found.")]
    public string? Golden { get; set; }

    [Option("curve-steps", Default = 50, HelpText = "Training steps of the GPU-vs-CPU loss-curve check.")]
    public int CurveSteps { get; set; } = 50;
}

/// <summary>
/// <c>nativewan verify-kernels</c>: the GPU-versus-CPU table of <see cref="KernelVerifier"/>, followed by the whole-step
/// checks of <see cref="DitStepVerifier"/> (golden DiT training step: loss and gradients within the bf16 budget; CPU and
/// GPU loss curves of the same seeded dual-expert training within 1 %), all in one table and one JSON file. Exit 0 when
/// every check passes, 1 when one fails or when there is no CUDA device / NVRTC / kernels folder (one line saying which),
/// 2 for an unknown --op or a --curve-steps below 1.
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
            w.WriteLine($"{DitStepVerifier.GoldenFamily,-20} the DiT LoRA training step (WanDitCuda) vs the golden files {string.Join(", ", DitStepVerifier.GoldenFiles)}: loss within one bf16 ulp, prediction and gradients within the bf16 NMSE budget");
            w.WriteLine($"{DitStepVerifier.CurveFamily,-20} dual-expert LoRA training of the tiny T2V DiT, CPU vs GPU from one seed: loss curves within 1 %");
            return 0;
        }
        var names = o.Ops.Select(s => s.Trim()).Where(s => s.Length > 0).ToArray();
        foreach (var name in names)
            if (CudaOpRegistry.Find(name) is null && !DitStepVerifier.Checks.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                w.WriteLine($"verify-kernels: unknown op family '{name}' (known: {string.Join(", ", CudaOpRegistry.Families.Select(f => f.Name).Concat(DitStepVerifier.Checks))})");
                return 2;
            }
        if (o.CurveSteps < 1)
        {
            w.WriteLine($"verify-kernels: --curve-steps must be at least 1 (got {o.CurveSteps})");
            return 2;
        }
        bool Selected(string check) => names.Length == 0 || names.Contains(check, StringComparer.OrdinalIgnoreCase);
        var families = names.Where(n => CudaOpRegistry.Find(n) is not null).ToArray();
        bool kernels = names.Length == 0 || families.Length > 0;

        if (!CudaAvailability.TryFindDevice(o.Device, out var problem))
            return Fail(o, w, $"no CUDA device: {problem}");
        if (!NvrtcLibrary.IsAvailable)
            return Fail(o, w, NativeLibraries.MissingReason(NativeLibraries.Nvrtc) + "; install the CUDA runtime compiler (e.g. cuda-nvrtc-12-x)");
        var dir = o.KernelsDirectory ?? KernelLocations.FindKernelsDirectory();
        if (dir is null || !Directory.Exists(dir))
            return Fail(o, w, $"kernels folder not found{(dir is null ? "" : $": {dir}")} (set {KernelLocations.KernelsVariable} or pass --kernels)");

        try
        {
            using var session = CudaSession.Open(o.Device, dir, o.CacheDirectory, o.Rebuild);
            var env = VerifyEnvironment.Collect(session.Context.Device.Name);
            string device = session.Device;
            w.WriteLine($"verify-kernels on {device}; driver {env.Driver ?? "?"} (CUDA {env.CudaDriver ?? "?"}); commit {env.Commit ?? "unknown"}");
            w.WriteLine($"kernels {dir} → {session.Loader.Target.Name}; base GEMM: {session.Gemm.Name}");
            var rows = new List<VerifyRow>();
            if (kernels)
            {
                using var ops = new CudaOps(session.Backend, session.Gemm);
                rows.AddRange(new KernelVerifier(ops, o.Seed).Run(families.Length > 0 ? families : null));
            }
            var steps = new DitStepVerifier(session.Backend, session.Gemm);
            if (Selected(DitStepVerifier.GoldenFamily))
            {
                var golden = DitStepVerifier.FindGoldenDirectory(o.Golden, out var tried);
                if (golden is null)
                    w.WriteLine($"{DitStepVerifier.GoldenFamily}: skipped, golden directory not found (tried {tried}; pass --golden DIR or set {DitStepVerifier.GoldenVariable})");
                else rows.AddRange(steps.RunGolden(golden, w.WriteLine));
            }
            if (Selected(DitStepVerifier.CurveFamily))
                rows.AddRange(steps.RunLossCurve(new LossCurveOptions { Steps = o.CurveSteps, Seed = (ulong)(uint)o.Seed }, w.WriteLine));
            foreach (var l in session.Backend.Loads)
                w.WriteLine($"  module {l.File,-20} {l.Origin,-6} {l.Target,-11} {l.Elapsed.TotalMilliseconds,8:F1} ms{(l.Notes.Length > 0 ? "  " + l.Notes.ReplaceLineEndings(" ") : "")}");
            w.Write(VerifyReport.FormatTable(rows));
            if (o.Json is not null) File.WriteAllText(o.Json, VerifyReport.ToJson(rows, device, null, env));
            return rows.Count > 0 && rows.All(r => r.Passed) ? 0 : 1;
        }
        catch (Exception e) when (e is CudaException or DllNotFoundException or EntryPointNotFoundException or NotSupportedException or NvrtcCompileException or InvalidOperationException)
        {
            return Fail(o, w, e.Message);
        }
    }

    static int Fail(VerifyKernelsOptions o, TextWriter w, string message)
    {
        w.WriteLine($"verify-kernels: {message}");
        if (o.Json is not null) File.WriteAllText(o.Json, VerifyReport.ToJson(Array.Empty<VerifyRow>(), null, message, VerifyEnvironment.Collect(null)));
        return 1;
    }
}
