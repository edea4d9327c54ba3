using NativeWan.Ops.Cuda;

namespace NativeWan.Models.Wan.Cuda;

/// <summary>
/// The whole-step checks of <c>nativewan verify-kernels</c>, after the per-op table: the golden DiT training step
/// (<see cref="GoldenStepCheck"/> on <see cref="GoldenFiles"/>) and the CPU-versus-kernels loss curve
/// (<see cref="LossCurveCheck"/>). Runs on any <see cref="IKernelBackend"/> and <see cref="IGemm"/> (a GPU session, or
/// the host emulator in the tests) and returns <see cref="VerifyRow"/>s for the same table and JSON; a check that throws
/// becomes a failed row instead of ending the run.
/// </summary>
public sealed class DitStepVerifier
{
    /// <summary>Family column of the golden-step rows (also the <c>--op</c> name).</summary>
    public const string GoldenFamily = "dit-golden";
    /// <summary>Family column of the loss-curve row (also the <c>--op</c> name).</summary>
    public const string CurveFamily = "train-curve";
    /// <summary>The environment variable naming the golden directory.</summary>
    public const string GoldenVariable = "NATIVEWAN_GOLDEN_DIR";

    /// <summary>The golden DiT files checked, in order.</summary>
    public static IReadOnlyList<string> GoldenFiles { get; } = ["dit_t2v.safetensors", "dit_i2v.safetensors"];

    /// <summary>The check names: <see cref="GoldenFamily"/>, <see cref="CurveFamily"/>.</summary>
    public static IReadOnlyList<string> Checks { get; } = [GoldenFamily, CurveFamily];

    readonly IKernelBackend _backend;
    readonly IGemm _gemm;

    /// <summary>Checks on <paramref name="backend"/> with base products from <paramref name="gemm"/> (enqueued on its stream).</summary>
    public DitStepVerifier(IKernelBackend backend, IGemm gemm)
    {
        _backend = backend ?? throw new ArgumentNullException(nameof(backend));
        _gemm = gemm ?? throw new ArgumentNullException(nameof(gemm));
    }

    /// <summary>
    /// The golden step for each of <see cref="GoldenFiles"/> in <paramref name="goldenDirectory"/>: rows against the
    /// golden loss (relative, one bf16 ulp) and tensors (NMSE, <see cref="Bf16Budget"/>). A missing directory or file is
    /// skipped with a line to <paramref name="log"/> and no row.
    /// </summary>
    /// <param name="goldenDirectory">Folder of the golden files; null = not found (everything is skipped).</param>
    /// <param name="log">Receives one line per file (result summary or why it was skipped).</param>
    public IReadOnlyList<VerifyRow> RunGolden(string? goldenDirectory, Action<string>? log = null)
    {
        var rows = new List<VerifyRow>();
        if (goldenDirectory is null || !Directory.Exists(goldenDirectory))
        {
            log?.Invoke($"{GoldenFamily}: skipped, golden directory not found{(goldenDirectory is null ? "" : $": {goldenDirectory}")} (pass --golden DIR or set {GoldenVariable})");
            return rows;
        }
        foreach (var file in GoldenFiles)
        {
            var path = Path.Combine(goldenDirectory, file);
            if (!File.Exists(path))
            {
                log?.Invoke($"{GoldenFamily}: skipped {file}, not in {goldenDirectory}");
                continue;
            }
            try
            {
                using var c = GoldenTrainCase.Open(path);
                using var dit = new WanDitCuda(c.Dit, _backend, _gemm);
                var report = GoldenStepCheck.Run(c, dit, compareWithCpu: false);
                rows.AddRange(report.ToRows());
                log?.Invoke(FormattableString.Invariant(
                    $"{GoldenFamily}: {file}: loss {report.Loss} (golden {report.GoldenLoss}, rel {report.LossErrorVsGolden:E2}); {report.LoraGradientTensors} LoRA gradient tensors; budgets NMSE {report.PredictionBudget:E2} (prediction), {report.GradientBudget:E2} (gradients)"));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                rows.Add(VerifyRow.Failed(GoldenFamily, "WanDitCuda.TrainStep", Path.GetFileNameWithoutExtension(file), $"{e.GetType().Name}: {e.Message}"));
            }
            finally { TrySynchronize(); }
        }
        return rows;
    }

    /// <summary>The loss-curve comparison (<see cref="LossCurveCheck.Run"/>): one row; <paramref name="log"/> gets its summary.</summary>
    public IReadOnlyList<VerifyRow> RunLossCurve(LossCurveOptions? options = null, Action<string>? log = null)
    {
        options ??= new LossCurveOptions();
        try
        {
            var report = LossCurveCheck.Run(_backend, _gemm, options);
            log?.Invoke($"{CurveFamily}: {report.Summary()}");
            return report.ToRows();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return [VerifyRow.Failed(CurveFamily, $"LoraTrainer.Step x{options.Steps}", "tiny t2v", $"{e.GetType().Name}: {e.Message}")];
        }
        finally { TrySynchronize(); }
    }

    void TrySynchronize()
    {
        try { _backend.Synchronize(); } catch (Exception e) when (e is not OutOfMemoryException) { /* reported by the check already */ }
    }

    /// <summary>
    /// The golden directory: <paramref name="explicitDirectory"/> when given, else <c>NATIVEWAN_GOLDEN_DIR</c>, else
    /// <c>../shared/golden</c> beside the checkout (the folder holding <c>NativeWan.sln</c>, searched upwards from the
    /// program's folder, then from the working directory). Returns the full path, or null when none applies or the
    /// folder does not exist; <paramref name="tried"/> names what was looked at.
    /// </summary>
    public static string? FindGoldenDirectory(string? explicitDirectory, out string tried)
    {
        if (!string.IsNullOrEmpty(explicitDirectory))
        {
            tried = Path.GetFullPath(explicitDirectory);
            return Directory.Exists(tried) ? tried : null;
        }
        var env = Environment.GetEnvironmentVariable(GoldenVariable);
        if (!string.IsNullOrEmpty(env))
        {
            tried = Path.GetFullPath(env);
            return Directory.Exists(tried) ? tried : null;
        }
        var candidates = new List<string>();
        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                if (!File.Exists(Path.Combine(d.FullName, "NativeWan.sln"))) continue;
                var g = Path.GetFullPath(Path.Combine(d.FullName, "..", "shared", "golden"));
                if (!candidates.Contains(g)) candidates.Add(g);
                break;
            }
        }
        tried = candidates.Count == 0 ? $"no NativeWan checkout above {AppContext.BaseDirectory} or the working directory" : string.Join(", ", candidates);
        return candidates.FirstOrDefault(Directory.Exists);
    }
}
